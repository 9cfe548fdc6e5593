import { describe, expect, it } from 'vitest';
import {
  parseJson,
  parseMultipart,
  parseUrlencoded,
  parseXml,
  processRequestBody,
} from '../../../../src/detect/waf/body/index.js';
import { DEFAULT_BODY_LIMITS } from '../../../../src/detect/waf/body/types.js';
import { mulberry32 } from '../../../helpers/packets.js';
import { b } from './helpers.js';

const SEEDS: Record<string, Uint8Array> = {
  multipart: b(
    '--XyZ\r\nContent-Disposition: form-data; name="a"; filename*=utf-8\'\'x\r\n folded\r\n\r\nv\nw\r\n--XyZ\r\n' +
      'Content-Disposition: form-data; name=\'b\'; filename="f\\"g"\r\nContent-Type: x\r\n\r\ndata--XyZ\r\n--XyZ--\r\n',
  ),
  json: b('{"a":[1,{"b":"\\u00e9\\ud83d\\ude00"},[true,false,null]],"":{"c":-1.5e3}}'),
  xml: b('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x&amp;">]><a k="v&e;"><b>t&e;<![CDATA[c]]></b><!--c--><?p d?></a>'),
  urlencoded: b('a=1&b=%41%zz+c&&=&d'),
};

/** Mutations of a valid body: flips, insertions of syntax bytes, deletions, duplications, truncation. */
function mutate(seed: Uint8Array, rnd: () => number): Uint8Array {
  const bytes = Array.from(seed);
  const syntax = b('\r\n-"\'\\;=:{}[],<>/&%?!#x \t\0\xff');
  const n = 1 + Math.floor(rnd() * 8);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (bytes.length + 1));
    const op = Math.floor(rnd() * 5);
    if (op === 0 && bytes.length > 0) bytes[at % bytes.length] = Math.floor(rnd() * 256);
    else if (op === 1) bytes.splice(at, 0, syntax[Math.floor(rnd() * syntax.length)]!);
    else if (op === 2) bytes.splice(at, 1 + Math.floor(rnd() * 4));
    else if (op === 3) bytes.splice(at, 0, ...bytes.slice(at, at + Math.floor(rnd() * 40)));
    else bytes.length = Math.min(bytes.length, at);
  }
  return Uint8Array.from(bytes);
}

function random(rnd: () => number): Uint8Array {
  const out = new Uint8Array(Math.floor(rnd() * 300));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

describe('fuzz: the processors never throw and stay bounded', () => {
  it.each(Object.keys(SEEDS))('%s: 3000 mutated and random bodies', (kind) => {
    const rnd = mulberry32(0xb0d1 + kind.length);
    const seed = SEEDS[kind]!;
    for (let i = 0; i < 3000; i++) {
      const body = i % 4 === 3 ? random(rnd) : mutate(seed, rnd);
      switch (kind) {
        case 'multipart': {
          const r = parseMultipart('multipart/form-data; boundary=XyZ', body, DEFAULT_BODY_LIMITS);
          let total = 0;
          for (const a of r.args) total += a.name.length + a.value.length;
          expect(total).toBeLessThanOrEqual(body.length);
          break;
        }
        case 'json': {
          const r = parseJson(body, { count: 0, limit: null }, 64);
          expect(r.args.length).toBeLessThanOrEqual(body.length);
          break;
        }
        case 'xml': {
          const r = parseXml(body);
          if (r.error === null) expect(r.text).not.toBeNull();
          break;
        }
        default: {
          const r = parseUrlencoded(body, 0x26, { count: 0, limit: null });
          expect(r.args.length).toBeLessThanOrEqual(body.length + 1);
        }
      }
    }
  });

  it('processRequestBody takes any Content-Type and processor', () => {
    const rnd = mulberry32(7);
    const cts = [
      'multipart/form-data; boundary=XyZ',
      'multipart/form-data; boundary="XyZ"',
      'application/x-www-form-urlencoded',
      'x',
    ];
    const procs = [null, 'JSON', 'XML', 'URLENCODED', 'MULTIPART'] as const;
    for (let i = 0; i < 2000; i++) {
      const ct = rnd() < 0.2 ? String.fromCharCode(...random(rnd).subarray(0, 60)) : cts[i % cts.length]!;
      const seed = Object.values(SEEDS)[i % 4]!;
      expect(() => processRequestBody(ct, mutate(seed, rnd), {}, { processor: procs[i % procs.length] })).not.toThrow();
    }
  });

  it('multipart is linear on hostile shapes (long dash lines, many folds, many parts)', () => {
    const ct = `multipart/form-data; boundary=${'-'.repeat(900)}`;
    const dashes = b(`${'-'.repeat(4095)}\n`.repeat(500));
    expect(() => parseMultipart(ct, dashes, DEFAULT_BODY_LIMITS)).not.toThrow();
    const folds = b(`--XyZ\r\nContent-Disposition: form-data;\r\n${' x\r\n'.repeat(200000)}\r\nv\r\n--XyZ--\r\n`);
    const r = parseMultipart('multipart/form-data; boundary=XyZ', folds, DEFAULT_BODY_LIMITS);
    expect(r.error).not.toBeNull();
    const parts = b(`${'--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n'.repeat(20000)}--XyZ--\r\n`);
    expect(parseMultipart('multipart/form-data; boundary=XyZ', parts, DEFAULT_BODY_LIMITS).args.length).toBe(20000);
  });

  it('JSON names stay linear for deep paths with many values', () => {
    const key = 'k'.repeat(100);
    const body = b(`${`{"${key}":`.repeat(500)}[${'1,'.repeat(100000)}1]${'}'.repeat(500)}`);
    const r = parseJson(body, { count: 0, limit: null }, 512);
    expect(r.error).not.toBeNull(); // netsieve's bound on name bytes
    expect(r.error).toContain('netsieve');
  });
});
