/**
 * `http.uri` as Suricata 7 builds it (suricata-uri.ts). The expected bytes below were each confirmed with
 * Suricata 7.0.10 (libhtp 0.5.50, the default suricata.yaml): a rule `http.uri; content:"<bytes>";
 * bsize:<n>;` alerted on a request with that target. The last test re-runs that comparison, and a seeded
 * fuzz of targets built from tricky pieces, when `suricata` is installed.
 */
import { describe, expect, it } from 'vitest';
import { libhtpRequestUri, libhtpUriHostname, suricataNormalizedUri } from '../../../src/protocols/http/suricata-uri.js';
import { SURICATA_ABSENT, conversationsPcap, exactRule, runSuricata, suricataInstalled } from './suricata-run.js';

const L = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** [request-target, Suricata's http.uri] (latin1; `\xNN` is one byte). */
const CASES: readonly (readonly [string, string])[] = [
  ['/a%3Cb', '/a<b'],
  ['/a%3cb?x=%3C', '/a<b?x=<'],
  ['/a%2Fb', '/a/b'],
  ['/a%2fb/../c', '/a/c'],
  ['/a%5cb', '/a/b'],
  ['/a\x5cb\x5c..\x5cc', '/a/c'],
  ['/%u0041%u0062', '/Ab'],
  ['/%u002f%u002E%u002e/x', '/x'],
  ['/%uFF41', '/a'],
  ['/%u0', '/%u0'],
  ['/%uzzzz', '/%uzzzz'],
  ['/a+b?c+d', '/a+b?c+d'],
  ['/a/../b', '/b'],
  ['/a/./b', '/a/b'],
  ['/a//b///c', '/a/b/c'],
  ['/../../etc/passwd', '/etc/passwd'],
  ['/a/..', ''],
  ['/a/.', '/a'],
  ['/./a', '/a'],
  ['/a/b/..%2f..%2fc', '/c'],
  ['/%c0%af', '//'],
  ['/%c0%ae%c0%ae/x', '/x'],
  ['/%e0%80%af', '//'],
  ['/%zz?%zz', '/%zz?%zz'],
  ['/%4', '/%4'],
  ['/x?%4', '/x?%4'],
  ['/a%00b?c%00d', '/a\x00b?c\x00d'],
  ['/caf%c3%a9', '/caf\xe9'],
  ['/%c3', '/'],
  ['/%ff%fe', '/??'],
  ['/%ed%a0%80', '/???'],
  ['/%f0%9f%98%80', '/?'],
  ['/a#frag%41', '/a#fragA'],
  ['/?a=%u0041', '/?a=%u0041'],
  ['http://Example.COM:8080/p%41th?q=%41', '/pAth?q=A'],
  ['http://host', ''],
  ['foo/bar', 'foo/bar'],
  ['a:b/c', 'b/c'],
  ['*', '*'],
  ['/%C4%80', '/A'],
  ['/%E2%80%9C', '/?'],
  ['/%e2%80%a6', '/?'],
  ['/x?a=b+c%20d&e=%2B', '/x?a=b+c d&e=+'],
  ['/a;b', '/a;b'],
  ['/A/B?C', '/A/B?C'],
  ['/%2e%2e/%2e%2e/x', '/x'],
  ['/x/%2e', '/x'],
  ['/%u00c0%u0101', '/?a'], // %u00c0 is byte C0, then invalid UTF-8 before 'a'
  ['/a%20b', '/a b'],
];

describe('suricataNormalizedUri', () => {
  it.each(CASES)('%j → %j', (target, expected) => {
    expect(text(suricataNormalizedUri(target, 'GET'))).toBe(expected);
  });
  it('CONNECT has no path: empty', () => {
    expect(suricataNormalizedUri('example.com:443', 'CONNECT').length).toBe(0);
  });
  it('the target is cut at the first space, as libhtp reads the request line', () => {
    expect(libhtpRequestUri('/a b')).toBe('/a');
    expect(libhtpRequestUri('/a')).toBe('/a');
  });
  it("the target's host name, normalized", () => {
    expect(libhtpUriHostname('http://u:p@WWW.Ex%41mple.COM.:81/x', 'GET')).toBe('www.example.com');
    expect(libhtpUriHostname('/x', 'GET')).toBeNull();
    expect(libhtpUriHostname('[::1]:8080', 'CONNECT')).toBe('[::1]');
  });
  it('never longer than the target plus `?` and `#`, never throws (seeded fuzz)', () => {
    let seed = 0x1234567;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 3000; i++) {
      const t = fuzzTarget(rnd);
      const out = suricataNormalizedUri(t, 'GET');
      expect(out.length).toBeLessThanOrEqual(t.length + 2);
    }
  });
});

/** Pieces that exercise every branch of the decoder; joined at random (no space, CR or LF). */
const PIECES = [
  '/',
  '//',
  '\\',
  '.',
  '..',
  './',
  '../',
  '/./',
  '/../',
  '%2f',
  '%2F',
  '%5c',
  '%2e',
  '%2E%2e',
  '%u002f',
  '%u0041',
  '%uFF21',
  '%U0062',
  '%u00',
  '%u12',
  '%uzz12',
  '%zz',
  '%4',
  '%',
  '%00',
  '%c0%af',
  '%c0%ae',
  '%e0%80%af',
  '%c3%a9',
  '%c3',
  '%e2%80',
  '%ed%a0%80',
  '%f4%90%80%80',
  '%f0%9f%98%80',
  '%ff',
  '%80',
  '%C4%80',
  '?',
  '#',
  '+',
  '&',
  '=',
  'a',
  'B',
  'c9',
  'x.y',
  ':',
  'http:',
  'http://h',
  '@',
  ';',
];

function fuzzTarget(rnd: (n: number) => number): string {
  let s = rnd(4) === 0 ? '' : '/';
  const n = 1 + rnd(8);
  for (let i = 0; i < n; i++) s += PIECES[rnd(PIECES.length)];
  return s.length === 0 ? '/' : s;
}

describe('against Suricata 7', () => {
  it('every case, and 300 fuzzed targets, give the bytes Suricata matches', (ctx) => {
    if (!suricataInstalled()) {
      ctx.skip(SURICATA_ABSENT);
      return;
    }
    let seed = 0xbadc0de;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const targets = [...CASES.map((c) => c[0]), ...Array.from({ length: 300 }, () => fuzzTarget(rnd))];
    const convs = targets.map((t) => ({
      request: L(`GET ${t} HTTP/1.1\r\nHost: h\r\n\r\n`),
      response: L('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    }));
    const rules = targets.map((t, i) => exactRule(1000 + i, 'http', 'http.uri', suricataNormalizedUri(t, 'GET'), 20000 + i));
    const got = new Set(runSuricata(conversationsPcap(convs), rules).map((a) => a.sid));
    const missed = targets.filter((_t, i) => !got.has(1000 + i)).map((t) => [t, text(suricataNormalizedUri(t, 'GET'))]);
    expect(missed).toEqual([]);
  }, 120_000);
});
