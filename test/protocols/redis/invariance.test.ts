/**
 * Split invariance: the same bytes fed whole, one byte at a time and at seeded random cut points give
 * deep-equal records and anomalies: hand-written conversations (pipelining, RESP3 aggregates, pub/sub,
 * inline, malformed) and every flow of fixtures/redis/redis-features.pcap (real redis-server 7 traffic).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWN_FIXTURES_DIR } from '../../support/corpus.js';
import { CONVERSATIONS } from './conversations.js';
// Every run here is also run lean, the parser's fast path on and off: same anomalies, same stop.
import { captureFlows, rng, runAllPaths as run, type Step } from './helpers.js';

const SEEDS = [1, 2, 3, 42, 1234];

function checkInvariance(steps: Step[], options = {}, bytewise = true): void {
  const whole = run(steps, options, 'whole');
  if (bytewise) expect(run(steps, options, 'bytes')).toEqual(whole);
  for (const seed of SEEDS) expect(run(steps, options, rng(seed))).toEqual(whole);
}

describe('split invariance: conversations', () => {
  it.each(Object.keys(CONVERSATIONS))('%s', (name) => {
    const steps = CONVERSATIONS[name]!;
    expect(run(steps).records.length).toBeGreaterThan(0);
    checkInvariance(steps);
    // Small caps: trimming and overflow decisions do not depend on the split either.
    checkInvariance(steps, { maxStringBytes: 32, maxElements: 2, maxValues: 4, maxPending: 2, maxDepth: 2 });
  });
});

const FEATURES = path.join(OWN_FIXTURES_DIR, 'redis', 'redis-features.pcap');
describe.skipIf(!fs.existsSync(FEATURES))('split invariance: real flows of redis-features.pcap', () => {
  it('every flow', async () => {
    const flows = await captureFlows(FEATURES);
    expect(flows.length).toBe(16);
    for (const f of flows) {
      const size = f.steps.reduce((n, s) => n + ('data' in s ? s.data.length : 0), 0);
      checkInvariance(f.steps, {}, size < 100_000);
    }
  }, 30_000);
});
