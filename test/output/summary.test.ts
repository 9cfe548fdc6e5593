/**
 * `--format summary` numbers for a person: sizes, rates and durations with a unit and about three significant
 * digits, never a raw float such as `791.1274868052477 B/s`.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { formatBytes, formatDuration, formatRate, formatSummary } from '../../src/output/summary.js';

describe('summary numbers', () => {
  it.each([
    [0, '0 B'],
    [791, '791 B'],
    [791.1274868052477, '791 B'],
    [999.6, '1 kB'],
    [1234, '1.23 kB'],
    [45_600_000, '45.6 MB'],
    [999_999_999, '1 GB'],
    [2.5e15, '2.5 PB'],
    [NaN, 'n/a'],
  ])('formatBytes(%d) = %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [791.1274868052477, 'bytes', '791 B/s'],
    [1.23456e9, 'bytes', '1.23 GB/s'],
    [12.345, 'packets', '12.3 packets/s'],
    [5883.4, 'packets', '5.88 k packets/s'],
    [1_134_567, 'packets', '1.13 M packets/s'],
    [Infinity, 'packets', 'n/a'],
  ] as const)('formatRate(%d, %s) = %s', (n, what, text) => expect(formatRate(n, what)).toBe(text));

  it.each([
    [0.0685123, '68.5 ms'],
    [2.3141, '2.31 s'],
    [1234.5, '1,235 s'],
  ])('formatDuration(%d) = %s', (n, text) => expect(formatDuration(n)).toBe(text));

  it('a whole summary has no long fractions', () => {
    const engine = createEngine();
    const stats = { ...engine.stats(), packets: 3, bytes: 2373.3824604157433 };
    const text = formatSummary({ stats, inputs: [{ name: 'x.pcap', bytes: 2400 }], elapsedMs: 3000.123, events: {} });
    expect(text).toContain('elapsed      3 s (1 packets/s, 791 B/s)');
    expect(text).not.toMatch(/\d\.\d{4}/);
  });

  it("capture times beyond Date's range are written exactly, not thrown on", () => {
    const stats = { ...createEngine().stats(), packets: 1, bytes: 60, firstTs: -1, lastTs: 2 ** 53 };
    const text = formatSummary({ stats, inputs: [], elapsedMs: 1, events: {} });
    expect(text).toContain('capture time 1969-12-31T23:59:59.000000Z → +285428751-11-12T07:36:32.000000Z');
  });

  it('says how many packets the filter left out, the flow memory against its cap, and internal errors when there were any', () => {
    const base = createEngine().stats();
    const quiet = formatSummary({ stats: base, inputs: [], elapsedMs: 1, events: {} });
    expect(quiet).not.toContain('left out by the filter');
    expect(quiet).not.toContain('internal');
    expect(quiet).toMatch(/memory peak [\d.]+ [kM]B of 268 MB \(flow\.memcap\)/);
    const stats = {
      ...base,
      packetsFiltered: 1234,
      internalErrors: { count: 2, last: { where: 'http.parser', message: 'boom', stack: null } },
    };
    const text = formatSummary({ stats, inputs: [], elapsedMs: 1, events: {} });
    expect(text).toContain('1,234 left out by the filter');
    expect(text).toContain('internal     2 errors caught (a bug: please report it); last in http.parser: boom');
  });
});
