/**
 * The probes of `dns`, `mdns` and `llmnr`: what a plausible message is, over UDP and over TCP (length
 * prefix first, NEED_MORE while the answer depends on bytes not yet seen), and which ports each leaves to
 * the others.
 */
import { describe, expect, it } from 'vitest';
import { dnsModule, llmnrModule, mdnsModule } from '../../../src/protocols/dns/index.js';
import { Probe, type ProbeContext, type Transport } from '../../../src/protocols/module.js';
import { buildMessage, query, response, rr, tcpFrame } from './helpers.js';

function ctx(transport: Transport, serverPort = 53, clientPort = 40000, direction: 0 | 1 = 0): ProbeContext {
  return { transport, direction, serverPort, clientPort };
}

const udp = (b: Uint8Array, c = ctx('udp')) => dnsModule.probe(b, 0, b.length, c);
const tcp = (b: Uint8Array, c = ctx('tcp')) => dnsModule.probe(b, 0, b.length, c);

describe('dns probe over UDP', () => {
  it('claims queries and responses', () => {
    expect(udp(query('www.example.com'))).toBe(Probe.MINE);
    expect(udp(response('www.example.com', 1, [rr('www.example.com', 1, [1, 2, 3, 4])]), ctx('udp', 53, 40000, 1))).toBe(
      Probe.MINE,
    );
    // Any port: the port is a hint, not proof.
    expect(udp(query('www.example.com'), ctx('udp', 9999))).toBe(Probe.MINE);
    // A cookie-only query: no question, an OPT RR.
    expect(udp(buildMessage({ additionals: [rr('.', 41, [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8], 0, 1232)] }))).toBe(Probe.MINE);
  });

  it('refuses what is not DNS', () => {
    for (const port of [53, 9999]) {
      const c = ctx('udp', port);
      expect(udp(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'), c)).toBe(Probe.NOT_MINE);
      expect(udp(new Uint8Array(40), c)).toBe(Probe.NOT_MINE);
      expect(udp(Uint8Array.from([1, 2, 3]), c)).toBe(Probe.NOT_MINE);
      expect(udp(query('a', 1, 1, 3 << 11), c)).toBe(Probe.NOT_MINE); // undefined opcode
      expect(udp(buildMessage({ questions: [{ name: 'a', type: 1 }], counts: [1, 50, 0, 0] }), c)).toBe(Probe.NOT_MINE); // counts beyond the data
    }
  });

  it('off port 53, the first entry must be well-formed too; on port 53 a plausible header is enough', () => {
    const badLabel = query('abc');
    badLabel[12] = 0x41;
    for (const msg of [
      buildMessage({ questions: [{ name: 'a', type: 1, class: 77 }] }),
      buildMessage({ questions: [{ name: 'a', type: 0 }] }),
      badLabel,
    ]) {
      expect(udp(msg, ctx('udp', 9999))).toBe(Probe.NOT_MINE);
      expect(udp(msg, ctx('udp', 53))).toBe(Probe.MINE);
      expect(tcp(tcpFrame(msg), ctx('tcp', 9999))).toBe(Probe.NOT_MINE);
      expect(tcp(tcpFrame(msg), ctx('tcp', 53))).toBe(Probe.MINE);
    }
    // A FORMERR response that echoes nothing.
    expect(udp(Uint8Array.from([0, 1, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]), ctx('udp', 53, 40000, 1))).toBe(Probe.MINE);
  });

  it('leaves mDNS, LLMNR and NBNS ports to their owners; they take only their ports', () => {
    const q = query('host.local', 1, 0, 0);
    expect(udp(q, ctx('udp', 5353, 5353))).toBe(Probe.NOT_MINE);
    expect(udp(q, ctx('udp', 5355))).toBe(Probe.NOT_MINE);
    expect(udp(q, ctx('udp', 137, 137))).toBe(Probe.NOT_MINE);
    expect(mdnsModule.probe(q, 0, q.length, ctx('udp', 5353, 5353))).toBe(Probe.MINE);
    expect(mdnsModule.probe(q, 0, q.length, ctx('udp', 53))).toBe(Probe.NOT_MINE);
    expect(llmnrModule.probe(q, 0, q.length, ctx('udp', 5355))).toBe(Probe.MINE);
    expect(llmnrModule.probe(q, 0, q.length, ctx('udp', 53))).toBe(Probe.NOT_MINE);
    // A unicast mDNS response from port 5353 to a client's port (RFC 6762 §6.7).
    expect(mdnsModule.probe(q, 0, q.length, ctx('udp', 40000, 5353))).toBe(Probe.MINE);
  });
});

describe('dns probe over TCP', () => {
  it('reads the length prefix, then the message; NEED_MORE until it can tell', () => {
    const f = tcpFrame(query('www.example.com'));
    expect(tcp(f)).toBe(Probe.MINE);
    // On port 53 the prefix and header decide (14 bytes); elsewhere the first question must be whole.
    for (let n = 0; n < 14; n++) expect(tcp(f.subarray(0, n)), `${n} bytes`).toBe(Probe.NEED_MORE);
    expect(tcp(f.subarray(0, 14))).toBe(Probe.MINE);
    const c = ctx('tcp', 9999);
    for (let n = 0; n < f.length; n++) expect(tcp(f.subarray(0, n), c), `${n} bytes`).toBe(Probe.NEED_MORE);
    expect(tcp(f, c)).toBe(Probe.MINE);
  });

  it('answers NOT_MINE as soon as the bytes say no', () => {
    const c = ctx('tcp', 9999);
    expect(tcp(new TextEncoder().encode('GET / HTTP/1.1\r\n'))).toBe(Probe.NOT_MINE);
    expect(tcp(Uint8Array.from([0, 30, 0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12]), c)).toBe(Probe.NOT_MINE); // a compressed first name
    expect(tcp(Uint8Array.from([0, 5, 0, 0, 0, 0, 0]))).toBe(Probe.NOT_MINE); // shorter than a header
    expect(tcp(Uint8Array.from([0, 30, 0, 1, 0x18, 0, 0, 1, 0, 0, 0, 0, 0, 0]))).toBe(Probe.NOT_MINE); // opcode 3
    // A TLS ClientHello's first bytes.
    expect(tcp(Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0, 0, 0, 0, 0]))).toBe(
      Probe.NOT_MINE,
    );
  });

  it('LLMNR runs over TCP too; mDNS does not', () => {
    expect(llmnrModule.transports).toEqual(['udp', 'tcp']);
    expect(mdnsModule.transports).toEqual(['udp']);
    expect(dnsModule).toMatchObject({ name: 'dns', transports: ['udp', 'tcp'], ports: { udp: [53], tcp: [53] } });
  });
});
