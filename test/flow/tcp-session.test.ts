import { describe, expect, it } from 'vitest';
import { TcpOutcome, TcpState, tcpStateName } from '../../src/flow/tcp-session.js';
import { ACK, C, Conn, FIN, PSH, RST, S, SYN, ascii, setup, text } from './tcp-harness.js';

function names(states: number[]): string[] {
  return states.map(tcpStateName);
}

describe('TcpSession state tracking', () => {
  it('three-way handshake goes syn_sent, syn_recv, established', () => {
    const s = setup();
    const c = new Conn(s);
    const seen: number[] = [];
    c.send(C, SYN, c.isn[C], 0);
    seen.push(s.session.state);
    expect(s.session.timeoutClass).toBe(0);
    c.send(S, SYN | ACK, c.isn[S], c.at(C, 0));
    seen.push(s.session.state);
    c.send(C, ACK, c.at(C, 0), c.at(S, 0));
    seen.push(s.session.state);
    expect(names(seen)).toEqual(['syn_sent', 'syn_recv', 'established']);
    expect(s.session.timeoutClass).toBe(1);
    expect(s.rec.anomalies).toEqual([]);
  });

  it('tcpStateName gives Suricata EVE names for every state', () => {
    expect(Object.values(TcpState).map(tcpStateName)).toEqual([
      'none',
      'syn_sent',
      'syn_recv',
      'established',
      'fin_wait1',
      'fin_wait2',
      'closing',
      'close_wait',
      'last_ack',
      'time_wait',
      'closed',
    ]);
  });

  it('simultaneous open (SYN both ways, then SYN/ACK both ways) reaches established', () => {
    const s = setup();
    const c = new Conn(s);
    c.send(C, SYN, c.isn[C], 0);
    c.send(S, SYN, c.isn[S], 0);
    expect(tcpStateName(s.session.state)).toBe('syn_recv');
    c.send(C, SYN | ACK, c.isn[C], c.at(S, 0));
    c.send(S, SYN | ACK, c.isn[S], c.at(C, 0));
    c.send(C, ACK, c.at(C, 0), c.at(S, 0));
    expect(tcpStateName(s.session.state)).toBe('established');
    c.data(C, 0, 'hello', 0);
    c.ack(S, 5);
    expect(text(s.rec.bytes(C))).toBe('hello');
    expect(s.rec.anomalies).toEqual([]);
  });

  it('SYN/ACK before SYN in the capture raises stream.handshake_reordered when the SYN comes', () => {
    const s = setup();
    const c = new Conn(s);
    c.send(S, SYN | ACK, c.isn[S], c.at(C, 0));
    expect(tcpStateName(s.session.state)).toBe('syn_recv');
    c.send(C, SYN, c.isn[C], 0);
    c.send(C, ACK, c.at(C, 0), c.at(S, 0));
    expect(tcpStateName(s.session.state)).toBe('established');
    expect(s.rec.anomalies).toEqual(['c stream.handshake_reordered']);
    c.data(C, 0, 'GET /', 0);
    c.ack(S, 5);
    expect(text(s.rec.bytes(C))).toBe('GET /');
  });

  it('SYN/ACK whose SYN never shows still gives the client stream its base', () => {
    const s = setup();
    const c = new Conn(s);
    c.send(S, SYN | ACK, c.isn[S], c.at(C, 0));
    c.data(C, 0, 'abc', 0);
    c.ack(S, 3);
    expect(text(s.rec.bytes(C))).toBe('abc');
    expect(s.rec.anomalies).toEqual([]);
  });

  it('SYN/ACK that does not acknowledge the SYN raises stream.synack_bad_ack', () => {
    const s = setup();
    const c = new Conn(s);
    c.send(C, SYN, c.isn[C], 0);
    c.send(S, SYN | ACK, c.isn[S], c.at(C, 7));
    expect(s.rec.anomalies).toEqual(['s stream.synack_bad_ack']);
  });

  it('SYN retransmitted with the same ISN is fine; with another ISN it raises stream.syn_resend_different_seq and the newest wins', () => {
    const s = setup();
    const c = new Conn(s, 100, 900);
    c.send(C, SYN, 100, 0);
    c.send(C, SYN, 100, 0);
    expect(s.rec.anomalies).toEqual([]);
    c.send(C, SYN, 7000, 0);
    expect(s.rec.anomalies).toEqual(['c stream.syn_resend_different_seq']);
    c.isn[C] = 7000;
    c.handshake();
    c.data(C, 0, 'new', 0);
    c.ack(S, 3);
    expect(text(s.rec.bytes(C))).toBe('new');
  });

  it('SYN with data (TCP Fast Open) raises stream.syn_with_data and delivers the data', () => {
    const s = setup();
    const c = new Conn(s);
    c.send(C, SYN, c.isn[C], 0, ascii('TFO!'));
    c.send(S, SYN | ACK, c.isn[S], c.at(C, 4));
    c.send(C, ACK, c.at(C, 4), c.at(S, 0));
    c.data(C, 4, 'more', 0);
    c.ack(S, 8);
    expect(text(s.rec.bytes(C))).toBe('TFO!more');
    expect(s.rec.anomalies).toEqual(['c stream.syn_with_data']);
  });

  it('client FIN first: close_wait, last_ack, closed', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    const seen: number[] = [];
    c.fin(C, 0, 0);
    seen.push(s.session.state);
    c.ack(S, 1);
    seen.push(s.session.state);
    c.fin(S, 0, 1);
    seen.push(s.session.state);
    expect(s.session.timeoutClass).toBe(2);
    c.send(C, ACK, c.at(C, 1), c.at(S, 1));
    seen.push(s.session.state);
    expect(names(seen)).toEqual(['close_wait', 'close_wait', 'last_ack', 'closed']);
    expect(s.rec.log).toEqual(['end c fin', 'end s fin']);
  });

  it('server FIN first: fin_wait1, fin_wait2, time_wait, closed', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    const seen: number[] = [];
    c.fin(S, 0, 0);
    seen.push(s.session.state);
    c.ack(C, 1);
    seen.push(s.session.state);
    expect(s.session.timeoutClass).toBe(1);
    c.fin(C, 0, 1);
    seen.push(s.session.state);
    c.send(S, ACK, c.at(S, 1), c.at(C, 1));
    seen.push(s.session.state);
    expect(names(seen)).toEqual(['fin_wait1', 'fin_wait2', 'time_wait', 'closed']);
  });

  it('FINs crossing (server FIN, client FIN before acknowledging it) go through closing', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.fin(S, 0, 0);
    c.send(C, FIN | ACK, c.at(C, 0), c.at(S, 0));
    expect(tcpStateName(s.session.state)).toBe('closing');
    c.send(S, ACK, c.at(S, 1), c.at(C, 1));
    c.send(C, ACK, c.at(C, 1), c.at(S, 1));
    expect(tcpStateName(s.session.state)).toBe('closed');
  });

  it('half-close: the client FINs and the server keeps sending', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'req', 0);
    c.fin(C, 3, 0);
    c.data(S, 0, 'resp1', 4);
    c.data(S, 5, 'resp2', 4);
    c.ack(C, 10, 4);
    expect(text(s.rec.bytes(C))).toBe('req');
    expect(text(s.rec.bytes(S))).toBe('resp1resp2');
    expect(s.rec.ended(C)).toBe('fin');
    expect(s.rec.ended(S)).toBe(null);
    expect(tcpStateName(s.session.state)).toBe('close_wait');
  });

  it('FIN consumes one sequence number: the ACK of the FIN is not a gap', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abc', 0);
    c.fin(C, 3, 0);
    c.ack(S, 4);
    expect(s.rec.log).toEqual(['data c 0+3', 'end c fin']);
    expect(s.rec.count('stream.gap')).toBe(0);
  });

  it('RST in window closes the session and ends both streams with rst', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abc', 0);
    c.send(S, RST | ACK, c.at(S, 0), c.at(C, 3));
    expect(tcpStateName(s.session.state)).toBe('closed');
    expect(s.session.timeoutClass).toBe(2);
    expect(s.rec.log).toEqual(['data c 0+3', 'end c rst', 'end s rst']);
    expect(s.rec.anomalies).toEqual([]);
  });

  it('RST flushes bytes still waiting for their acknowledgement before ending both streams', () => {
    const s = setup({ delivery: 'acked' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'request', 0);
    c.send(S, RST, c.at(S, 0), 0);
    expect(s.rec.log).toEqual(['data c 0+7', 'end c rst', 'end s rst']);
  });

  it('RST inside the advertised window but not at the next sequence number is accepted', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.send(S, RST, c.at(S, 30_000), 0);
    expect(s.rec.anomalies).toEqual([]);
    expect(tcpStateName(s.session.state)).toBe('closed');
  });

  it('a SYN/ACK missing from the capture: the client ACK completes the handshake and names the server ISN', () => {
    const s = setup();
    const c = new Conn(s);
    c.send(C, SYN, c.isn[C], 0);
    c.send(C, ACK, c.at(C, 0), c.at(S, 0));
    expect(tcpStateName(s.session.state)).toBe('established');
    c.data(S, 0, 'banner', 0);
    c.ack(C, 6);
    expect(text(s.rec.bytes(S))).toBe('banner');
    expect(s.rec.anomalies).toEqual([]);
  });

  it('timeout class: 0 during the handshake, 1 established and half-closed, 2 after FINs both ways', () => {
    const s = setup();
    const c = new Conn(s);
    expect(s.session.timeoutClass).toBe(0);
    c.handshake();
    expect(s.session.timeoutClass).toBe(1);
    c.fin(C, 0, 0);
    expect(s.session.timeoutClass).toBe(1);
    c.fin(S, 0, 1);
    expect(s.session.timeoutClass).toBe(2);
  });

  it('RST far outside the window raises stream.rst_invalid and changes nothing', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.send(S, RST, c.at(S, 5_000_000), 0);
    expect(s.rec.anomalies).toEqual(['s stream.rst_invalid']);
    expect(tcpStateName(s.session.state)).toBe('established');
    c.data(C, 0, 'still', 0);
    c.ack(S, 5);
    expect(text(s.rec.bytes(C))).toBe('still');
  });

  it('RST answering a SYN is valid only when it acknowledges the SYN', () => {
    const bad = setup();
    const c1 = new Conn(bad);
    c1.send(C, SYN, c1.isn[C], 0);
    c1.send(S, RST | ACK, 0, c1.at(C, 10));
    expect(bad.rec.anomalies).toEqual(['s stream.rst_invalid']);
    expect(tcpStateName(bad.session.state)).toBe('syn_sent');

    const good = setup();
    const c2 = new Conn(good);
    c2.send(C, SYN, c2.isn[C], 0);
    c2.send(S, RST | ACK, 0, c2.at(C, 0));
    expect(tcpStateName(good.session.state)).toBe('closed');
    expect(good.rec.anomalies).toEqual([]);
  });

  it('data after RST raises stream.data_after_rst and is not delivered', () => {
    const s = setup({ delivery: 'immediate' });
    const c = new Conn(s).handshake();
    c.send(C, RST, c.at(C, 0), 0);
    c.data(C, 0, 'late', 0);
    expect(s.rec.count('stream.data_after_rst')).toBe(1);
    expect(s.rec.bytes(C).length).toBe(0);
  });

  it('data beyond the FIN raises stream.data_after_fin and is not delivered', () => {
    const s = setup({ delivery: 'immediate' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'ab', 0);
    c.fin(C, 2, 0);
    c.data(C, 2, 'zz', 0);
    expect(text(s.rec.bytes(C))).toBe('ab');
    expect(s.rec.count('stream.data_after_fin')).toBe(1);
  });

  it('a new SYN with another ISN on a finished session is a new connection (port reuse)', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.fin(C, 0, 0);
    c.fin(S, 0, 1);
    c.ack(C, 1, 1);
    expect(tcpStateName(s.session.state)).toBe('closed');
    const before = s.rec.log.length;
    expect(c.send(C, SYN, 99999, 0)).toBe(TcpOutcome.NEW_CONNECTION);
    expect(s.rec.log.length).toBe(before);
    expect(tcpStateName(s.session.state)).toBe('closed');
    // The old SYN again is not a new connection.
    expect(c.send(C, SYN, c.isn[C], 0)).toBe(TcpOutcome.OK);
  });

  it('a SYN with another ISN after a RST is a new connection', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    c.send(C, RST, c.at(C, 0), 0);
    expect(c.send(C, SYN, 123, 0)).toBe(TcpOutcome.NEW_CONNECTION);
  });

  it('a SYN with another ISN during an established session is an anomaly, not a restart', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    expect(c.send(C, SYN, 424242, 0)).toBe(TcpOutcome.OK);
    expect(s.rec.anomalies).toEqual(['c stream.syn_resend_different_seq']);
    expect(tcpStateName(s.session.state)).toBe('established');
  });

  it('mid-stream pickup: stream.midstream once, each direction starts at its first byte, no gap event', () => {
    const s = setup();
    const c = new Conn(s, 70000, 80000);
    c.data(S, 500, 'world', 900);
    c.data(C, 900, 'hello', 505);
    c.data(S, 505, '!!', 905);
    c.ack(C, 507, 905);
    expect(tcpStateName(s.session.state)).toBe('established');
    expect(s.rec.anomalies).toEqual(['s stream.midstream']);
    expect(text(s.rec.bytes(S))).toBe('world!!');
    expect(text(s.rec.bytes(C))).toBe('hello');
    expect(s.rec.log.some((l) => l.startsWith('gap'))).toBe(false);
  });

  it('a mid-stream flow ends with flow_end at close, flushing unacknowledged bytes', () => {
    const s = setup();
    const c = new Conn(s);
    c.data(C, 10, 'one', 0);
    c.data(C, 13, 'two', 0);
    s.session.close();
    s.session.close();
    expect(text(s.rec.bytes(C))).toBe('onetwo');
    expect(s.rec.log).toEqual(['data c 0+6', 'end c flow_end', 'end s flow_end']);
  });

  it('keep-alives (seq = next - 1, with 0 or 1 byte) are neither data nor anomalies', () => {
    const s = setup({ delivery: 'immediate' });
    const c = new Conn(s).handshake();
    c.data(C, 0, 'abc', 0);
    c.ack(S, 3);
    c.send(C, ACK, c.at(C, 2), c.at(S, 0), ascii('\0'));
    c.send(C, ACK, c.at(C, 2), c.at(S, 0));
    c.data(C, 3, 'd', 0);
    expect(text(s.rec.bytes(C))).toBe('abcd');
    expect(s.rec.anomalies).toEqual([]);
    expect(s.session.stats[0].retransmissions).toBe(0);
  });

  it('zero-length segments deliver nothing and raise nothing', () => {
    const s = setup({ delivery: 'immediate' });
    const c = new Conn(s).handshake();
    for (let i = 0; i < 5; i++) c.send(C, ACK | PSH, c.at(C, 0), c.at(S, 0), new Uint8Array(0));
    expect(s.rec.log).toEqual([]);
    expect(s.rec.anomalies).toEqual([]);
    expect(s.session.stats[0].segments).toBe(0);
  });

  it('chunk info carries the capture time of the packet that released the bytes', () => {
    const s = setup();
    const c = new Conn(s).handshake();
    const times: number[] = [];
    s.session.consumer = {
      onData: (_d, _s, _e, info) => times.push(info.tsSec),
      onGap: () => {},
      onEnd: () => {},
    };
    c.send(C, ACK, c.at(C, 0), c.at(S, 0), ascii('xyz'), { ts: 50 });
    c.send(S, ACK, c.at(S, 0), c.at(C, 3), undefined, { ts: 60 });
    expect(times).toEqual([60]);
  });
});
