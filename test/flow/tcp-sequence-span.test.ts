/**
 * `TcpSession.sequenceSpan(dir)`: the payload a direction sent on the wire, from sequence numbers, so that
 * it holds when the capture kept only headers (the threat stage's unusual_upload reads it).
 */
import { describe, expect, it } from 'vitest';
import { ACK, C, Conn, PSH, S, SYN, setup } from './tcp-harness.js';

describe('TcpSession.sequenceSpan', () => {
  it('is 0 before a SYN, then the payload sent, then one more for the FIN', () => {
    const c = new Conn(setup());
    const session = c.s.session;
    expect(session.sequenceSpan(C)).toBe(0);
    c.handshake();
    expect([session.sequenceSpan(C), session.sequenceSpan(S)]).toEqual([0, 0]);
    c.data(C, 0, 'x'.repeat(1000));
    c.data(S, 0, 'ok', 1000);
    expect([session.sequenceSpan(C), session.sequenceSpan(S)]).toEqual([1000, 2]);
    c.fin(C, 1000, 2);
    expect(session.sequenceSpan(C)).toBe(1001);
  });

  it('counts bytes the capture cut (headers only) from the highest sequence sent and the peer acknowledgement', () => {
    const c = new Conn(setup());
    const session = c.s.session;
    c.handshake();
    // Segments of 1448 bytes on the wire, captured without payload: only their sequence numbers advance.
    for (let i = 0; i < 100; i++) c.send(C, ACK | PSH, c.at(C, i * 1448), c.at(S, 0));
    expect(session.sequenceSpan(C)).toBe(99 * 1448);
    // The server acknowledges all of it, the last segment included.
    c.ack(S, 100 * 1448);
    expect(session.sequenceSpan(C)).toBe(100 * 1448);
    expect(session.sequenceSpan(S)).toBe(0);
  });

  it('is 0 for a direction whose ISN is unknown', () => {
    const c = new Conn(setup());
    c.send(C, SYN, c.isn[C], 0);
    expect(c.s.session.sequenceSpan(S)).toBe(0);
    expect(c.s.session.sequenceSpan(C)).toBe(0);
  });
});
