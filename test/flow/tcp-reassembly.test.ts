import { describe, expect, it } from 'vitest';
import { TcpOutcome, tcpStateName } from '../../src/flow/tcp-session.js';
import { ACK, C, Conn, FIN, PSH, S, ascii, prng, randomBytes, setup, text } from './tcp-harness.js';

describe('TCP reassembly: delivery modes', () => {
  it('acked: bytes are delivered only once the peer acknowledges them, partial ACKs deliver partly', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'hello ', 0);
    c.data(C, 6, 'world', 0);
    expect(s.rec.log).toEqual([]);
    c.ack(S, 3);
    expect(s.rec.log).toEqual(['data c 0+3']);
    c.ack(S, 11);
    expect(text(s.rec.bytes(C))).toBe('hello world');
    expect(s.rec.log).toEqual(['data c 0+3', 'data c 3+8']);
  });

  it('immediate: in-order bytes go out at once; bytes after a hole go out when it fills, before any ACK', () => {
    const s = setup({ delivery: 'immediate' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'ab', 0);
    expect(s.rec.log).toEqual(['data c 0+2']);
    c.data(C, 4, 'ef', 0);
    c.data(C, 6, 'gh', 0);
    expect(s.rec.log).toEqual(['data c 0+2']);
    c.data(C, 2, 'cd', 0);
    expect(s.rec.log).toEqual(['data c 0+2', 'data c 2+6']);
    expect(text(s.rec.bytes(C))).toBe('abcdefgh');
  });

  it('immediate: delivered bytes are kept until acknowledged, so a retransmission with other bytes is still reported', () => {
    const s = setup({ delivery: 'immediate', overlapPolicy: 'last' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abcd', 0);
    c.data(C, 0, 'XXXX', 0);
    expect(text(s.rec.bytes(C))).toBe('abcd');
    expect(s.rec.names()).toEqual(['stream.retransmission', 'stream.overlap_different_data']);
    c.ack(S, 4);
    c.data(C, 0, 'YYYY', 0); // released now: nothing left to compare with
    expect(s.rec.count('stream.overlap_different_data')).toBe(1);
    expect(s.session.stats[0].retransmissions).toBe(2);
  });

  it('requests and responses come out in causal order: the ACK in a response releases the request first', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'GET', 0);
    c.data(S, 0, 'OK', 3);
    c.data(C, 3, '!', 2);
    expect(s.rec.log).toEqual(['data c 0+3', 'data s 0+2']);
  });
});

describe('TCP reassembly: gaps', () => {
  for (const mode of ['acked', 'immediate'] as const) {
    it(`a lost segment acknowledged by the peer is one gap with its offset and length, then the data after it (${mode})`, () => {
      const s = setup({ delivery: mode });
      const c = new Conn(s).handshake();
      c.data(C, 0, 'aaaa', 0);
      // [4, 10) lost in the capture
      c.data(C, 10, 'cccc', 0);
      c.ack(S, 14);
      expect(s.rec.log).toEqual(['data c 0+4', 'gap c 4+6', 'data c 10+4']);
      expect(s.rec.sinkGaps).toEqual(['c 4+6']);
      expect(s.rec.count('stream.gap')).toBe(1);
      expect(s.session.stats[0].gaps).toBe(1);
      expect(s.session.stats[0].gapBytes).toBe(6);
      // The lost bytes showing up late are ignored (and counted).
      c.data(C, 4, 'bbbbbb', 0);
      expect(text(s.rec.bytes(C))).toBe('aaaacccc');
      expect(s.session.stats[0].retransmissions).toBe(1);
    });
  }

  it('an ACK beyond every byte seen gives a gap up to the ACK', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'ab', 0);
    c.ack(S, 50);
    c.data(C, 50, 'z', 0);
    c.ack(S, 51);
    expect(s.rec.log).toEqual(['data c 0+2', 'gap c 2+48', 'data c 50+1']);
  });

  it('holes still open at close become gaps between the data around them', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'aa', 0);
    c.data(C, 5, 'bb', 0);
    c.data(C, 9, 'cc', 0);
    s.session.close();
    expect(s.rec.log).toEqual([
      'data c 0+2',
      'gap c 2+3',
      'data c 5+2',
      'gap c 7+2',
      'data c 9+2',
      'end c flow_end',
      'end s flow_end',
    ]);
    expect(s.memory.used).toBe(0);
  });

  it('bytes missing before a FIN are a gap at close, and the stream still ends with fin', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abcde', 0);
    c.fin(C, 10, 0); // [5, 10) never captured
    s.session.close();
    expect(s.rec.log).toEqual(['data c 0+5', 'gap c 5+5', 'end c fin', 'end s flow_end']);
  });

  it('more holes than maxHolesPerStream: stream.too_many_holes and the oldest hole becomes a gap', () => {
    const s = setup({ maxHolesPerStream: 3 });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'a', 0);
    c.data(C, 2, 'b', 0);
    c.data(C, 4, 'c', 0);
    c.data(C, 6, 'd', 0);
    expect(s.session.reassembler(C).holes).toBe(3);
    c.data(C, 8, 'e', 0);
    expect(s.rec.names()).toEqual(['stream.too_many_holes', 'stream.unacked_flush', 'stream.gap']);
    expect(s.rec.log).toEqual(['data c 0+1', 'gap c 1+1']);
    expect(s.session.reassembler(C).holes).toBe(3);
    c.ack(S, 9);
    expect(s.rec.log).toEqual([
      'data c 0+1',
      'gap c 1+1',
      'data c 2+1',
      'gap c 3+1',
      'data c 4+1',
      'gap c 5+1',
      'data c 6+1',
      'gap c 7+1',
      'data c 8+1',
    ]);
  });

  it('a mid-stream flow: a hole acknowledged later is a gap at the right offset (the unknown start is not)', () => {
    const s = setup();
    const c = new Conn(s, 1_000_000, 2_000_000);
    c.data(C, 100, 'xxxx', 500);
    c.data(C, 110, 'yy', 500);
    c.ack(S, 112, 500);
    expect(s.rec.log).toEqual(['data c 0+4', 'gap c 4+6', 'data c 10+2']);
  });

  it('an acknowledgement far beyond anything the sender sent is ignored, not turned into a huge gap', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abc', 0);
    c.ack(S, 1_500_000_000);
    expect(s.rec.log).toEqual([]);
    c.ack(S, 3);
    expect(s.rec.log).toEqual(['data c 0+3']);
  });
});

describe('TCP reassembly: caps', () => {
  it('depth: delivers up to it, raises stream.depth_reached, ends the direction, keeps tracking state', () => {
    const s = setup({ depth: 10, delivery: 'immediate' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abcdef', 0);
    c.data(C, 6, 'ghijkl', 0);
    expect(text(s.rec.bytes(C))).toBe('abcdefghij');
    expect(s.rec.log).toEqual(['data c 0+6', 'data c 6+4', 'end c depth']);
    expect(s.rec.names()).toEqual(['stream.depth_reached']);
    expect(s.session.stats[0].depthReached).toBe(true);
    c.data(C, 12, 'more', 0);
    expect(s.rec.bytes(C).length).toBe(10);
    c.ack(S, 16);
    expect(s.memory.used).toBeLessThanOrEqual(256 + 256); // no ring left; the other direction's table at most
    c.fin(C, 16, 0);
    c.fin(S, 0, 17);
    expect(tcpStateName(s.session.state)).toBe('last_ack');
    c.data(S, 0, 'x', 17); // the other direction is not limited by this one's depth
  });

  it('depth counts gaps: a gap that crosses the depth ends the direction there', () => {
    const s = setup({ depth: 8 });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abc', 0);
    c.data(C, 20, 'z', 0);
    c.ack(S, 21);
    expect(s.rec.log).toEqual(['data c 0+3', 'gap c 3+5', 'end c depth']);
  });

  it('memcap policy bypass: stream.memcap_bypass, both directions end with bypass, later packets only update state', () => {
    const s = setup({ memcapPolicy: 'bypass' }, 1000);
    const c = new Conn(s).handshake();
    const out = c.data(C, 0, 'hello', 0);
    expect(out).toBe(TcpOutcome.OK);
    expect(s.session.bypassed).toBe(true);
    expect(s.rec.names()).toEqual(['stream.memcap_bypass']);
    expect(s.rec.log).toEqual(['end c bypass', 'end s bypass']);
    c.data(C, 5, 'more', 0);
    c.data(S, 0, 'resp', 9);
    c.fin(C, 9, 4);
    expect(tcpStateName(s.session.state)).toBe('close_wait');
    s.session.close();
    expect(s.rec.log).toEqual(['end c bypass', 'end s bypass']);
    expect(s.memory.used).toBe(0);
    expect(s.memory.capHits).toBeGreaterThan(0);
  });

  it('memcap policy bypass when the ring must grow past the cap', () => {
    const s = setup({ memcapPolicy: 'bypass', delivery: 'acked' }, 4096 + 256 + 100);
    const c = new Conn(s).handshake();
    c.data(C, 0, new Uint8Array(3000), 0);
    expect(s.session.bypassed).toBe(false);
    c.data(C, 3000, new Uint8Array(3000), 0);
    expect(s.session.bypassed).toBe(true);
    expect(s.rec.log).toEqual(['end c bypass', 'end s bypass']);
    expect(s.memory.used).toBe(0);
  });

  it('memcap policy drop: DROP for the segment that did not fit, stream.memcap_drop, its bytes become a gap', () => {
    const s = setup({ memcapPolicy: 'drop', delivery: 'acked' }, 4096 + 256 + 100);
    const c = new Conn(s).handshake();
    const a = new Uint8Array(3000).fill(0x61);
    expect(c.data(C, 0, a, 0)).toBe(TcpOutcome.OK);
    expect(c.data(C, 3000, new Uint8Array(3000).fill(0x62), 0)).toBe(TcpOutcome.DROP);
    expect(s.rec.names()).toEqual(['stream.memcap_drop']);
    c.ack(S, 3000);
    expect(s.rec.log).toEqual(['data c 0+3000']);
    // With memory free again the retransmission fits.
    expect(c.data(C, 3000, new Uint8Array(3000).fill(0x62), 0)).toBe(TcpOutcome.OK);
    expect(c.data(C, 6000, ascii('tail'), 0)).toBe(TcpOutcome.OK);
    c.ack(S, 6004);
    expect(s.rec.bytes(C).length).toBe(6004);
    expect(s.session.bypassed).toBe(false);
  });

  it('memcap drop with the peer acknowledging the dropped bytes: a gap', () => {
    const s = setup({ memcapPolicy: 'drop', delivery: 'acked' }, 4096 + 256 + 100);
    const c = new Conn(s).handshake();
    c.data(C, 0, new Uint8Array(3000), 0);
    expect(c.data(C, 3000, new Uint8Array(3000), 0)).toBe(TcpOutcome.DROP);
    c.ack(S, 6000);
    expect(s.rec.log).toEqual(['data c 0+3000', 'gap c 3000+3000']);
  });

  it('one-sided capture: the buffer cap forces delivery of the oldest in-order bytes, stream.unacked_flush once', () => {
    const s = setup({ delivery: 'acked', maxBufferPerStream: 8192 });
    const c = new Conn(s);
    const rand = prng(7);
    const data = randomBytes(rand, 100_000);
    for (let off = 0; off < data.length; off += 1000) {
      c.send(C, ACK | PSH, c.at(C, off), 12345, data.subarray(off, off + 1000));
      expect(s.session.reassembler(C).held).toBeLessThanOrEqual(8192);
    }
    expect(s.rec.count('stream.unacked_flush')).toBe(1);
    expect(s.rec.bytes(C).length).toBeGreaterThan(90_000);
    s.session.close();
    expect(Buffer.compare(s.rec.bytes(C), data)).toBe(0);
    expect(s.rec.log.filter((l) => l.startsWith('gap'))).toEqual([]);
  });

  it('one-sided capture with a lost segment: the buffer cap gives the hole up as a gap and goes on', () => {
    const s = setup({ delivery: 'acked', maxBufferPerStream: 4096 });
    const c = new Conn(s);
    for (let off = 0; off < 20_000; off += 1000) {
      if (off === 3000) continue;
      c.send(C, ACK | PSH, c.at(C, off), 12345, new Uint8Array(1000).fill(off / 1000));
    }
    s.session.close();
    const gaps = s.rec.log.filter((l) => l.startsWith('gap'));
    expect(gaps).toEqual(['gap c 3000+1000']);
    expect(s.rec.bytes(C).length).toBe(19_000);
  });

  it('a segment further ahead than the buffer cap is not buffered (stream.segment_beyond_window)', () => {
    const s = setup({ maxBufferPerStream: 10_000 });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'a', 0);
    c.data(C, 50_000, 'far', 0);
    expect(s.rec.names()).toEqual(['stream.segment_beyond_window']);
    expect(s.session.reassembler(C).held).toBe(1);
  });

  it('data before the ISN raises stream.data_before_isn; the part after it is kept', () => {
    const s = setup({ delivery: 'immediate' });
    const c = new Conn(s).handshake();
    c.send(C, ACK, c.at(C, -3), c.at(S, 0), ascii('xyzabc'));
    expect(s.rec.names()).toEqual(['stream.data_before_isn', 'stream.overlap']);
    expect(text(s.rec.bytes(C))).toBe('abc');
  });
});

describe('TCP reassembly: sequence space and memory', () => {
  it('a stream crossing 2^32 reassembles across the wrap, with its FIN after it', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s, 2 ** 32 - 6, 2 ** 32 - 1);
    c.handshake();
    c.data(C, 8, 'IJKL', 0); // after the wrap, out of order
    c.data(C, 0, 'ABCD', 0); // seq 2^32 - 5
    c.data(C, 4, 'EFGH', 0); // crosses 2^32
    c.fin(C, 12, 0);
    c.data(S, 0, 'srv', 13);
    c.ack(C, 3, 13);
    c.ack(S, 13, 3);
    expect(text(s.rec.bytes(C))).toBe('ABCDEFGHIJKL');
    expect(text(s.rec.bytes(S))).toBe('srv');
    expect(s.rec.ended(C)).toBe('fin');
    expect(s.rec.anomalies).toEqual([]);
  });

  it('a FIN in the same packet as the last data ends the stream after that data', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'last', 0, FIN | ACK);
    c.data(C, 0, 'last', 0, FIN | ACK); // retransmitted FIN with its data
    c.ack(S, 5);
    expect(s.rec.log).toEqual(['data c 0+4', 'end c fin']);
    expect(s.rec.count('stream.data_after_fin')).toBe(0);
  });

  it('idle flows hold no ring: the ring returns to the pool once everything is acknowledged, and is reused', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s).handshake();
    c.data(C, 0, new Uint8Array(1000), 0);
    expect(s.memory.used).toBe(4096 + 256);
    c.ack(S, 1000);
    expect(s.memory.used).toBe(256);
    expect(s.memory.pooled).toBe(4096);
    c.data(C, 1000, new Uint8Array(1000), 0);
    expect(s.memory.pooled).toBe(0);
    s.session.close();
    expect(s.memory.used).toBe(0);
    expect(s.memory.peak).toBe(4096 + 256);
  });

  it('the ring grows by doubling when a window of unacknowledged data needs it, keeping its bytes', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s).handshake();
    const data = randomBytes(prng(3), 50_000);
    for (let off = 0; off < data.length; off += 1448) c.data(C, off, data.subarray(off, Math.min(off + 1448, data.length)), 0);
    expect(s.memory.used).toBe(65536 + 256 * 4);
    c.ack(S, 50_000);
    expect(Buffer.compare(s.rec.bytes(C), data)).toBe(0);
  });
});
