/**
 * EVE timestamps for every 64-bit time a capture can carry (a pcapng with an odd if_tsresol or if_tsoffset
 * gives seconds beyond Date's ±8.64e12 s, or before 1970), checked against an independent computation.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { civilFromDays, eveTimestamp, isoTimestamp, toEve } from '../../src/output/eve.js';
import { eth, ipv4, udp } from '../helpers/packets.js';
import { EVE_SCHEMA } from '../support/corpus.js';

const isLeap = (y: bigint) => (y % 4n === 0n && y % 100n !== 0n) || y % 400n === 0n;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31].map(BigInt);

/** Floor division for BigInt (which truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * The reference: exact BigInt arithmetic that walks whole 400-year cycles (146097 days each), then single
 * years from 1970, then months: a different method from the code under test (March-based shifted years).
 */
function reference(sec: bigint, micros: number): string {
  let days = floorDiv(sec, 86400n);
  const rem = sec - days * 86400n;
  const cycles = floorDiv(days, 146097n);
  let year = 1970n + 400n * cycles;
  days -= cycles * 146097n;
  for (;;) {
    const len = isLeap(year) ? 366n : 365n;
    if (days < len) break;
    days -= len;
    year++;
  }
  let month = 0;
  for (;;) {
    const len = MONTH_DAYS[month]! + (month === 1 && isLeap(year) ? 1n : 0n);
    if (days < len) break;
    days -= len;
    month++;
  }
  const p2 = (n: bigint | number) => String(n).padStart(2, '0');
  const y =
    year >= 0n && year <= 9999n
      ? String(year).padStart(4, '0')
      : (year < 0n ? '-' : '+') + String(year < 0n ? -year : year).padStart(6, '0');
  const h = rem / 3600n;
  const m = (rem % 3600n) / 60n;
  const s = rem % 60n;
  return `${y}-${p2(month + 1)}-${p2(days + 1n)}T${p2(h)}:${p2(m)}:${p2(s)}.${String(micros).padStart(6, '0')}Z`;
}

/** The schema's timestamp pattern (from the shared copy when present, else as it reads today). */
function timestampPattern(): RegExp {
  if (fs.existsSync(EVE_SCHEMA)) {
    const schema = JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')) as { properties: { timestamp: { pattern: string } } };
    return new RegExp(schema.properties.timestamp.pattern);
  }
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+[+-]\d+$/;
}

describe('isoTimestamp: exact at the extremes', () => {
  const cases: [string, number][] = [
    ['the epoch', 0],
    ['one second before the epoch', -1],
    ['a leap day', 951782400], // 2000-02-29
    ['1900 is not a leap year', -2203891200], // 1900-03-01
    ['year 1', -62135596800],
    ['year 0 (1 BC), a leap year', -62162035200], // 0000-02-29
    ['the last second of year 9999', 253402300799],
    ['year 10000', 253402300800],
    ['beyond Date (8.64e12 s)', 8.64e12 + 1],
    ['2^53 seconds', 2 ** 53],
    ['-2^53 seconds', -(2 ** 53)],
    ['2^31 - 1 seconds (2038)', 2 ** 31 - 1],
  ];
  it.each(cases)('%s', (_name, sec) => {
    expect(isoTimestamp({ sec, nsec: 123456789 })).toBe(reference(BigInt(sec), 123456));
  });

  it('agrees with Date.toISOString over its whole range (seeded sample)', () => {
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let i = 0; i < 5000; i++) {
      const sec = Math.floor((next() * 2 - 1) * 8.64e12);
      const viaDate = new Date(sec * 1000).toISOString().replace('Z', '000Z');
      expect(isoTimestamp({ sec, nsec: 0 })).toBe(viaDate);
    }
  });

  it('civilFromDays walks day by day without a skip or repeat across 800 years around the epoch', () => {
    let [y, m, d] = civilFromDays(-146097);
    expect([y, m, d]).toEqual([1570, 1, 1]);
    for (let day = -146096; day <= 146097; day++) {
      const [y2, m2, d2] = civilFromDays(day);
      const nextInMonth = y2 === y && m2 === m && d2 === d + 1;
      const nextMonth = d2 === 1 && ((y2 === y && m2 === m + 1) || (y2 === y + 1 && m === 12 && m2 === 1));
      if (!nextInMonth && !nextMonth) throw new Error(`day ${day}: ${y}-${m}-${d} then ${y2}-${m2}-${d2}`);
      [y, m, d] = [y2, m2, d2];
    }
  });

  it('carries nanoseconds outside a second and takes fractional seconds', () => {
    expect(isoTimestamp({ sec: 0, nsec: -1 })).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoTimestamp({ sec: 0, nsec: 2_500_000_000 })).toBe('1970-01-01T00:00:02.500000Z');
    expect(isoTimestamp({ sec: 1.25, nsec: 0 })).toBe('1970-01-01T00:00:01.250000Z');
    expect(isoTimestamp({ sec: NaN, nsec: 0 })).toBe('invalid');
  });
});

describe("eveTimestamp: Suricata's format, valid for the schema whatever the time", () => {
  const pattern = timestampPattern();

  it('writes years 0 to 9999 exactly, with +0000', () => {
    expect(eveTimestamp({ sec: 1258531621, nsec: 123456789 })).toBe('2009-11-18T08:07:01.123456+0000');
    expect(eveTimestamp({ sec: -1, nsec: 0 })).toBe('1969-12-31T23:59:59.000000+0000');
    expect(eveTimestamp({ sec: 253402300799, nsec: 999_999_999 })).toBe('9999-12-31T23:59:59.999999+0000');
    expect(eveTimestamp({ sec: -62167219200, nsec: 0 })).toBe('0000-01-01T00:00:00.000000+0000');
  });

  it.each([
    ['year 10000', 253402300800],
    ['2^53 s', 2 ** 53],
    ['2^63 s', 2 ** 63],
    ['year -1', -62167219201],
    ['-2^53 s', -(2 ** 53)],
    ['not a number', NaN],
    ['infinite', Infinity],
  ])('%s is written as the nearest time the format holds', (_name, sec) => {
    const text = eveTimestamp({ sec, nsec: 0 });
    expect(text).toMatch(pattern);
    expect(text).not.toContain('NaN');
    expect(['0000-01-01T00:00:00.000000+0000', '9999-12-31T23:59:59.999999+0000']).toContain(text);
  });

  it("an engine fed packets far beyond Date's range writes schema-valid EVE timestamps", () => {
    const engine = createEngine();
    const frame = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 5000, dport: 53 }, 'q')));
    engine.process({ data: frame, tsSec: 2 ** 52, tsNsec: 0 });
    engine.process({ data: frame, tsSec: 2 ** 52 + 1, tsNsec: 0 });
    const evs = engine.close();
    expect(evs.length).toBeGreaterThan(0);
    for (const ev of evs) {
      const rec = toEve(ev) as { timestamp: string; flow?: { start: string; end: string } };
      expect(rec.timestamp).toMatch(pattern);
      if (rec.flow !== undefined) {
        expect(rec.flow.start).toMatch(pattern);
        expect(rec.flow.end).toMatch(pattern);
      }
    }
  });
});
