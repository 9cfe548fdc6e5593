/**
 * Seeded fuzzing: thousands of mutated real conversations and random inputs, fed at random splits with
 * random gaps and ends. Nothing may throw, output stays within the caps, nothing follows stop(), and the
 * whole run stays within its time budget. Seeds are fixed: a failure names the seed that reproduces it.
 */
import { describe, expect, it } from 'vitest';
import { CONVERSATIONS } from './conversations.js';
import { C2S, S2C, bytes, randomSplits, rng, run, view, whole, type Step } from './helpers.js';

const OPTS = {
  maxHeaderLine: 256,
  maxHeaderSection: 2048,
  maxHeaders: 16,
  maxPendingRequests: 8,
  inspectBodyLimit: 4096,
  maxDecompressedSize: 65536,
  maxTunnelBuffer: 1024,
};
const TOKENS = [
  'GET ',
  'POST ',
  ' HTTP/1.1',
  'HTTP/1.1 200 OK',
  'HTTP/1.0 100 Continue',
  '\r\n',
  '\n',
  '\r',
  ':',
  ' ',
  '\t',
  'Content-Length: ',
  'Transfer-Encoding: chunked',
  'Content-Encoding: gzip',
  '0\r\n\r\n',
  'ffffffff\r\n',
  '-1',
  '99999999999999999999',
  'Host: h',
  'Connection: Upgrade',
  'Upgrade: x',
  'CONNECT a:1 HTTP/1.1',
  'HTTP/1.1 101 S',
  'HTTP/1.1 204 N',
  '\x1f\x8b\x08\x00',
  ';a="',
  '%00',
  '/../..',
  '\x00',
];

function mutate(b: Uint8Array, r: () => number): Uint8Array {
  const out: number[] = Array.from(b);
  const n = 1 + Math.floor(r() * 8);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0:
        if (out.length > 0) out[at % out.length] = Math.floor(r() * 256);
        break;
      case 1:
        out.splice(at, Math.floor(r() * 16));
        break;
      case 2:
        out.splice(at, 0, ...bytes(TOKENS[Math.floor(r() * TOKENS.length)]!));
        break;
      case 3: {
        const s = Math.floor(r() * out.length);
        out.splice(at, 0, ...out.slice(s, s + Math.floor(r() * 64)));
        break;
      }
      case 4:
        out.length = Math.min(out.length, at);
        break;
      default:
        if (out.length > 0) out[at % out.length] ^= 1 << Math.floor(r() * 8);
    }
  }
  return Uint8Array.from(out);
}

function check(steps: Step[], seed: number): void {
  const r = rng(seed);
  let o;
  try {
    o = run(steps, randomSplits(seed, 1 + Math.floor(r() * 300)), OPTS);
  } catch (e) {
    throw new Error(`seed ${seed}: ${(e as Error).stack}`);
  }
  const total = steps.reduce((n, s) => n + ('data' in s ? bytes(s.data).length : 0), 0);
  expect(o.afterStop, `seed ${seed}: ${o.afterStopWhere}`).toBe(0);
  expect(o.records.length, `seed ${seed}`).toBeLessThanOrEqual(total / 4 + 2);
  for (const rec of o.records) {
    expect(rec.requestBody.length).toBeLessThanOrEqual(OPTS.inspectBodyLimit);
    expect(rec.responseBody.length).toBeLessThanOrEqual(OPTS.inspectBodyLimit);
    expect(rec.requestHeaders.length).toBeLessThanOrEqual(OPTS.maxHeaders);
    expect(rec.responseHeaders.length).toBeLessThanOrEqual(OPTS.maxHeaders);
    expect(rec.requestHeaderBlock.length).toBeLessThanOrEqual(OPTS.maxHeaderSection);
    expect(rec.responseBodyDecodedLength).toBeLessThanOrEqual(OPTS.maxDecompressedSize + 65536 + total);
    for (const h of rec.requestHeaders) expect(h.name.length + h.value.length).toBeLessThanOrEqual(OPTS.maxHeaderSection);
    expect(new Set(rec.anomalies).size).toBe(rec.anomalies.length);
  }
}

/** Split invariance on damaged input too: whole and split runs must agree exactly. */
function checkSplits(steps: Step[], seed: number): void {
  const norm = (o: ReturnType<typeof run>) => ({ records: o.records.map(view), anomalies: o.anomalies, stopped: o.stopped });
  const ref = norm(run(steps, whole, OPTS));
  expect(norm(run(steps, randomSplits(seed, 1 + (seed % 40)), OPTS)), `seed ${seed}`).toEqual(ref);
}

describe('adversarial shapes stay linear', () => {
  // Each ~1 MB: folds, tiny chunks, endless garbage lines, header floods, long lines, pipelined floods.
  const shapes: Record<string, Step[]> = {
    folds: [{ dir: C2S, data: `GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n${' b\r\n'.repeat(250_000)}\r\n` }],
    tinyChunks: [
      { dir: C2S, data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
      { dir: S2C, data: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1;e=1\r\na\r\n'.repeat(100_000)}0\r\n\r\n` },
    ],
    garbage: [{ dir: C2S, data: 'not a request line at all\r\n'.repeat(40_000) }],
    headerFlood: [{ dir: C2S, data: `GET / HTTP/1.1\r\n${'X-Flood: value\r\n'.repeat(60_000)}\r\n` }],
    longLines: [{ dir: C2S, data: `GET /${'a'.repeat(1_000_000)} HTTP/1.1\r\nHost: h\r\n\r\n` }],
    pipelined: [{ dir: C2S, data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'.repeat(35_000) }],
    interim: [
      { dir: C2S, data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
      { dir: S2C, data: 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(40_000) },
    ],
  };
  for (const [name, steps] of Object.entries(shapes)) {
    it(name, () => {
      for (const split of [whole, randomSplits(3, 1460), randomSplits(4, 7)]) {
        const o = run(steps, split);
        expect(o.afterStop).toBe(0);
        expect(o.records.length).toBeLessThanOrEqual(35_001);
      }
    }, 30_000);
  }
});

describe('fuzzing', () => {
  it('degenerate caps (0 and 1) never break the parser', () => {
    for (const v of [0, 1]) {
      const opts = {
        maxHeaderLine: v,
        maxHeaderSection: v,
        maxHeaders: v,
        maxPendingRequests: v,
        inspectBodyLimit: v,
        maxDecompressedSize: v,
        maxDecompressionRatio: v,
        maxTunnelBuffer: v,
      };
      for (const steps of Object.values(CONVERSATIONS)) {
        for (const seed of [1, 2, 3]) {
          const o = run(steps, randomSplits(seed, 20), opts);
          expect(o.afterStop).toBe(0);
          for (const r of o.records) expect(r.responseBody.length + r.requestBody.length).toBeLessThanOrEqual(2 * v);
        }
      }
    }
  });

  const convs = Object.values(CONVERSATIONS);
  it('mutated real conversations (4000 runs)', () => {
    for (let seed = 1; seed <= 4000; seed++) {
      const r = rng(seed * 7919);
      const base = convs[seed % convs.length]!;
      const steps: Step[] = [];
      for (const st of base) {
        if ('data' in st) {
          steps.push({ dir: st.dir, data: r() < 0.7 ? mutate(bytes(st.data), r) : bytes(st.data) });
          if (r() < 0.05) steps.push({ dir: st.dir, gap: r() < 0.5 ? -1 : Math.floor(r() * 200) });
        } else steps.push(st);
      }
      if (r() < 0.1)
        steps.push({ dir: r() < 0.5 ? C2S : S2C, end: (['fin', 'rst', 'flow_end', 'depth'] as const)[Math.floor(r() * 4)]! });
      check(steps, seed);
      if (seed % 4 === 0) checkSplits(steps, seed);
    }
  }, 30_000);

  it('random bytes and token soup (3000 runs)', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed * 104729);
      const steps: Step[] = [];
      const n = 1 + Math.floor(r() * 6);
      for (let k = 0; k < n; k++) {
        const dir = r() < 0.5 ? C2S : S2C;
        let b: Uint8Array;
        if (seed % 2 === 0) {
          b = new Uint8Array(Math.floor(r() * 600));
          for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
        } else {
          let s = '';
          const m = Math.floor(r() * 40);
          for (let i = 0; i < m; i++) s += TOKENS[Math.floor(r() * TOKENS.length)]!;
          b = bytes(s);
        }
        steps.push({ dir, data: b });
        if (r() < 0.1) steps.push({ dir, gap: Math.floor(r() * 50) - 1 });
      }
      check(steps, seed);
      if (seed % 2 === 1) checkSplits(steps, seed);
    }
  }, 30_000);
});
