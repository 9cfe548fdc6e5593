/**
 * EVE mapping: the `dns` (version 3), `mdns` and `llmnr` objects, checked field by field on hand-made
 * messages, and every record of the corpus's DNS captures (plus a message of every RDATA kind) validated
 * as a full EVE line against Suricata's schema.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DnsMessage } from '../../../src/protocols/dns/index.js';
import { dnsModule, dnsToEve, llmnrModule, llmnrToEve, mdnsModule, mdnsToEve } from '../../../src/protocols/dns/index.js';
import { expandIpv6 } from '../../../src/protocols/dns/eve.js';
import { Probe } from '../../../src/protocols/module.js';
import { corpusPath, corpusPresent, eveSchema, schemaPresent } from '../../support/corpus.js';
import {
  buildMessage,
  encodeName,
  parseOne,
  parseTcp,
  parseUdp,
  response,
  rr,
  tcpStreams,
  u16be,
  u32be,
  udpDatagrams,
} from './helpers.js';

function line(type: string, obj: object): object {
  return {
    timestamp: '2024-01-01T00:00:00.000000+0000',
    flow_id: 1,
    event_type: type,
    src_ip: '10.0.0.1',
    src_port: 40000,
    dest_ip: '10.0.0.2',
    dest_port: 53,
    proto: 'UDP',
    [type]: obj,
  };
}

const MAPPERS: Record<string, (m: DnsMessage) => object> = { dns: (m) => dnsToEve(m), mdns: mdnsToEve, llmnr: llmnrToEve };

/** Messages with an RR of every RDATA kind, in every section. */
function everyKind(): Uint8Array {
  const txt = [5, ...Buffer.from('hello'), 3, ...Buffer.from('a"b')];
  const soa = [
    ...encodeName('ns1.example.com'),
    ...encodeName('hostmaster.example.com'),
    ...u32be(1),
    ...u32be(2),
    ...u32be(3),
    ...u32be(4),
    ...u32be(5),
  ];
  const srv = [...u16be(10), ...u16be(5), ...u16be(5060), ...encodeName('sip.example.com')];
  const caa = [0, 5, ...Buffer.from('issue'), ...Buffer.from('letsencrypt.org')];
  const https = [...u16be(1), 0, ...u16be(1), ...u16be(3), 2, ...Buffer.from('h2'), ...u16be(3), ...u16be(2), ...u16be(443)];
  const ds = [...u16be(2371), 13, 2, 0xab, 0xcd];
  const dnskey = [...u16be(257), 3, 13, 1, 2, 3, 4];
  const rrsig = [
    ...u16be(1),
    13,
    2,
    ...u32be(300),
    ...u32be(1700000000),
    ...u32be(1690000000),
    ...u16be(2371),
    ...encodeName('example.com'),
    9,
    9,
    9,
  ];
  const records = [
    rr('example.com', 1, [192, 0, 2, 1]),
    rr('example.com', 28, [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
    rr('www.example.com', 5, encodeName('example.com')),
    rr('example.com', 2, encodeName('ns1.example.com')),
    rr('1.2.0.192.in-addr.arpa', 12, encodeName('example.com')),
    rr('example.com', 15, [...u16be(10), ...encodeName('mx.example.com')]),
    rr('example.com', 16, txt),
    rr('example.com', 6, soa),
    rr('_sip._udp.example.com', 33, srv),
    rr('example.com', 257, caa),
    rr('example.com', 65, https),
    rr('example.com', 43, ds),
    rr('example.com', 44, [4, 2, 0xab, 0xcd, 0xef]),
    rr('example.com', 48, dnskey),
    rr('example.com', 46, rrsig),
    rr('example.com', 10, [1, 2, 3]),
    rr('example.com', 99, [2, ...Buffer.from('ok')]),
    rr('example.com', 65280, [0xde, 0xad]),
    rr('.', 41, []),
  ];
  const opt = rr('.', 41, [...u16be(10), ...u16be(8), 1, 2, 3, 4, 5, 6, 7, 8], 0, 1232);
  return buildMessage({
    id: 7,
    flags: 0x8180,
    questions: [{ name: 'example.com', type: 255 }],
    answers: records,
    authorities: records,
    additionals: [...records.slice(0, -1), opt],
  });
}

describe('dns EVE v3 object', () => {
  it('writes the header fields as Suricata does', () => {
    const { msg } = parseOne(response('example.com', 1, [rr('example.com', 1, [93, 184, 216, 34], 60)], 0xbeef, 0x8580), 1);
    msg!.txId = 4;
    expect(dnsToEve(msg!)).toEqual({
      version: 3,
      type: 'response',
      tx_id: 4,
      id: 0xbeef,
      flags: '8580',
      qr: true,
      aa: true,
      rd: true,
      ra: true,
      opcode: 0,
      rcode: 'NOERROR',
      queries: [{ rrname: 'example.com', rrtype: 'A' }],
      answers: [{ rrname: 'example.com', rrtype: 'A', ttl: 60, rdata: '93.184.216.34' }],
      grouped: { A: ['93.184.216.34'] },
    });
  });

  it('writes a query as a request with its queries only', () => {
    const { msg } = parseOne(buildMessage({ id: 1, flags: 0x0100, questions: [{ name: '.', type: 2 }] }));
    expect(dnsToEve(msg!)).toEqual({
      version: 3,
      type: 'request',
      tx_id: 0,
      id: 1,
      flags: '100',
      rd: true,
      opcode: 0,
      rcode: 'NOERROR',
      queries: [{ rrname: '', rrtype: 'NS' }],
    });
  });

  it('expands AAAA addresses, splits TXT strings, writes SOA and SRV objects and OPT options', () => {
    const { msg } = parseOne(everyKind(), 1);
    const eve = dnsToEve(msg!) as Record<string, any>;
    const answers = eve.answers as Record<string, unknown>[];
    expect(answers.find((a) => a.rrtype === 'AAAA')!.rdata).toBe('2001:0db8:0000:0000:0000:0000:0000:0001');
    expect(answers.filter((a) => a.rrtype === 'TXT').map((a) => a.rdata)).toEqual(['hello', 'a"b']);
    expect(answers.find((a) => a.rrtype === 'SOA')!.soa).toEqual({
      mname: 'ns1.example.com',
      rname: 'hostmaster.example.com',
      serial: 1,
      refresh: 2,
      retry: 3,
      expire: 4,
      minimum: 5,
    });
    expect(answers.find((a) => a.rrtype === 'SRV')!.srv).toEqual({
      priority: 10,
      weight: 5,
      port: 5060,
      name: 'sip.example.com',
    });
    expect(answers.find((a) => a.rrtype === 'CAA')!.rdata).toBe('0 issue "letsencrypt.org"');
    expect(answers.find((a) => a.rrtype === 'HTTPS')!.rdata).toBe('1 . alpn=h2 port=443');
    expect(answers.find((a) => a.rrtype === 'DS')!.rdata).toBe('2371 13 2 ABCD');
    expect(answers.find((a) => a.rrtype === 'SSHFP')!.sshfp).toEqual({ fingerprint: 'ab:cd:ef', algo: 4, type: 2 });
    expect(eve.grouped.SSHFP).toEqual([{ fingerprint: 'ab:cd:ef', algo: 4, type: 2 }]);
    expect((eve.authorities as Record<string, unknown>[]).find((a) => a.rrtype === 'SSHFP')!.rdata).toBe('4 2 ABCDEF');
    expect(answers.find((a) => a.rrtype === '65280')!.rdata).toBe('\\# 2 dead');
    expect(eve.grouped.AAAA).toEqual(['2001:0db8:0000:0000:0000:0000:0000:0001']);
    expect(eve.grouped.TXT).toEqual(['hello', 'a"b']);
    const opt = (eve.additionals as Record<string, unknown>[]).filter((a) => a.rrtype === 'OPT');
    expect(opt).toEqual([{ rrname: '', rrtype: 'OPT', ttl: 0, opt: [{ code: 10, data: '0102030405060708' }] }]);
  });

  it('leaves out an OPT without options, and honours the detailed/grouped choice', () => {
    const opt = rr('.', 41, [], 0, 1232);
    const { msg } = parseOne(response('a.example', 1, [rr('a.example', 1, [1, 2, 3, 4])], 1, 0x8180, { additionals: [opt] }), 1);
    expect(dnsToEve(msg!).additionals).toBeUndefined();
    expect(dnsToEve(msg!, { detailed: false, grouped: true }).answers).toBeUndefined();
    expect(dnsToEve(msg!, { detailed: true, grouped: false }).grouped).toBeUndefined();
  });

  it('expands IPv6 text like Suricata prints addresses', () => {
    expect(expandIpv6('::')).toBe('0000:0000:0000:0000:0000:0000:0000:0000');
    expect(expandIpv6('::1')).toBe('0000:0000:0000:0000:0000:0000:0000:0001');
    expect(expandIpv6('fe80::1:2')).toBe('fe80:0000:0000:0000:0000:0000:0001:0002');
    expect(expandIpv6('2001:db8:1:2:3:4:5:6')).toBe('2001:0db8:0001:0002:0003:0004:0005:0006');
  });
});

describe('mdns and llmnr EVE objects', () => {
  it('mdns: flags as a list, lower-case query types, PTR and TXT values', () => {
    const msg = buildMessage({
      id: 0,
      flags: 0x8400,
      answers: [
        rr('_ipp._tcp.local', 12, encodeName('Printer._ipp._tcp.local'), 4500),
        rr('Printer._ipp._tcp.local', 16, [4, ...Buffer.from('tx=1')], 4500, 0x8001),
        rr('host.local', 1, [10, 0, 0, 9], 120, 0x8001),
      ],
    });
    const { msg: m } = parseOne(msg, 0, {}, 'mdns');
    expect(mdnsToEve(m!)).toEqual({
      type: 'response',
      id: 0,
      flags: ['aa'],
      opcode: 0,
      rcode: 0,
      answers: [
        { rrname: '_ipp._tcp.local', ptr: 'Printer._ipp._tcp.local' },
        { rrname: 'Printer._ipp._tcp.local', txt: ['tx=1'] },
        { rrname: 'host.local' },
      ],
    });
    const q = parseOne(
      buildMessage({ id: 0, flags: 0, questions: [{ name: '_ipp._tcp.local', type: 12, class: 0x8001 }] }),
      0,
      {},
      'mdns',
    ).msg!;
    expect(mdnsToEve(q)).toEqual({
      type: 'request',
      id: 0,
      opcode: 0,
      rcode: 0,
      queries: [{ rrname: '_ipp._tcp.local', rrtype: 'PTR' }],
    });
  });

  it('llmnr: flags C, TC, T; values keyed by type', () => {
    const m = parseOne(response('host', 1, [rr('host', 1, [10, 0, 0, 5], 30)], 9, 0x8400 | 0x0100), 1, {}, 'llmnr').msg!;
    m.txId = 0;
    expect(llmnrToEve(m)).toEqual({
      type: 'response',
      tx_id: 0,
      id: 9,
      flags: ['c', 't'],
      opcode: 0,
      queries: [{ rrname: 'host', rrtype: 'A' }],
      answers: [{ rrname: 'host', rrtype: 'A', ttl: 30, a: '10.0.0.5' }],
    });
  });
});

describe.skipIf(!schemaPresent)("EVE lines validate against Suricata's schema (needs the shared EVE schema)", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  let validate: ValidateFunction;
  // Read here, not in the describe body: a skipped describe's body still runs at collection.
  beforeAll(() => {
    validate = ajv.compile(eveSchema());
  });
  const check = (type: string, msg: DnsMessage) => {
    const obj = JSON.parse(JSON.stringify(line(type, MAPPERS[type]!(msg))));
    if (!validate(obj))
      throw new Error(`${JSON.stringify(obj)}\n${ajv.errorsText((validate as { errors?: unknown }).errors as never)}`);
  };

  it.each(['dns', 'mdns', 'llmnr'])('%s: a message with every RDATA kind in every section, and odd names', (type) => {
    const { msg } = parseOne(everyKind(), 1, {}, type as 'dns');
    check(type, msg!);
    // A name too long, and a name with a pointer loop, in a query and a response.
    const long = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
    const q = parseOne(buildMessage({ questions: [{ name: long, type: 1 }] }), 0, {}, type as 'dns').msg!;
    expect(q.questions[0]!.nameTruncated).toBe(true);
    check(type, q);
    const loop = buildMessage({
      flags: 0x8180,
      questions: [{ name: 'x.example', type: 1 }],
      answers: [rr([1, 0x61, 0xc0, 29], 1, [1, 2, 3, 4])],
      authorities: [rr([0xc0, 12], 5, [0xc0, 45])],
    });
    const l = parseOne(loop, 1, {}, type as 'dns').msg!;
    check(type, l);
  });

  const files = corpusPresent
    ? [
        'ndpi_1kxun.pcap',
        'ndpi_dns_exfiltration.pcap',
        'ndpi_dns_fragmented.pcap',
        'ndpi_malformed_dns.pcap',
        'tcpdump_dns_tcp.pcap',
        'tcpdump_edns-opts.pcap',
        'zeek_dns-caa.pcap',
        'zeek_dns-mdns.pcap',
        'zeek_dns-svcb.pcap',
        'zeek_dnssec-rrsig.pcap',
        'deepflow_dns-tcp-multi.pcap',
      ]
    : [];
  it.each(files)('every record of %s', async (file) => {
    let n = 0;
    const modules = [mdnsModule, llmnrModule, dnsModule];
    const flows = new Map<string, ReturnType<typeof udpDatagrams>>();
    for (const d of udpDatagrams(corpusPath(file))) (flows.get(d.flow) ?? flows.set(d.flow, []).get(d.flow)!).push(d);
    for (const list of flows.values()) {
      const f = list[0]!;
      const m = modules.find(
        (x) =>
          x.probe(f.payload, 0, f.payload.length, {
            transport: 'udp',
            direction: f.direction,
            serverPort: f.serverPort,
            clientPort: f.clientPort,
          }) === Probe.MINE,
      );
      if (m === undefined) continue;
      const rec = parseUdp(
        list.map((d) => ({ dir: d.direction, bytes: d.payload })),
        {},
        m.name as 'dns',
      );
      rec.records.forEach((r, i) => {
        check(rec.types[i]!, r);
      });
      n += rec.records.length;
    }
    for (const s of await tcpStreams(corpusPath(file))) {
      if (s.serverPort !== 53) continue;
      const rec = parseTcp(s.steps);
      rec.records.forEach((r, i) => {
        check(rec.types[i]!, r);
      });
      n += rec.records.length;
    }
    expect(n).toBeGreaterThan(0);
  });
});
