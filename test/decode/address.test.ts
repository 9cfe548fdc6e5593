import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../src/decode/address.js';

function roundTrip(text: string): string {
  const w = new Uint32Array(4);
  const v = parseAddress(text, w);
  expect(v).not.toBe(0);
  return formatAddress(w, v);
}

describe('formatAddress', () => {
  it('writes IPv4 as a dotted quad from word 0', () => {
    expect(formatAddress(Uint32Array.from([0xc0a80001, 0, 0, 0]), 4)).toBe('192.168.0.1');
    expect(formatAddress(Uint32Array.from([0xffffffff, 0, 0, 0]), 4)).toBe('255.255.255.255');
  });

  it.each([
    // RFC 5952 §4.1 leading zeros, §4.2.1 longest run, §4.2.2 no single group, §4.2.3 first on ties, §4.3 lower case.
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:DB8::ABCD', '2001:db8::abcd'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('formats %s as %s', (input, expected) => {
    expect(roundTrip(input)).toBe(expected);
  });
});

describe('parseAddress', () => {
  it('returns the version and fills network-order words', () => {
    const w = new Uint32Array(4).fill(7);
    expect(parseAddress('10.1.2.3', w)).toBe(4);
    expect(Array.from(w)).toEqual([0x0a010203, 0, 0, 0]);
    expect(parseAddress('2001:db8::1', w)).toBe(6);
    expect(Array.from(w)).toEqual([0x20010db8, 0, 0, 1]);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-4',
    'a.b.c.d',
    ':::',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    'fe80::1%eth0',
    '::1.2.3',
    'g::1',
    '1:2:3:4:5:6:7::1.2.3.4',
  ])('refuses %j', (text) => {
    const w = new Uint32Array(4).fill(9);
    expect(parseAddress(text, w)).toBe(0);
    expect(Array.from(w)).toEqual([0, 0, 0, 0]);
  });
});
