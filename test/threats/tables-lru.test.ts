/**
 * BoundedMap (src/threats/tables.ts) evicts the least recently used entry, also now that it keeps one
 * live key iterator between evictions: checked against a plain reference model under seeded random
 * sets, refreshes, deletes, sweeps and clears.
 */
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/threats/tables.js';
import { mulberry32 } from '../helpers/packets.js';

/** The reference: an array in least-to-most recently used order. */
class Model {
  order: number[] = [];
  evicted: number[] = [];
  constructor(readonly cap: number) {}
  set(k: number): void {
    const i = this.order.indexOf(k);
    if (i >= 0) this.order.splice(i, 1);
    else if (this.order.length >= this.cap) this.evicted.push(this.order.shift()!);
    this.order.push(k);
  }
  delete(k: number): void {
    const i = this.order.indexOf(k);
    if (i >= 0) this.order.splice(i, 1);
  }
}

describe('BoundedMap', () => {
  it('evicts in least-recently-used order under random operations', () => {
    for (const seed of [1, 2, 3]) {
      const rand = mulberry32(seed);
      const cap = 1 + Math.floor(rand() * 40);
      const evicted: number[] = [];
      const m = new BoundedMap<number, number>(cap);
      const model = new Model(cap);
      for (let step = 0; step < 20_000; step++) {
        const k = Math.floor(rand() * cap * 3);
        const op = rand();
        if (op < 0.7) {
          const before = m.size;
          const had = m.has(k);
          const first = had || before < cap ? null : [...m.entries()][0]![0];
          m.set(k, step);
          if (first !== null) evicted.push(first);
          model.set(k);
        } else if (op < 0.85) {
          m.delete(k);
          model.delete(k);
        } else if (op < 0.99) {
          const threshold = Math.floor(rand() * cap * 3);
          m.sweep((_v, key) => key < threshold && rand() < 0.1 && (model.delete(key), true));
        } else {
          m.clear();
          model.order = [];
        }
        expect([...m.entries()].map(([key]) => key)).toEqual(model.order);
      }
      expect(evicted).toEqual(model.evicted);
      expect(m.evictions).toBe(model.evicted.length);
    }
  });

  it('counts evictions through its callback', () => {
    let n = 0;
    const m = new BoundedMap<number, number>(3, (k) => {
      n += k;
    });
    for (let i = 0; i < 10; i++) m.set(i, i);
    expect(n).toBe(7);
    expect([...m.entries()].map(([k]) => k)).toEqual([7, 8, 9]);
  });
});
