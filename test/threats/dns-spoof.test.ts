/**
 * dns_spoof (src/threats/detectors/dns-spoof.ts) through its `record` hook, with records the DNS parser
 * made from built messages: races, answers from an address not asked, id guessing, and the benign look-alikes.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/flow/flow.js';
import { dnsSpoof } from '../../src/threats/detectors/dns-spoof.js';
import { mulberry32 } from '../helpers/packets.js';
import { aRecord, dnsQuery, dnsResponse, flowOf, randomText, recording } from './dnsicmp-support.js';

function detector(maxTracked = 10_000, options: Partial<typeof dnsSpoof.defaults> = {}) {
  const r = recording(maxTracked);
  const d = dnsSpoof.create({ ...dnsSpoof.defaults, ...options }, r.ctx);
  return { r, d };
}

const CLIENT = '192.168.1.20';
const SERVER = '192.168.1.1';
const NAME = 'bank.example';

describe('dns_spoof', () => {
  it('two different answers to one query (the race) is spoofing', () => {
    const { r, d } = detector();
    const flow = flowOf(CLIENT, 40000, SERVER, 53);
    d.record!(flow, 'dns', dnsQuery(NAME, 1, 0x1111), 1000);
    d.record!(flow, 'dns', dnsResponse(NAME, 1, [aRecord(NAME, '6.6.6.6')], { id: 0x1111 }), 1000.001);
    d.record!(flow, 'dns', dnsResponse(NAME, 1, [aRecord(NAME, '93.184.216.34')], { id: 0x1111 }), 1000.02);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.attacker).toBe(SERVER);
    expect(f.target).toBe(CLIENT);
    expect(f.count).toBe(1);
    expect(f.details).toMatchObject({
      kind: 'conflicting_answers',
      name: NAME,
      firstAnswer: 'A 6.6.6.6',
      otherAnswer: 'A 93.184.216.34',
    });
  });

  it('an answer from an address that was not asked is spoofing', () => {
    const { r, d } = detector();
    d.record!(flowOf(CLIENT, 40000, SERVER, 53), 'dns', dnsQuery(NAME, 1, 0x2222), 1000);
    // The spoofer answers from its own address: another flow, whose client the port heuristic makes CLIENT.
    d.record!(
      flowOf(CLIENT, 40000, '192.168.1.66', 53),
      'dns',
      dnsResponse(NAME, 1, [aRecord(NAME, '6.6.6.6')], { id: 0x2222 }),
      1000.001,
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.attacker).toBe('192.168.1.66');
    expect(r.findings[0]!.target).toBe(CLIENT);
    expect(r.findings[0]!.details).toMatchObject({ kind: 'unexpected_source', askedServer: SERVER, answer: 'A 6.6.6.6' });
  });

  it('id guessing: fires at minMismatchedIds wrong ids for a name the client asked, not below', () => {
    const { r, d } = detector();
    const resolver = '10.0.0.53';
    const auth = '198.51.100.7';
    const name = `${randomText(mulberry32(1), 8)}.bank.example`;
    d.record!(flowOf(resolver, 33333, auth, 53), 'dns', dnsQuery(name, 1, 0x4242), 1000);
    const flow = flowOf(resolver, 33333, auth, 53);
    for (let i = 0; i < 9; i++)
      d.record!(flow, 'dns', dnsResponse(name, 1, [aRecord(name, '6.6.6.6')], { id: 1000 + i * 77 }), 1000.01 + i * 0.001);
    expect(r.findings).toEqual([]);
    d.record!(flow, 'dns', dnsResponse(name, 1, [aRecord(name, '6.6.6.6')], { id: 9999 }), 1000.02);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.details).toMatchObject({ kind: 'id_guessing', mismatchedIds: 10, name });
    expect(r.findings[0]!.attacker).toBe(auth);
    expect(r.findings[0]!.target).toBe(resolver);
    // The real answer, with the right id, matches its query: nothing more.
    d.record!(flow, 'dns', dnsResponse(name, 1, [aRecord(name, '203.0.113.9')], { id: 0x4242 }), 1000.03);
    expect(r.findings).toHaveLength(1);
  });

  it('mismatched ids for a name nobody asked (or asked too long ago) are not counted', () => {
    const { r, d } = detector();
    const flow = flowOf(CLIENT, 40000, SERVER, 53);
    for (let i = 0; i < 50; i++)
      d.record!(flow, 'dns', dnsResponse(NAME, 1, [aRecord(NAME, '6.6.6.6')], { id: i }), 1000 + i * 0.01);
    d.record!(flow, 'dns', dnsQuery('other.example', 1, 7), 2000);
    for (let i = 0; i < 50; i++)
      d.record!(flow, 'dns', dnsResponse('other.example', 1, [], { id: 100 + i }), 2000 + 6 + i * 0.01);
    expect(r.findings).toEqual([]);
  });

  it('benign: duplicate responses, round-robin order, TC then the TCP retry, error then answer to a retransmitted query', () => {
    const { r, d } = detector();
    const flow = flowOf(CLIENT, 40000, SERVER, 53);
    const two = [aRecord(NAME, '1.1.1.1'), aRecord(NAME, '2.2.2.2')];
    d.record!(flow, 'dns', dnsQuery(NAME, 1, 1), 1000);
    d.record!(flow, 'dns', dnsResponse(NAME, 1, two, { id: 1 }), 1000.01);
    d.record!(flow, 'dns', dnsResponse(NAME, 1, two, { id: 1 }), 1000.02);
    d.record!(flow, 'dns', dnsResponse(NAME, 1, [two[1]!, two[0]!], { id: 1 }), 1000.03);
    // Truncated: answered again over TCP (another transport: not tracked).
    d.record!(flow, 'dns', dnsQuery('big.example', 16, 2), 1001);
    d.record!(flow, 'dns', dnsResponse('big.example', 16, [], { id: 2, flags: 0x8380 }), 1001.01);
    const tcpResp = dnsResponse('big.example', 16, [aRecord('big.example', '3.3.3.3')], { id: 2 });
    tcpResp.transport = 'tcp';
    d.record!(flowOf(CLIENT, 40001, SERVER, 53, 6), 'dns', tcpResp, 1001.05);
    // Retransmitted query: SERVFAIL to the first copy, the answer to the second.
    d.record!(flow, 'dns', dnsQuery('slow.example', 1, 3), 1002);
    d.record!(flow, 'dns', dnsQuery('slow.example', 1, 3), 1003);
    d.record!(flow, 'dns', dnsResponse('slow.example', 1, [], { id: 3, flags: 0x8182 }), 1003.01);
    d.record!(flow, 'dns', dnsResponse('slow.example', 1, [aRecord('slow.example', '4.4.4.4')], { id: 3 }), 1003.02);
    // Queries to multicast and broadcast addresses: anyone may answer.
    d.record!(flowOf(CLIENT, 5353, '224.0.0.251', 53), 'dns', dnsQuery('printer.example', 1, 4), 1004);
    d.record!(flowOf(CLIENT, 5353, '192.168.1.9', 53), 'dns', dnsResponse('printer.example', 1, [], { id: 4 }), 1004.01);
    // A stub falling back to its second server with the same id and port; the two answer differently (CDN).
    d.record!(flowOf(CLIENT, 40002, SERVER, 53), 'dns', dnsQuery('cdn.example', 1, 6), 1005);
    d.record!(flowOf(CLIENT, 40002, '8.8.8.8', 53), 'dns', dnsQuery('cdn.example', 1, 6), 1006);
    d.record!(
      flowOf(CLIENT, 40002, '8.8.8.8', 53),
      'dns',
      dnsResponse('cdn.example', 1, [aRecord('cdn.example', '7.7.7.7')], { id: 6 }),
      1006.01,
    );
    d.record!(
      flowOf(CLIENT, 40002, SERVER, 53),
      'dns',
      dnsResponse('cdn.example', 1, [aRecord('cdn.example', '7.7.7.8')], { id: 6 }),
      1006.05,
    );
    // A late response, after the query expired.
    d.record!(flow, 'dns', dnsQuery('late.example', 1, 5), 1010);
    d.record!(flow, 'dns', dnsResponse('late.example', 1, [aRecord('late.example', '5.5.5.5')], { id: 5 }), 1010.01);
    d.record!(flow, 'dns', dnsResponse('late.example', 1, [aRecord('late.example', '5.5.5.6')], { id: 5 }), 1016);
    expect(r.findings).toEqual([]);
  });

  it('minSpoofed counts per responder and client; a long attack gives one finding per window', () => {
    const { r, d } = detector(10_000, { minSpoofed: 3 });
    const flow = flowOf(CLIENT, 40000, SERVER, 53);
    // A race every 5 s for 300 s.
    for (let i = 0; i < 60; i++) {
      const t = 1000 + i * 5;
      d.record!(flow, 'dns', dnsQuery(NAME, 1, i), t);
      d.record!(flow, 'dns', dnsResponse(NAME, 1, [aRecord(NAME, '6.6.6.6')], { id: i }), t + 0.001);
      d.record!(flow, 'dns', dnsResponse(NAME, 1, [aRecord(NAME, '93.184.216.34')], { id: i }), t + 0.02);
      if (i === 1) expect(r.findings).toEqual([]);
      if (i === 2) expect(r.findings).toHaveLength(1);
      d.tick!(t + 1);
    }
    // Windows of 60 s from the first spoof: 0-60 (third race), 65-125, 130-190, 195-255, 260-300.
    expect(r.findings).toHaveLength(5);
    for (const f of r.findings) expect(f.count).toBe(3);
  });

  it('keeps its tables under maxTracked under 200,000 distinct clients, counting evictions', () => {
    const { r, d } = detector(1000);
    const rand = mulberry32(9);
    const q = dnsQuery(NAME, 1, 1);
    const resp = dnsResponse(NAME, 1, [aRecord(NAME, '6.6.6.6')], { id: 2 });
    const flow = flowOf(CLIENT, 40000, SERVER, 53);
    let max = 0;
    for (let i = 0; i < 200_000; i++) {
      flow.clientAddr0 = Math.floor(rand() * 0x100000000);
      flow.clientPort = 1024 + (i & 0x7fff);
      d.record!(flow, 'dns', q, 1000 + i * 0.0001);
      d.record!(flow, 'dns', resp, 1000 + i * 0.0001);
      if ((i & 1023) === 0) d.tick!(1000 + i * 0.0001);
      if (d.size() > max) max = d.size();
    }
    expect(max).toBeLessThanOrEqual(3 * 1000); // three tables, each capped at maxTracked
    expect(r.evictions).toBeGreaterThan(0);
  });

  it('never throws on garbage records', () => {
    const { d } = detector();
    const flows: Flow[] = [flowOf(CLIENT, 40000, SERVER, 53), flowOf('2001:db8::20', 40000, 'ff02::fb', 53)];
    const garbage: unknown[] = [
      {},
      { type: 'query', transport: 'udp' },
      { type: 'query', transport: 'udp', questions: [null] },
      { type: 'response', transport: 'udp', questions: [{ name: 'x' }] },
      { type: 'response', transport: 'udp', questions: [{ name: 'x', type: 1 }], answers: 'nope' },
      {
        type: 'response',
        transport: 'udp',
        questions: [{ name: 'x', type: 1 }],
        answers: [null, 1, { rdata: null }, { rdata: { kind: 'txt', strings: 5 } }],
      },
      { type: 'response', transport: 'udp', questions: [{ name: 'x', type: 1 }], answers: [{ rdata: { kind: 'mx' } }] },
    ];
    for (const g of garbage) for (const f of flows) expect(() => d.record!(f, 'dns', g as object, 1000)).not.toThrow();
    // A query then garbage responses to it (answer signatures of odd shapes).
    const f = flows[0]!;
    d.record!(f, 'dns', { type: 'query', transport: 'udp', id: 1, questions: [{ name: 'x', type: 1 }] }, 1000);
    for (const g of garbage.slice(3)) expect(() => d.record!(f, 'dns', { ...(g as object), id: 1 }, 1000.1)).not.toThrow();
  });
});
