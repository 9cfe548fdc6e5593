/**
 * Seeded fuzzing of TcpSession: random flags, sequence and acknowledgement numbers near and far from the
 * connection's, random payloads, random options (tiny caps included). Bad input is normal input: no
 * exception, the consumer contract holds (the Recorder throws on any breach), the buffer cap holds at
 * every packet, and every byte of reassembly memory comes back at close.
 */
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/flow/stream.js';
import type { OverlapPolicy } from '../../src/options.js';
import { ACK, C, Conn, FIN, PSH, RST, S, SYN, prng, randomBytes, setup } from './tcp-harness.js';

/** Mostly data and ACKs, so that streams live long enough to reassemble; the rest now and then. */
function flags(rand: () => number): number {
  const r = rand();
  if (r < 0.86) return rand() < 0.5 ? ACK : ACK | PSH;
  if (r < 0.9) return FIN | ACK;
  if (r < 0.93) return rand() < 0.5 ? SYN : SYN | ACK;
  if (r < 0.945) return rand() < 0.5 ? RST : RST | ACK;
  return [FIN, 0, 0xff & ~RST, SYN | FIN, PSH][Math.floor(rand() * 5)]!;
}
const POLICIES: OverlapPolicy[] = ['first', 'last', 'bsd', 'linux', 'windows'];

describe('TcpSession fuzz', () => {
  it('random packets never break the consumer contract, the caps or the memory accounting', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rand = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const maxBuffer = pick([1 << 20, 8192, 2000]);
      const s = setup(
        {
          delivery: pick(['acked', 'immediate'] as const),
          overlapPolicy: pick(POLICIES),
          depth: pick([0, 1 << 20, 5000]),
          maxBufferPerStream: maxBuffer,
          maxHolesPerStream: pick([64, 2, 1]),
          memcapPolicy: pick(['bypass', 'drop'] as const),
        },
        pick([256 << 20, 20_000, 6000]),
      );
      const c = new Conn(s, Math.floor(rand() * 2 ** 32), Math.floor(rand() * 2 ** 32));
      if (rand() < 0.7) c.handshake();
      const pos = [0, 0];
      for (let i = 0; i < 300; i++) {
        const dir = (rand() < 0.6 ? C : S) as Direction;
        const other = (dir ^ 1) as Direction;
        const r = rand();
        // Mostly near the stream's front, sometimes behind, sometimes anywhere at all.
        const off =
          r < 0.7
            ? pos[dir]! + Math.floor(rand() * 3000) - 500
            : r < 0.9
              ? pos[dir]! - Math.floor(rand() * 20_000)
              : Math.floor(rand() * 2 ** 32);
        const ackOff = rand() < 0.8 ? pos[other]! - Math.floor(rand() * 2000) : Math.floor(rand() * 2 ** 32);
        const len = rand() < 0.2 ? 0 : Math.floor(rand() * 2000);
        c.send(dir, flags(rand), c.at(dir, off), c.at(other, ackOff), randomBytes(rand, len), {
          window: Math.floor(rand() * 65536),
          wscale: rand() < 0.5 ? -1 : Math.floor(rand() * 16),
        });
        if (off + len > pos[dir]! && off - pos[dir]! < 5000) pos[dir] = off + len;
        for (const d of [C, S]) expect(s.session.reassembler(d).held).toBeLessThanOrEqual(maxBuffer);
      }
      s.session.close();
      for (const d of [C, S]) {
        expect(s.rec.ended(d)).not.toBeNull();
        expect(s.session.stats[d].bytesDelivered).toBe(s.rec.bytes(d).length);
      }
      expect(s.memory.used).toBe(0);
    }
  });
});
