/**
 * The validators' arithmetic against independent references: Luhn against the string version in gen.ts,
 * mod-97 against BigInt, CRC-32 against node:zlib, the brand table at every range edge, the IBAN length
 * table against the tests' own copy of the registry.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cardBrand, crc32, IBAN_LENGTHS, ibanMod97, luhnValid } from '../../../src/detect/dlp/index.js';
import { base62Six, IBAN_COUNTRY_LENGTHS, ibanRemainder, luhnOk, pick, Rng } from './gen.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('DLP validators', () => {
  it('Luhn equals the reference on 20,000 random digit strings of 2 to 19 digits', () => {
    const r = new Rng(11);
    for (let i = 0; i < 20_000; i++) {
      const s = pick(r, '0123456789', r.between(2, 19));
      expect(luhnValid(bytes(s), s.length), s).toBe(luhnOk(s));
    }
  });

  it('mod-97 equals BigInt arithmetic on 5,000 random IBAN-like strings', () => {
    const r = new Rng(12);
    for (let i = 0; i < 5_000; i++) {
      const s =
        pick(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 2) +
        pick(r, '0123456789', 2) +
        pick(r, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', r.between(11, 30));
      expect(ibanMod97(bytes(s), s.length), s).toBe(Number(ibanRemainder(s)));
    }
    // The registry's own examples.
    for (const iban of [
      'GB29NWBK60161331926819',
      'DE89370400440532013000',
      'NO9386011117947',
      'LC55HEMM000100010012001200023015',
      'MT84MALT011000012345MTLCAST001S',
    ])
      expect(ibanMod97(bytes(iban), iban.length)).toBe(1);
  });

  it('the IBAN length table is the registry (the tests type it in again)', () => {
    expect(Object.entries(IBAN_LENGTHS).sort()).toEqual([...IBAN_COUNTRY_LENGTHS].sort());
  });

  it('CRC-32 equals node:zlib; base62 of it matches published GitHub token checksums', () => {
    const r = new Rng(13);
    for (let i = 0; i < 2_000; i++) {
      const s = pick(r, 'abcXYZ0189_-', r.below(80));
      expect(crc32(bytes(s), 0, s.length)).toBe(zlibCrc32(s));
    }
    // Body → checksum pairs of expired real tokens published in therootcompany/base62-token.js issue #2.
    expect(base62Six(crc32(bytes('zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ'), 0, 30))).toBe('0mLq17');
    expect(base62Six(crc32(bytes('adE7dp8rHP6gUTuPwxLTZjZdtya3sV'), 0, 30))).toBe('0UQzQM');
    expect(base62Six(crc32(bytes('H3xbiBdlzffNx7Y56iNsPw3joObj7U'), 0, 30))).toBe('2nO29h');
  });

  it('card brands at every range edge', () => {
    const brand = (prefix: string, len: number) => {
      const s = prefix.padEnd(len, '0');
      return cardBrand(bytes(s), len);
    };
    const cases: [string, number, string | null][] = [
      ['4', 13, 'visa'],
      ['4', 16, 'visa'],
      ['4', 19, 'visa'],
      ['4', 15, null],
      ['4', 12, null],
      ['51', 16, 'mastercard'],
      ['55', 16, 'mastercard'],
      ['50', 16, null],
      ['56', 16, null],
      ['51', 19, null],
      ['2220', 16, null],
      ['2221', 16, 'mastercard'],
      ['2720', 16, 'mastercard'],
      ['2721', 16, null],
      ['34', 15, 'amex'],
      ['37', 15, 'amex'],
      ['34', 16, null],
      ['35', 15, null],
      ['6011', 16, 'discover'],
      ['6011', 19, 'discover'],
      ['6012', 16, null],
      ['643', 16, null],
      ['644', 16, 'discover'],
      ['649', 16, 'discover'],
      ['650', 16, 'discover'],
      ['65', 19, 'discover'],
      ['622125', 16, 'unionpay'],
      ['622126', 16, 'discover'],
      ['622925', 16, 'discover'],
      ['622926', 16, 'unionpay'],
      ['62', 19, 'unionpay'],
      ['3527', 16, null],
      ['3528', 16, 'jcb'],
      ['3589', 19, 'jcb'],
      ['3590', 16, null],
      ['300', 14, 'diners'],
      ['305', 14, 'diners'],
      ['306', 14, null],
      ['36', 14, 'diners'],
      ['38', 16, 'diners'],
      ['39', 14, 'diners'],
      ['37', 14, null],
      ['1', 16, null],
      ['9', 16, null],
      ['4', 20, null],
    ];
    for (const [p, len, want] of cases) expect(brand(p, len), `${p} ${len}`).toBe(want);
  });
});
