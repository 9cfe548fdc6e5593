/**
 * A TCP session makes its reassemblers (and, through `streamsOpened`, the engine its application state)
 * only when a stream needs them: its first byte, a FIN, or an acknowledgement of bytes never seen. Before
 * that it is a handshake tracker of a few hundred bytes. These tests check that opening late changes
 * nothing a consumer or the event sink sees, and that consumers may leave out `onGap` and `onEnd`.
 */
import { describe, expect, it } from 'vitest';
import type { StreamConsumer } from '../../src/flow/stream.js';
import { TcpSession } from '../../src/flow/tcp-session.js';
import { TcpStateSlab } from '../../src/flow/tcp-state-slab.js';
import { ACK, C, Conn, RST, S, SYN, setup, tcp } from './tcp-harness.js';
import { DecodedPacket } from '../../src/decode/packet.js';

function withOpenCounter(s: ReturnType<typeof setup>): { opened: () => number } {
  let n = 0;
  s.ctx.streamsOpened = (_owner, consumer) => {
    n++;
    return consumer;
  };
  return { opened: () => n };
}

describe('TCP session: streams open on first need', () => {
  it('a SYN alone, then the flow end: no reassemblers, one onEnd per direction', () => {
    const s = setup();
    const counter = withOpenCounter(s);
    const c = new Conn(s);
    c.send(C, SYN, c.isn[C], 0);
    expect(s.session.opened).toBe(false);
    s.session.close();
    expect(s.session.opened).toBe(false);
    expect(counter.opened()).toBe(0);
    expect(s.rec.log).toEqual(['end c flow_end', 'end s flow_end']);
    expect(s.session.stats[0].segments).toBe(0);
    s.session.close();
    expect(s.rec.log).toHaveLength(2);
  });

  it('a full handshake without data stays unopened', () => {
    const s = setup();
    const counter = withOpenCounter(s);
    new Conn(s).handshake();
    expect(s.session.opened).toBe(false);
    expect(s.session.state).toBe(3); // established
    s.session.close();
    expect(counter.opened()).toBe(0);
    expect(s.rec.log).toEqual(['end c flow_end', 'end s flow_end']);
  });

  it('the first byte opens the streams once, at the offsets the SYNs fixed', () => {
    const s = setup();
    const counter = withOpenCounter(s);
    const c = new Conn(s).handshake();
    c.data(C, 0, 'hello');
    c.ack(S, 5);
    c.data(C, 5, 'world', 0);
    c.ack(S, 10);
    expect(counter.opened()).toBe(1);
    s.session.close();
    expect(s.rec.log).toEqual(['data c 0+5', 'data c 5+5', 'end c flow_end', 'end s flow_end']);
  });

  it('an acknowledgement of bytes never seen opens the stream and reports the gap', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.ack(S, 100); // the server acknowledges 100 client bytes the capture lost
    expect(s.session.opened).toBe(true);
    expect(s.rec.log).toEqual(['gap c 0+100']);
    expect(s.rec.sinkGaps).toHaveLength(1);
  });

  it('bytes sent but never seen before the end are a trailing gap, as with open streams', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.send(C, ACK, c.at(C, 40), c.at(S, 0)); // a pure ACK from past 40 lost bytes
    expect(s.session.opened).toBe(false);
    s.session.close();
    expect(s.rec.log).toEqual(['gap c 0+40', 'end c flow_end', 'end s flow_end']);
  });

  it('a RST ends unopened streams once; data after it opens nothing new for the consumer', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.send(C, RST | ACK, c.at(C, 0), c.at(S, 0));
    expect(s.rec.log).toEqual(['end c rst', 'end s rst']);
    c.data(C, 0, 'late');
    s.session.close();
    expect(s.rec.log).toEqual(['end c rst', 'end s rst']);
    expect(s.rec.anomalies).toContain('c stream.data_after_rst');
  });

  it('a FIN opens the streams and ends them as before', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.fin(C, 0, 0);
    c.ack(S, 1);
    expect(s.rec.log).toEqual(['end c fin']);
  });

  it('a consumer with onData only: gaps and ends are skipped, bytes still arrive', () => {
    const s = setup();
    const got: string[] = [];
    const consumer: StreamConsumer = {
      onData(data, start, end) {
        got.push(String.fromCharCode(...data.subarray(start, end)));
      },
    };
    s.session.consumer = consumer;
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abc');
    c.ack(S, 3);
    c.data(C, 10, 'xyz'); // a hole at 3..10
    c.ack(S, 13);
    s.session.close();
    expect(got).toEqual(['abc', 'xyz']);
    expect(s.session.stats[0].gaps).toBe(1);
  });
});

describe('TcpStateSlab', () => {
  it('hands out zeroed views, reuses given-back ones, and sessions share it without mixing state', () => {
    const slab = new TcpStateSlab(16, 4);
    const s = setup();
    s.ctx.stateSlab = slab;
    const pkt = new DecodedPacket();
    const sessions: TcpSession[] = [];
    for (let i = 0; i < 10; i++) {
      const session = new TcpSession(s.ctx, i);
      session.onPacket(tcp(pkt, SYN, 1000 + i, 0), C);
      sessions.push(session);
    }
    // Each session's SYN is its own: a SYN/ACK acknowledging its ISN is accepted without anomaly.
    for (let i = 0; i < 10; i++) sessions[i]!.onPacket(tcp(pkt, SYN | ACK, 9000, 1001 + i), S);
    expect(s.rec.anomalies).toEqual([]);
    for (const session of sessions) {
      session.close();
      session.release();
      session.release(); // idempotent: the view is given back once
    }
    expect(slab.spare).toBe(10);
    const fresh = new TcpSession(s.ctx, 'next');
    expect(slab.spare).toBe(9);
    // A recycled view starts zeroed: the new session is in state none, and a lone ACK picks it up mid-stream.
    expect(fresh.state).toBe(0);
    fresh.onPacket(tcp(pkt, ACK, 77, 88), C);
    expect(s.rec.anomalies).toEqual(['c stream.midstream']);
  });
});
