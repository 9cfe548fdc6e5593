/**
 * Split invariance: the same conversation fed whole, byte by byte and at seeded random splits gives
 * deep-equal records, anomalies and stop reason.
 */
import { describe, expect, it } from 'vitest';
import { CONVERSATIONS } from './conversations.js';
import { bytewise, randomSplits, run, view, whole } from './helpers.js';

const norm = (o: ReturnType<typeof run>) => ({
  records: o.records.map(view),
  anomalies: o.anomalies,
  stopped: o.stopped,
  afterStop: o.afterStop,
});

describe('split invariance', () => {
  for (const [name, steps] of Object.entries(CONVERSATIONS)) {
    it(name, () => {
      const ref = norm(run(steps, whole));
      expect(ref.records.length).toBeGreaterThan(0);
      expect(ref.afterStop).toBe(0);
      expect(norm(run(steps, bytewise))).toEqual(ref);
      for (let seed = 1; seed <= 25; seed++) expect(norm(run(steps, randomSplits(seed, seed < 10 ? 8 : 700)))).toEqual(ref);
      // Small caps exercise the cut paths the same way.
      const opts = { maxHeaderLine: 40, maxHeaderSection: 90, maxHeaders: 3, inspectBodyLimit: 500 };
      const small = norm(run(steps, whole, opts));
      expect(norm(run(steps, bytewise, opts))).toEqual(small);
      for (let seed = 1; seed <= 10; seed++) expect(norm(run(steps, randomSplits(seed, 50), opts))).toEqual(small);
    });
  }
});
