/**
 * Target-based overlap policies, case by case (Ptacek & Newsham's insertion/evasion geometries, as Novak
 * & Sturges tabulate them per target). Each case sends the old segment(s), then the new one with other
 * bytes, then fills every byte still missing with '.', and acknowledges everything: the expected stream
 * is written out per policy.
 *
 * Old segment `o` always sits at [4, 8) of a 12-byte stream.
 */
import { describe, expect, it } from 'vitest';
import type { OverlapPolicy } from '../../src/options.js';
import { newDataWins, OverlapPolicyCode } from '../../src/flow/tcp-overlap.js';
import { C, Conn, S, setup } from './tcp-harness.js';

const POLICIES: OverlapPolicy[] = ['first', 'last', 'bsd', 'linux', 'windows'];

interface Seg {
  off: number;
  bytes: string;
}

/** Sends `segs` in order, fills the holes with '.', acknowledges all; returns stream and anomalies. */
function run(policy: OverlapPolicy, segs: Seg[], n = 12): { stream: string; anomalies: string[]; overlapsDifferent: number } {
  const s = setup({ overlapPolicy: policy, delivery: 'acked' });
  const c = new Conn(s).handshake();
  const covered = new Array<boolean>(n).fill(false);
  for (const g of segs) {
    c.data(C, g.off, g.bytes, 0);
    for (let i = 0; i < g.bytes.length; i++) covered[g.off + i] = true;
  }
  const anomalies = s.rec.names();
  for (let i = 0; i < n; ) {
    if (covered[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && !covered[j]) j++;
    c.data(C, i, '.'.repeat(j - i), 0);
    i = j;
  }
  c.ack(S, n);
  expect(s.rec.log.filter((l) => l.startsWith('gap'))).toEqual([]);
  return { stream: String.fromCharCode(...s.rec.bytes(C)), anomalies, overlapsDifferent: s.session.stats[0].overlapsDifferent };
}

const O: Seg = { off: 4, bytes: 'oooo' };

/** Geometry of the new segment against O = [4, 8), and the stream each policy yields. */
const CASES: Array<{ name: string; seg: Seg; inside: boolean; expect: Record<OverlapPolicy, string> }> = [
  {
    name: 'same start, ends inside (shorter)',
    seg: { off: 4, bytes: 'nn' },
    inside: true,
    expect: { first: '....oooo....', last: '....nnoo....', bsd: '....oooo....', linux: '....oooo....', windows: '....oooo....' },
  },
  {
    name: 'same start, same end (exact)',
    seg: { off: 4, bytes: 'nnnn' },
    inside: true,
    expect: { first: '....oooo....', last: '....nnnn....', bsd: '....oooo....', linux: '....oooo....', windows: '....oooo....' },
  },
  {
    name: 'same start, ends after (longer)',
    seg: { off: 4, bytes: 'nnnnnn' },
    inside: false,
    expect: { first: '....oooonn..', last: '....nnnnnn..', bsd: '....oooonn..', linux: '....nnnnnn..', windows: '....oooonn..' },
  },
  {
    name: 'starts before, ends inside',
    seg: { off: 2, bytes: 'nnnn' },
    inside: false,
    expect: { first: '..nnoooo....', last: '..nnnnoo....', bsd: '..nnnnoo....', linux: '..nnnnoo....', windows: '..nnnnoo....' },
  },
  {
    name: 'starts before, same end',
    seg: { off: 2, bytes: 'nnnnnn' },
    inside: false,
    expect: { first: '..nnoooo....', last: '..nnnnnn....', bsd: '..nnnnnn....', linux: '..nnnnnn....', windows: '..nnnnnn....' },
  },
  {
    name: 'starts before, ends after (fully covering)',
    seg: { off: 2, bytes: 'nnnnnnnn' },
    inside: false,
    expect: { first: '..nnoooonn..', last: '..nnnnnnnn..', bsd: '..nnnnnnnn..', linux: '..nnnnnnnn..', windows: '..nnnnnnnn..' },
  },
  {
    name: 'starts inside, ends inside (fully inside)',
    seg: { off: 5, bytes: 'nn' },
    inside: true,
    expect: { first: '....oooo....', last: '....onno....', bsd: '....oooo....', linux: '....oooo....', windows: '....oooo....' },
  },
  {
    name: 'starts inside, same end',
    seg: { off: 5, bytes: 'nnn' },
    inside: true,
    expect: { first: '....oooo....', last: '....onnn....', bsd: '....oooo....', linux: '....oooo....', windows: '....oooo....' },
  },
  {
    name: 'starts inside, ends after',
    seg: { off: 6, bytes: 'nnnn' },
    inside: false,
    expect: { first: '....oooonn..', last: '....oonnnn..', bsd: '....oooonn..', linux: '....oooonn..', windows: '....oooonn..' },
  },
];

describe('TCP overlap policies: one old segment, every geometry', () => {
  for (const k of CASES) {
    for (const policy of POLICIES) {
      it(`${k.name}, different bytes: ${policy} gives ${k.expect[policy]} and raises stream.overlap_different_data`, () => {
        const r = run(policy, [O, k.seg]);
        expect(r.stream).toBe(k.expect[policy]);
        expect(r.anomalies).toEqual([k.inside ? 'stream.retransmission' : 'stream.overlap', 'stream.overlap_different_data']);
        expect(r.overlapsDifferent).toBe(1);
      });
    }
  }

  it('the same geometries with identical bytes raise no stream.overlap_different_data and keep the bytes', () => {
    for (const k of CASES) {
      for (const policy of POLICIES) {
        const same = {
          off: k.seg.off,
          bytes: k.seg.bytes
            .split('')
            .map((_, i) => (k.seg.off + i >= 4 && k.seg.off + i < 8 ? 'o' : 'n'))
            .join(''),
        };
        const r = run(policy, [O, same]);
        expect(r.stream).toBe(k.expect.first);
        expect(r.anomalies).toEqual([k.inside ? 'stream.retransmission' : 'stream.overlap']);
        expect(r.overlapsDifferent).toBe(0);
      }
    }
  });

  it('a segment that only abuts the old one is no overlap', () => {
    const r = run('bsd', [O, { off: 8, bytes: 'nn' }]);
    expect(r.stream).toBe('....oooonn..');
    expect(r.anomalies).toEqual([]);
  });
});

describe('TCP overlap policies: decided per old segment, not per byte range', () => {
  it('a new segment starting inside one old segment and before the next one: bsd, linux and windows take its bytes over the second only', () => {
    const segs = [
      { off: 4, bytes: 'AA' },
      { off: 6, bytes: 'BB' },
      { off: 5, bytes: 'nnn' },
    ];
    const want: Record<OverlapPolicy, string> = {
      first: '....AABB....',
      last: '....Annn....',
      bsd: '....AAnn....',
      linux: '....AAnn....',
      windows: '....AAnn....',
    };
    for (const p of POLICIES) expect(run(p, segs).stream, p).toBe(want[p]);
  });

  it('same start and longer than the old segment: linux takes the new bytes, bsd and windows keep the old and fill the hole', () => {
    const segs = [
      { off: 4, bytes: 'AA' },
      { off: 4, bytes: 'nnnn' },
    ];
    const want: Record<OverlapPolicy, string> = {
      first: '....AAnn....',
      last: '....nnnn....',
      bsd: '....AAnn....',
      linux: '....nnnn....',
      windows: '....AAnn....',
    };
    for (const p of POLICIES) expect(run(p, segs).stream, p).toBe(want[p]);
  });

  it('a byte covered by two old segments keeps its bytes unless the new segment wins against both', () => {
    // o at [4, 8), then p at [2, 6) (starts before o), then n at [3, 7): inside p, before o.
    const segs = [O, { off: 2, bytes: 'pppp' }, { off: 3, bytes: 'nnnn' }];
    const want: Record<OverlapPolicy, string> = {
      first: '..ppoooo....',
      last: '..pnnnno....',
      bsd: '..ppppno....',
      linux: '..ppppno....',
      windows: '..ppppno....',
    };
    for (const p of POLICIES) expect(run(p, segs).stream, p).toBe(want[p]);
  });

  it('bytes already delivered never change, whatever the policy; the difference is still reported', () => {
    for (const p of POLICIES) {
      const s = setup({ overlapPolicy: p, delivery: 'immediate' });
      const c = new Conn(s).handshake();
      c.data(C, 0, 'abcd', 0);
      c.data(C, 2, 'nnnn', 0);
      // The original bytes again: they match what was delivered (and is kept for comparison).
      c.data(C, 0, 'abcd', 0);
      c.ack(S, 6);
      expect(String.fromCharCode(...s.rec.bytes(C)), p).toBe('abcdnn');
      expect(s.rec.names()).toEqual(['stream.overlap', 'stream.overlap_different_data', 'stream.retransmission']);
    }
  });

  it('acked delivery: a retransmission before the ACK still decides what is delivered (last vs first)', () => {
    const got: Record<string, string> = {};
    for (const p of ['first', 'last'] as const) {
      const s = setup({ overlapPolicy: p, delivery: 'acked' });
      const c = new Conn(s).handshake();
      c.data(C, 0, 'attack', 0);
      c.data(C, 0, 'benign', 0);
      c.ack(S, 6);
      got[p] = String.fromCharCode(...s.rec.bytes(C));
    }
    expect(got).toEqual({ first: 'attack', last: 'benign' });
  });
});

describe('newDataWins', () => {
  it('encodes the rules of the table in tcp-overlap.ts', () => {
    const { FIRST, LAST, BSD, LINUX, WINDOWS } = OverlapPolicyCode;
    // [new start, new end] against old [10, 20)
    const geos: Array<[number, number]> = [
      [5, 15],
      [10, 15],
      [10, 20],
      [10, 25],
      [12, 18],
      [12, 25],
      [5, 25],
    ];
    const row = (p: number) => geos.map(([a, b]) => (newDataWins(p, a, b, 10, 20) ? 'N' : 'o')).join('');
    expect(row(FIRST)).toBe('ooooooo');
    expect(row(LAST)).toBe('NNNNNNN');
    expect(row(BSD)).toBe('NoooooN');
    expect(row(WINDOWS)).toBe('NoooooN');
    expect(row(LINUX)).toBe('NooNooN');
  });
});
