/**
 * Split and order invariance: however a stream is cut into segments, reordered, duplicated and
 * re-segmented (with identical bytes), and however the ACKs fall, the consumer receives exactly the
 * original bytes, with no gap, in both delivery modes.
 *
 * ACKs are realistic: a simulated receiver acknowledges only what it has contiguously, so an ACK never
 * passes a hole (which would rightly be a gap).
 */
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/flow/stream.js';
import { C, Conn, S, prng, randomBytes, setup, type Setup } from './tcp-harness.js';

type Mode = 'acked' | 'immediate';

interface Seg {
  dir: Direction;
  off: number;
  len: number;
}

class Receiver {
  readonly have: Uint8Array;
  next = 0;
  constructor(n: number) {
    this.have = new Uint8Array(n);
  }
  take(off: number, len: number): void {
    this.have.fill(1, off, off + len);
    while (this.next < this.have.length && this.have[this.next] === 1) this.next++;
  }
}

/** Plays `segs` in order with ACKs drawn by `rand`; finishes with FINs both ways, fully acknowledged. */
function play(
  mode: Mode,
  streams: [Uint8Array, Uint8Array],
  segs: Seg[],
  rand: () => number,
  isn: [number, number],
  ackProb = 0.4,
): Setup {
  const s = setup({ delivery: mode });
  const c = new Conn(s, isn[0], isn[1]).handshake();
  const rcv = [new Receiver(streams[0].length), new Receiver(streams[1].length)];
  const sent = [0, 0];
  for (const g of segs) {
    const other = (g.dir ^ 1) as Direction;
    c.data(g.dir, g.off, streams[g.dir].subarray(g.off, g.off + g.len), rcv[other]!.next);
    rcv[g.dir]!.take(g.off, g.len);
    sent[g.dir] = Math.max(sent[g.dir]!, g.off + g.len);
    if (rand() < ackProb) c.ack(other, rcv[g.dir]!.next, sent[other]);
  }
  for (const d of [C, S]) {
    expect(rcv[d]!.next).toBe(streams[d].length); // the plan covers every byte
  }
  c.ack(S, streams[0].length, sent[1]);
  c.ack(C, streams[1].length, sent[0]);
  c.fin(C, streams[0].length, streams[1].length);
  c.fin(S, streams[1].length, streams[0].length + 1);
  c.ack(C, streams[1].length + 1, streams[0].length + 1);
  return s;
}

function check(s: Setup, streams: [Uint8Array, Uint8Array]): void {
  for (const d of [C, S]) {
    const got = s.rec.bytes(d);
    expect(got.length).toBe(streams[d].length);
    expect(Buffer.compare(got, streams[d])).toBe(0);
    expect(s.rec.ended(d)).toBe('fin');
  }
  expect(s.rec.log.filter((l) => l.startsWith('gap'))).toEqual([]);
  expect(s.rec.sinkGaps).toEqual([]);
  expect(s.rec.count('stream.overlap_different_data')).toBe(0);
  expect(s.memory.used).toBe(0);
}

function* permutations(n: number): Generator<number[]> {
  const a = [...Array(n).keys()];
  const c = new Array<number>(n).fill(0);
  yield a.slice();
  let i = 0;
  while (i < n) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      [a[j], a[i]] = [a[i]!, a[j]!];
      yield a.slice();
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
}

/** Cuts [0, n) into `k` segments of random sizes. */
function cut(rand: () => number, n: number, k: number): Array<[number, number]> {
  const points = new Set<number>();
  while (points.size < k - 1) points.add(1 + Math.floor(rand() * (n - 1)));
  const p = [0, ...[...points].sort((a, b) => a - b), n];
  return p.slice(1).map((end, i) => [p[i]!, end - p[i]!]);
}

describe('TCP reassembly: split and order invariance', () => {
  for (const mode of ['acked', 'immediate'] as const) {
    it(`every order of up to 6 segments gives the original bytes (${mode})`, () => {
      const rand = prng(mode === 'acked' ? 1 : 2);
      let runs = 0;
      for (let k = 1; k <= 6; k++) {
        const data = randomBytes(rand, 20 + Math.floor(rand() * 40));
        const pieces = cut(rand, data.length, k);
        for (const order of permutations(k)) {
          const segs = order.map((i) => ({ dir: C, off: pieces[i]![0], len: pieces[i]![1] }));
          const s = play(mode, [data, new Uint8Array(0)], segs, rand, [4000, 9000]);
          check(s, [data, new Uint8Array(0)]);
          runs++;
        }
      }
      expect(runs).toBe(1 + 2 + 6 + 24 + 120 + 720);
    });

    it(`large streams both ways with reordering, duplicates and re-segmented retransmissions (${mode})`, () => {
      for (let seed = 10; seed < 16; seed++) {
        const rand = prng(seed);
        const streams: [Uint8Array, Uint8Array] = [
          randomBytes(rand, 60_000 + Math.floor(rand() * 60_000)),
          randomBytes(rand, 30_000),
        ];
        const segs: Seg[] = [];
        for (const d of [C, S]) {
          let off = 0;
          const n = streams[d].length;
          while (off < n) {
            const len = Math.min(n - off, 1 + Math.floor(rand() * 2000));
            segs.push({ dir: d, off, len });
            // Retransmissions: exact duplicates, and new cuts over bytes nearby (sent or not yet).
            if (rand() < 0.1) segs.push({ dir: d, off, len });
            if (rand() < 0.1) {
              const o = Math.max(0, off - Math.floor(rand() * 3000));
              segs.push({ dir: d, off: o, len: Math.min(n - o, 1 + Math.floor(rand() * 3000)) });
            }
            off += len;
          }
        }
        // Local reordering: random swaps within a window of 16 packets.
        for (let i = 0; i < segs.length; i++) {
          if (rand() < 0.3) {
            const j = Math.min(segs.length - 1, i + 1 + Math.floor(rand() * 16));
            [segs[i], segs[j]] = [segs[j]!, segs[i]!];
          }
        }
        // ISNs near the top of the sequence space: both streams wrap past 2^32.
        const isn: [number, number] = [(2 ** 32 - 1 - Math.floor(rand() * 50_000)) >>> 0, (2 ** 32 - 10_000) >>> 0];
        const s = play(mode, streams, segs, rand, isn, 0.3);
        check(s, streams);
        const st = s.session.stats;
        expect(st[0].retransmissions + st[0].overlaps).toBeGreaterThan(0);
        expect(st[0].outOfOrder).toBeGreaterThan(0);
        expect(st[0].bytesDelivered).toBe(streams[0].length);
        expect(st[0].gaps).toBe(0);
      }
    });
  }
});
