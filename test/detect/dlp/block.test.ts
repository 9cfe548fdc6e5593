/**
 * DLP block scans run on the scanner's stream database (one buffer as a whole stream), not on a block
 * database of their own. What that may change is the start of a candidate: a stream's backward search
 * sees only `maxLength + 1` bytes before a match the end of the data completes (and before a slice), where
 * a block database sees the whole buffer. These tests compare the regex matches with those of a block
 * database of the same patterns: every match of at most its sensor's `maxLength` bytes is the same, and
 * every longer one is still seen as longer (so dropped as overlong in both); and the findings of ordinary
 * and edge-case data are the planted values.
 */
import { describe, expect, it } from 'vitest';
import { httpCorpus } from '../../../bench/regex/corpus.js';
import { compileDlp } from '../../../src/detect/dlp/index.js';
import { DLP_SENSORS } from '../../../src/detect/dlp/sensors.js';
import { compile } from '../../../src/regex/database.js';
import { CONTEXTS, email, jwt, pemKey, Rng, render } from './gen.js';

const dlp = compileDlp('all');
const specs = DLP_SENSORS.flatMap((s) =>
  s.patterns.map((p) => ({ expression: p.expression, flags: p.flags, maxLength: s.maxLength })),
);
const blockDb = compile(
  specs.map((p, id) => ({ id, expression: p.expression, flags: p.flags })),
  { mode: 'block' },
);
const enc = new TextEncoder();

/** A JWT-shaped candidate of about `n` bytes (its header part `n` long). */
const longJwt = (n: number): string => `eyJ${'a'.repeat(n)}.eyJ${'b'.repeat(10)}.c`;

function buffers(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const http = httpCorpus(1 << 20);
  for (const size of [300, 4096, 70_000])
    for (let at = 0; at + size <= http.length; at += size * 5 + 13)
      out.push([`http ${size}@${at}`, http.subarray(at, at + size)]);
  out.push(['http 1 MiB', http]);
  // Around the horizon (the longest candidate, a JWT's 2,048 bytes, plus one), at the end of the data, inside it and at its start.
  for (const n of [2030, 2036, 2037, 2038, 2039, 2040, 2045, 2050, 3000, 70_000]) {
    out.push([`jwt ${n} at the end`, enc.encode(`x ${longJwt(n)}`)]);
    out.push([`jwt ${n} inside`, enc.encode(`x ${longJwt(n)} y`)]);
    out.push([`jwt ${n} at the start`, enc.encode(longJwt(n))]);
  }
  // An e-mail's local part is unbounded: starts further back than the horizon.
  for (const n of [60, 64, 65, 300, 2040, 2100, 4000]) {
    out.push([`email ${n}`, enc.encode(`a a ${'x'.repeat(n)}@example.com`)]);
    out.push([`email ${n}, final dot`, enc.encode(`${'x'.repeat(n)}@example.com. `)]);
  }
  const r = new Rng(11);
  for (let i = 0; i < 40; i++) {
    const parts: string[] = [];
    for (let k = 0; k < 5; k++) {
      const pem = () => render(pemKey(r, 'RSA'), CONTEXTS[r.below(CONTEXTS.length)]!).text;
      parts.push(r.chance(0.3) ? pem() : r.chance(0.5) ? jwt(r) : email(r));
    }
    out.push([`values ${i}`, enc.encode(parts.join(r.chance(0.5) ? ' ' : '\n'))]);
  }
  return out;
}

describe('DLP block scans on the stream database', () => {
  const data = buffers();

  it('report the matches a block database reports, up to what is overlong in both', () => {
    for (const [name, b] of data) {
      const fromBlock: string[] = [];
      const overlongInBlock: string[] = [];
      blockDb.scan(b, (id, from, to) => {
        if (to - from > specs[id]!.maxLength) overlongInBlock.push(`${id}@${to}`);
        else fromBlock.push(`${id}:${from}-${to}`);
      });
      const fromStream: string[] = [];
      const overlongInStream: string[] = [];
      dlp.streamDb.scanWholeStream(b, (id, from, to) => {
        if (from < 0 || to - from > specs[id]!.maxLength) overlongInStream.push(`${id}@${to}`);
        else fromStream.push(`${id}:${from}-${to}`);
      });
      expect(fromStream, name).toEqual(fromBlock);
      expect(overlongInStream, name).toEqual(overlongInBlock);
    }
  });

  it('find the same in a buffer as a stream given it in one chunk and closed', () => {
    for (const [name, b] of data) {
      const s = dlp.openStream();
      const streamed = [...s.scan(b), ...s.close()];
      expect(dlp.scan(b), name).toEqual(streamed);
    }
  });

  it('drop candidates longer than the horizon, at the end of the data and inside it', () => {
    const overlong = dlp.stats.overlong;
    for (const n of [3000, 70_000]) {
      expect(dlp.scan(enc.encode(`x ${longJwt(n)}`))).toEqual([]);
      expect(dlp.scan(enc.encode(`x ${longJwt(n)} y`))).toEqual([]);
    }
    expect(dlp.stats.overlong).toBe(overlong + 4);
  });
});
