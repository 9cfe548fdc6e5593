/**
 * The inspection getters (for detection and FQDN policy) and the options: defaults, partial options,
 * out-of-range values clamped.
 */
import { describe, expect, it } from 'vitest';
import {
  DNS_DEFAULTS,
  dnsAnswerNames,
  dnsModule,
  dnsQueryNames,
  dnsResolvedAddresses,
  resolveDnsOptions,
} from '../../../src/protocols/dns/index.js';
import { encodeName, parseOne, query, response, rr } from './helpers.js';

describe('inspection buffers', () => {
  it('query names, answer names, and the addresses a name resolved to through CNAMEs', () => {
    const bytes = response('WWW.Example.com', 1, [
      rr('WWW.Example.com', 5, encodeName('edge.cdn.example')),
      rr('edge.cdn.example', 5, encodeName('e1.cdn.example')),
      rr('e1.cdn.example', 1, [192, 0, 2, 1]),
      rr('e1.cdn.example', 1, [192, 0, 2, 2]),
      rr('e1.cdn.example', 1, [192, 0, 2, 2]),
    ]);
    const msg = parseOne(bytes, 1).msg!;
    expect(dnsQueryNames(msg)).toEqual(['WWW.Example.com']);
    expect(dnsAnswerNames(msg)).toEqual([
      'WWW.Example.com',
      'edge.cdn.example',
      'e1.cdn.example',
      'e1.cdn.example',
      'e1.cdn.example',
    ]);
    expect(Object.fromEntries(dnsResolvedAddresses(msg))).toEqual({
      'e1.cdn.example': ['192.0.2.1', '192.0.2.2'],
      'edge.cdn.example': ['192.0.2.1', '192.0.2.2'],
      'www.example.com': ['192.0.2.1', '192.0.2.2'],
    });
    expect(dnsResolvedAddresses(parseOne(query('a.example')).msg!).size).toBe(0);
  });

  it('a CNAME loop in the answers ends', () => {
    const bytes = response('a.example', 1, [
      rr('a.example', 5, encodeName('b.example')),
      rr('b.example', 5, encodeName('a.example')),
      rr('b.example', 1, [10, 0, 0, 1]),
    ]);
    expect(dnsResolvedAddresses(parseOne(bytes, 1).msg!).get('a.example')).toEqual(['10.0.0.1']);
  });
});

describe('options', () => {
  it('documented defaults, on the module', () => {
    expect(DNS_DEFAULTS).toEqual({
      maxRecordsPerSection: 1024,
      maxOutstandingQueries: 256,
      maxTcpMessageSize: 65535,
      maxCompressionJumps: 32,
    });
    expect(dnsModule.defaults).toBe(DNS_DEFAULTS);
    expect(Object.isFrozen(DNS_DEFAULTS)).toBe(true);
  });

  it('partial options over the defaults; out-of-range and non-numbers clamped or ignored', () => {
    expect(resolveDnsOptions(undefined)).toEqual(DNS_DEFAULTS);
    expect(resolveDnsOptions({ maxRecordsPerSection: 10 })).toEqual({ ...DNS_DEFAULTS, maxRecordsPerSection: 10 });
    expect(
      resolveDnsOptions({ maxRecordsPerSection: 0, maxOutstandingQueries: 1e9, maxTcpMessageSize: 3, maxCompressionJumps: 7.9 }),
    ).toEqual({
      maxRecordsPerSection: 1,
      maxOutstandingQueries: 65536,
      maxTcpMessageSize: 12,
      maxCompressionJumps: 7,
    });
    expect(resolveDnsOptions({ maxCompressionJumps: Number.NaN, maxRecordsPerSection: '5' as unknown as number })).toEqual(
      DNS_DEFAULTS,
    );
  });
});
