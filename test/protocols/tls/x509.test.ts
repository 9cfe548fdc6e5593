/**
 * The DER reader and the X.509 decoder: field formats, one case per certificate anomaly (made by changing
 * one identifier octet of a real certificate), and seeded fuzzing of DER (lengths, tags, depth).
 */
import { describe, expect, it } from 'vitest';
import { DerError, DerTlv, oidToString, readTlv, validateDer } from '../../../src/protocols/tls/der.js';
import { TLS_ANOMALIES } from '../../../src/protocols/tls/anomalies.js';
import { formatIpv6, parseCertificate, parseTime } from '../../../src/protocols/tls/x509.js';
import { der, prng } from './helpers.js';

const LEAF_EC = der('leaf-ec');
const LEAF_RSA = der('leaf-rsa');
const limits = { maxDerDepth: 32, maxListLength: 1024, keepDer: false };

function decode(bytes: Uint8Array, l = limits) {
  const reported: string[] = [];
  const cert = parseCertificate(bytes, 0, bytes.length, l, (code) => reported.push(TLS_ANOMALIES[code]!));
  return { cert, reported };
}

/** Offsets of the identifier octets of the TBSCertificate's children (version, serial, sigalg, issuer, validity, subject, spki, [3]). */
function tbsChildren(bytes: Uint8Array): number[] {
  const t = new DerTlv();
  readTlv(bytes, 0, bytes.length, t);
  readTlv(bytes, t.start, t.end, t);
  const out: number[] = [];
  let pos = t.start;
  const tbsEnd = t.end;
  const c = new DerTlv();
  while (pos < tbsEnd) {
    readTlv(bytes, pos, tbsEnd, c);
    out.push(pos);
    pos = c.end;
  }
  return out;
}

/** Offset of the first content octet of the TLV at `at`. */
function contentStart(bytes: Uint8Array, at: number): number {
  const t = new DerTlv();
  readTlv(bytes, at, bytes.length, t);
  return t.start;
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const c = bytes.slice();
  c[at] = value;
  return c;
}

describe('X.509 fields', () => {
  it('a v1 certificate (no version field, no extensions)', () => {
    const { cert, reported } = decode(LEAF_RSA);
    expect(reported).toEqual([]);
    expect(cert.version).toBe(1);
    expect(cert.serial).toBe('05');
    expect(cert.subject).toBe('CN=leaf.example');
    expect(cert.sanDns).toEqual([]);
  });

  it('times: UTCTime century rule, GeneralizedTime, offsets, bad dates', () => {
    const t = (s: string, utc: boolean): string | null => parseTime(Buffer.from(s), 0, s.length, utc);
    expect(t('491231235959Z', true)).toBe('2049-12-31T23:59:59Z');
    expect(t('500101000000Z', true)).toBe('1950-01-01T00:00:00Z');
    expect(t('20380119031408Z', false)).toBe('2038-01-19T03:14:08Z');
    expect(t('99991231235959Z', false)).toBe('9999-12-31T23:59:59Z');
    expect(t('0001010000+0100', true)).toBe('1999-12-31T23:00:00Z');
    expect(t('250230000000Z', true)).toBeNull();
    expect(t('240229000000Z', true)).toBe('2024-02-29T00:00:00Z');
    expect(t('230229000000Z', true)).toBeNull();
    expect(t('21000229000000Z', false)).toBeNull();
    expect(t('20000229000000Z', false)).toBe('2000-02-29T00:00:00Z');
    expect(t('00010101000000Z', false)).toBe('0001-01-01T00:00:00Z');
    expect(t('2502010000', true)).toBeNull();
    expect(t('25020100000xZ', true)).toBeNull();
  });

  it('IPv6 text is RFC 5952', () => {
    const b = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
    expect(formatIpv6(b('20010db8000000000000000000000001'), 0)).toBe('2001:db8::1');
    expect(formatIpv6(b('00000000000000000000000000000000'), 0)).toBe('::');
    expect(formatIpv6(b('20010db8000100000001000000000001'), 0)).toBe('2001:db8:1:0:1::1');
  });

  it('OIDs', () => {
    expect(oidToString(Uint8Array.from([0x55, 0x04, 0x03]), 0, 3)).toBe('2.5.4.3');
    expect(oidToString(Uint8Array.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]), 0, 6)).toBe('1.2.840.113549');
    expect(oidToString(Uint8Array.from([0x55, 0x84]), 0, 2)).toBeNull();
  });
});

describe('certificate anomalies', () => {
  const kids = tbsChildren(LEAF_EC); // [version, serial, sigalg, issuer, validity, subject, spki, [3]]
  const cases: [string, Uint8Array][] = [
    ['tls.certificate_invalid_der', LEAF_EC.subarray(0, LEAF_EC.length - 5)],
    ['tls.certificate_invalid_serial', withByte(LEAF_EC, kids[1]!, 0x04)],
    ['tls.certificate_invalid_algorithm', withByte(LEAF_EC, kids[2]!, 0x31)],
    ['tls.certificate_invalid_name', withByte(LEAF_EC, kids[3]!, 0x31)],
    ['tls.certificate_invalid_date', withByte(LEAF_EC, contentStart(LEAF_EC, kids[4]!), 0x04)],
    ['tls.certificate_invalid_extensions', withByte(LEAF_EC, contentStart(LEAF_EC, kids[7]!), 0x31)],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: fields before the fault kept, fingerprint always`, () => {
      const { cert, reported } = decode(bytes);
      expect(reported).toEqual([name]);
      expect(cert.error).toBe(name);
      expect(cert.fingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    });
  }

  it('the date case kept the serial and issuer', () => {
    const { cert } = decode(cases[4]![1]);
    expect(cert.serial).toBe('00:A1:B2:C3:D4:E5:F6:07:18');
    expect(cert.issuer).toContain('O=Netsieve Test');
  });

  it('SAN entries beyond maxListLength raise tls.too_many_values', () => {
    const { cert, reported } = decode(LEAF_EC, { ...limits, maxListLength: 2 });
    expect(reported).toEqual(['tls.too_many_values']);
    expect(cert.sanDns.length + cert.sanIps.length).toBe(2);
  });
});

describe('DER reader', () => {
  const t = new DerTlv();
  it('rejects indefinite, over-long and beyond-parent lengths, and deep nesting', () => {
    expect(readTlv(Uint8Array.from([0x30, 0x80, 0, 0]), 0, 4, t)).toBe(DerError.INDEFINITE_LENGTH);
    expect(readTlv(Uint8Array.from([0x04, 0x85, 1, 1, 1, 1, 1]), 0, 7, t)).toBe(DerError.LENGTH_TOO_LONG);
    expect(readTlv(Uint8Array.from([0x04, 0x05, 1]), 0, 3, t)).toBe(DerError.LENGTH_BEYOND_PARENT);
    expect(readTlv(Uint8Array.from([0x1f, 0x81, 0x81, 0x81, 0x81, 0x81]), 0, 6, t)).toBe(DerError.BAD_TAG);
    const deep = new Uint8Array(120);
    for (let i = 0; i < 60; i++) {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = 118 - 2 * i;
    }
    expect(validateDer(deep, 0, 120, 32)).toBe(DerError.TOO_DEEP);
    expect(validateDer(deep, 0, 120, 64)).toBe(DerError.OK);
  });
});

describe('DER fuzzing (seeded)', () => {
  it('20000 mutated certificates: no exception, bounded output', () => {
    const rand = prng(0x7115);
    const seeds = [LEAF_EC, LEAF_RSA];
    for (let i = 0; i < 20000; i++) {
      const base = seeds[i % 2]!;
      let c = base.slice();
      const kind = i % 4;
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) {
        const at = Math.floor(rand() * c.length);
        if (kind === 0)
          c[at] = Math.floor(rand() * 256); // any byte
        else if (kind === 1)
          c[at] = [0x30, 0x31, 0x80, 0x81, 0x82, 0x84, 0xff, 0xa0, 0xa3, 0x1f][Math.floor(rand() * 10)]!; // tags and lengths
        else if (kind === 2)
          c = c.subarray(0, at); // truncation
        else c[at] = (c[at]! + 1) & 0xff; // off-by-one lengths
      }
      const { cert } = decode(c);
      expect(cert.subject.length + cert.issuer.length).toBeLessThan(4 * c.length + 64);
      expect(cert.sanDns.length + cert.sanIps.length).toBeLessThanOrEqual(1024);
    }
    // Deep nesting of constructed tags.
    for (let depth = 1; depth < 2000; depth += 37) {
      const b = new Uint8Array(depth * 4);
      for (let i = 0; i < depth; i++) {
        b[i * 4] = 0x30;
        b[i * 4 + 1] = 0x83;
        const len = (depth - i - 1) * 4;
        b[i * 4 + 2] = len >> 8;
        b[i * 4 + 3] = len & 0xff;
      }
      expect(decode(b).reported.length).toBeGreaterThan(0);
    }
  });
});
