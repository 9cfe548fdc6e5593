import { describe, expect, it } from 'vitest';
import { ReassemblyMemory } from '../../src/flow/reassembly-memory.js';
import { TcpSession } from '../../src/flow/tcp-session.js';
import { C, Conn, S, setup } from './tcp-harness.js';

describe('ReassemblyMemory', () => {
  it('reserve beyond the cap is refused and counted; release gives it back', () => {
    const m = new ReassemblyMemory(1000);
    expect(m.reserve(600)).toBe(true);
    expect(m.reserve(500)).toBe(false);
    expect(m.capHits).toBe(1);
    expect(m.used).toBe(600);
    m.release(600);
    expect(m.used).toBe(0);
    expect(m.peak).toBe(600);
  });

  it('acquire rounds to a power-of-two size class and reuses recycled buffers of that class', () => {
    const m = new ReassemblyMemory(1 << 20);
    const a = m.acquire(3000)!;
    expect(a.length).toBe(4096);
    expect(m.used).toBe(4096);
    m.recycle(a);
    expect(m.used).toBe(0);
    expect(m.pooled).toBe(4096);
    expect(m.acquire(4000)).toBe(a);
    expect(m.pooled).toBe(0);
    expect(m.acquire(5000)!.length).toBe(8192);
  });

  it('acquire is refused when the cap would be exceeded, even with a pooled buffer at hand', () => {
    const m = new ReassemblyMemory(6000);
    const a = m.acquire(4096)!;
    m.recycle(a);
    m.reserve(3000);
    expect(m.acquire(4096)).toBeNull();
    expect(m.capHits).toBe(1);
  });

  it('the pool keeps at most poolLimit idle bytes', () => {
    const m = new ReassemblyMemory(1 << 20, 8192);
    const bufs = [m.acquire(4096)!, m.acquire(4096)!, m.acquire(4096)!];
    for (const b of bufs) m.recycle(b);
    expect(m.pooled).toBe(8192);
    expect(m.used).toBe(0);
  });

  it('flows ending and starting reuse the same buffers (no fresh allocation in steady state)', () => {
    const s = setup({ delivery: 'acked' });
    const seen = new Set<Uint8Array>();
    const acquire = s.memory.acquire.bind(s.memory);
    s.memory.acquire = (n: number) => {
      const b = acquire(n);
      if (b !== null) seen.add(b);
      return b;
    };
    for (let i = 0; i < 20; i++) {
      const session = new TcpSession(s.ctx, i);
      const c = new Conn({ ...s, session });
      c.handshake();
      c.data(C, 0, new Uint8Array(3000), 0);
      c.data(S, 0, new Uint8Array(3000), 0);
      c.ack(C, 3000, 3000);
      session.close();
      expect(s.memory.used).toBe(0);
    }
    expect(seen.size).toBeLessThanOrEqual(2);
  });
});

describe('segment table bound', () => {
  it('a stream of 1-byte segments keeps a bounded segment table and still reassembles', () => {
    const s = setup({ delivery: 'acked', maxBufferPerStream: 8192 });
    const c = new Conn(s).handshake();
    const data = new Uint8Array(6000).map((_, i) => i & 0xff);
    for (let i = 0; i < data.length; i++) c.data(C, i, data.subarray(i, i + 1), 0);
    // 6000 records would take 96 KB; the table stops at max(2 * holes + 4, ring / 256) records.
    expect(s.memory.used).toBeLessThanOrEqual(8192 + 256 * 16);
    c.data(C, 100, data.subarray(100, 200), 0); // overlaps merged records: still compared, still identical
    c.ack(S, data.length);
    expect(Buffer.compare(s.rec.bytes(C), data)).toBe(0);
    expect(s.rec.count('stream.overlap_different_data')).toBe(0);
  });
});
