/**
 * Seeded fuzzing: thousands of mutated real conversations (the hand-written ones and the flows of
 * fixtures/redis/redis-features.pcap) and random RESP-alphabet inputs, at random splits, with gaps and
 * small caps. Asserted: no exception, records and anomalies bounded by the input, every record plain JSON
 * within the caps, bounded time. Reproducible: a failure prints its seed.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RedisOptions } from '../../../src/protocols/redis/index.js';
import { OWN_FIXTURES_DIR } from '../../support/corpus.js';
import { CONVERSATIONS } from './conversations.js';
import { C, captureFlows, rng, run, S, type Step } from './helpers.js';

const CAPS: Partial<RedisOptions> = {
  maxStringBytes: 64,
  maxElements: 8,
  maxValues: 32,
  maxDepth: 8,
  maxLineBytes: 256,
  maxBulkLength: 4096,
  maxPending: 16,
  maxPendingBytes: 4096,
  maxProtocolErrors: 8,
};
/** Largest JSON a record can be with CAPS: values × (escaped string + structure), plus the command part. */
const MAX_RECORD_JSON = 2 * (32 * (64 * 4 + 120) + 8 * (64 * 4 + 20)) + 2000;

function mutate(data: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(data);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n && out.length > 0; k++) {
    const at = Math.floor(r() * out.length);
    switch (Math.floor(r() * 7)) {
      case 0:
        out[at] = out[at]! ^ (1 << Math.floor(r() * 8));
        break;
      case 1:
        out.splice(at, 1);
        break;
      case 2:
        out.splice(at, 0, '*$:+-_#,(!=%~>|.;?\r\n0123456789'.charCodeAt(Math.floor(r() * 32)));
        break;
      case 3: // a digit of a length changes: lying lengths
        if (out[at]! >= 0x30 && out[at]! <= 0x39) out[at] = 0x30 + Math.floor(r() * 10);
        else out.splice(at, 0, 0x39);
        break;
      case 4:
        out.length = at; // truncation
        break;
      case 5: // a chunk repeated
        out.splice(at, 0, ...out.slice(at, at + Math.floor(r() * 32)));
        break;
      default:
        out[at] = Math.floor(r() * 256);
    }
  }
  return Uint8Array.from(out);
}

function mutateSteps(steps: Step[], r: () => number): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if ('data' in s && r() < 0.5) out.push({ dir: s.dir, data: mutate(s.data, r) });
    else out.push(s);
    if (r() < 0.03) out.push({ dir: r() < 0.5 ? C : S, gap: r() < 0.3 ? -1 : Math.floor(r() * 50) });
  }
  return out;
}

function randomSteps(r: () => number): Step[] {
  const steps: Step[] = [];
  const n = 1 + Math.floor(r() * 6);
  for (let k = 0; k < n; k++) {
    const len = Math.floor(r() * 200);
    const data = new Uint8Array(len);
    const alpha = r() < 0.7;
    for (let i = 0; i < len; i++)
      data[i] = alpha
        ? '*$:+-_#,(!=%~>|.;?\r\n0123456789-1GETSET ab"\'\\x'.charCodeAt(Math.floor(r() * 46))
        : Math.floor(r() * 256);
    steps.push({ dir: r() < 0.5 ? C : S, data });
  }
  return steps;
}

function check(steps: Step[], seed: number, options: Partial<RedisOptions> | undefined): void {
  const input = steps.reduce((n, s) => n + ('data' in s ? s.data.length : 1), 0);
  let res;
  try {
    res = run(steps, options, rng(seed));
  } catch (e) {
    throw new Error(`seed ${seed}: ${(e as Error).stack}`);
  }
  // A record needs at least a line (2 bytes) of input; anomalies are at most a few per byte.
  if (res.records.length > input + 2) throw new Error(`seed ${seed}: ${res.records.length} records from ${input} bytes`);
  if (res.anomalies.length > 2 * input + 8)
    throw new Error(`seed ${seed}: ${res.anomalies.length} anomalies from ${input} bytes`);
  if (options === CAPS) {
    for (const rec of res.records) {
      const json = JSON.stringify(rec);
      if (json.length > MAX_RECORD_JSON) throw new Error(`seed ${seed}: record of ${json.length} bytes`);
    }
  } else JSON.stringify(res.records);
}

const FEATURES = path.join(OWN_FIXTURES_DIR, 'redis', 'redis-features.pcap');

describe('fuzzing', () => {
  it('mutated conversations: 6000 runs', async () => {
    const bases: Step[][] = Object.values(CONVERSATIONS);
    // The real flows of the project's own capture (always in the repository), except the 750 kB pipeline
    // one (the hand-written pipelines cover it, faster).
    for (const f of await captureFlows(FEATURES)) if (f.steps.length < 60) bases.push(f.steps);
    expect(bases.length).toBeGreaterThan(Object.keys(CONVERSATIONS).length);
    for (let seed = 1; seed <= 6000; seed++) {
      const r = rng(seed);
      const base = bases[seed % bases.length]!;
      check(mutateSteps(base, r), seed, seed % 2 === 0 ? CAPS : undefined);
    }
  }, 30_000);

  it('random RESP-alphabet and binary input: 6000 runs', () => {
    for (let seed = 100_001; seed <= 106_000; seed++) check(randomSteps(rng(seed)), seed, seed % 2 === 0 ? CAPS : undefined);
  });

  it('hostile sizes: huge declared lengths and counts, deep nesting, endless lines', () => {
    const big = (s: string): Step => ({ dir: S, data: new TextEncoder().encode(s) });
    const steps: Step[] = [
      { dir: C, data: new TextEncoder().encode('*1\r\n$3\r\nGET\r\n*2147483647\r\n$536870912\r\nabc') },
      big(`*99999999999999999999\r\n$99999999999\r\n%2147483647\r\n${'*1\r\n'.repeat(5000)}+${'x'.repeat(200_000)}`),
    ];
    const res = run(steps);
    expect(res.records.length).toBeLessThan(10);
  });
});
