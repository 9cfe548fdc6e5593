/**
 * JA3, JA3S and JA4 against published values: the JA4 example of FoxIO's specification (Chrome), and
 * JA3/JA3S values Wireshark computes for a real Chrome capture (checked in truth.test.ts on captures).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ja3, ja3s, ja4 } from '../../../src/protocols/tls/fingerprint.js';
import { parseClientHello, parseServerHello } from '../../../src/protocols/tls/parser.js';
import { TLS_DEFAULTS } from '../../../src/protocols/tls/options.js';
import { alpnExt, clientHelloBody, ext, serverHelloBody, sniExt, u16, u16List, vec } from './helpers.js';

const limits = { ...TLS_DEFAULTS, keepCertificateDer: false };
const noReport = (): void => {};

/** The ClientHello of FoxIO's JA4 example: its suites, extensions and signature algorithms, in Chrome's order. */
function foxioChrome(grease: boolean) {
  const ciphers = [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
  ];
  const sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
  const exts = [
    ...(grease ? [ext(0x1a1a)] : []),
    sniExt('www.example.com'),
    ext(0x0017),
    ext(0xff01, [0]),
    ext(0x000a, vec(2, u16List([...(grease ? [0x2a2a] : []), 0x001d, 0x0017, 0x0018]))),
    ext(0x000b, vec(1, [0])),
    ext(0x0023),
    alpnExt(['h2', 'http/1.1']),
    ext(0x0005, [1, 0, 0, 0, 0]),
    ext(0x000d, vec(2, u16List(sigs))),
    ext(0x0012),
    ext(0x0033, vec(2, [...u16(0x001d), ...vec(2, Array(32).fill(9))])),
    ext(0x002d, vec(1, [1])),
    ext(0x002b, vec(1, u16List([...(grease ? [0x3a3a] : []), 0x0304, 0x0303]))),
    ext(0x001b, vec(2, u16List([2]))),
    ext(0x4469, vec(2, vec(1, [0x68, 0x32]))),
    ext(0x0015, Array(10).fill(0)),
    ...(grease ? [ext(0x4a4a, [0])] : []),
  ];
  return parseClientHello(
    ...(() => {
      const b = clientHelloBody({
        ciphers: grease ? [0x0a0a, ...ciphers] : ciphers,
        extensions: exts,
        sessionId: Array(32).fill(1),
      });
      return [b, 0, b.length] as const;
    })(),
    limits,
    noReport,
  )!;
}

describe('JA4 (FoxIO)', () => {
  it('matches the specification example t13d1516h2_8daaf6152771_e5627efa2ab1', () => {
    expect(ja4(foxioChrome(false))).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('ignores GREASE in suites, extensions, groups and versions', () => {
    expect(ja4(foxioChrome(true))).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('uses i without SNI, 00 without ALPN, the legacy version without supported_versions, and zero hashes when empty', () => {
    const b = clientHelloBody({ version: 0x0301, ciphers: [], extensions: [] });
    const ch = parseClientHello(b, 0, b.length, limits, noReport)!;
    expect(ja4(ch)).toBe('t10i000000_000000000000_000000000000');
  });

  it('prints hex digits for a non-alphanumeric ALPN, and no underscore without signature algorithms', () => {
    const b = clientHelloBody({ ciphers: [0x002f], extensions: [alpnExt(['\xab\xcd']), ext(0x0017)] });
    const ch = parseClientHello(b, 0, b.length, limits, noReport)!;
    const v = ja4(ch)!;
    expect(v.slice(0, 10)).toBe('t12i0102ad');
    // c hashes "0017" alone.
    expect(v.split('_')[2]).toBe(createHash('sha256').update('0017').digest('hex').slice(0, 12));
  });
});

describe('JA3 / JA3S', () => {
  it('skips GREASE and writes an empty field for absent lists', () => {
    const b = clientHelloBody({
      version: 0x0303,
      ciphers: [0x0a0a, 0x1301, 0x002f],
      extensions: [ext(0x2a2a), ext(0x0017), ext(0x000a, vec(2, u16List([0x3a3a, 29])))],
    });
    const ch = parseClientHello(b, 0, b.length, limits, noReport)!;
    const f = ja3(ch)!;
    expect(f.string).toBe('771,4865-47,23-10,29,');
    expect(f.hash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('JA3S is version, cipher and extension types', () => {
    const b = serverHelloBody({
      cipher: 0x1301,
      extensions: [ext(0x002b, u16(0x0304)), ext(0x0033, [...u16(29), ...vec(2, Array(32).fill(1))])],
    });
    const sh = parseServerHello(b, 0, b.length, limits, noReport)!;
    expect(ja3s(sh)!.string).toBe('771,4865,43-51');
    // The JA3S of zeek_tls-tls13-ech.pcap's server (same string; truth.test.ts checks it against Wireshark).
    expect(ja3s(sh)!.hash).toBe('f4febc55ea12b31ae17cfb7e614afda8');
  });
});
