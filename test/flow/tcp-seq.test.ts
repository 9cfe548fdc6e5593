import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMax } from '../../src/flow/seq.js';

describe('sequence-number arithmetic', () => {
  it('orders numbers across the 2^32 wrap by their signed 32-bit difference', () => {
    const top = 0xfffffff0;
    const wrapped = seqAdd(top, 0x20); // 0x10
    expect(wrapped).toBe(0x10);
    expect(seqDiff(wrapped, top)).toBe(0x20);
    expect(seqDiff(top, wrapped)).toBe(-0x20);
    expect(seqLt(top, wrapped)).toBe(true);
    expect(seqGt(wrapped, top)).toBe(true);
    expect(top < wrapped).toBe(false); // what a raw compare would get wrong
    expect(seqMax(top, wrapped)).toBe(wrapped);
  });

  it('equal numbers are neither before nor after', () => {
    expect(seqLt(5, 5)).toBe(false);
    expect(seqGt(5, 5)).toBe(false);
    expect(seqLeq(5, 5)).toBe(true);
    expect(seqGeq(5, 5)).toBe(true);
    expect(seqDiff(0, 0)).toBe(0);
  });

  it('numbers 2^31 - 1 apart still order; seqAdd wraps negative steps too', () => {
    expect(seqGt(0x7fffffff, 0)).toBe(true);
    expect(seqDiff(0x80000000, 0)).toBe(-0x80000000); // exactly half the space: ambiguous, taken as before
    expect(seqAdd(0, -1)).toBe(0xffffffff);
    expect(seqAdd(0xffffffff, 1)).toBe(0);
  });
});
