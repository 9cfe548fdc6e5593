/**
 * One message at a time (UDP): the header, every section, names with compression, every decoded RDATA
 * type, EDNS, and each message-level anomaly with what is kept beside it.
 */
import { describe, expect, it } from 'vitest';
import type { DnsRdata } from '../../../src/protocols/dns/index.js';
import { buildMessage, encodeName, parseOne, query, response, rr, u16be, u32be } from './helpers.js';

const TO_CLIENT = 1;

/** The anomalies of the message itself: a lone response here is always one without a query. */
function own(anomalies: string[]): string[] {
  return anomalies.filter((a) => a !== 'dns.response_without_query');
}

function rdataOf(
  type: number,
  rdata: number[],
): { rdata: DnsRdata | undefined; anomalies: string[]; truncated: boolean | undefined } {
  const { msg, anomalies } = parseOne(response('example.com', type, [rr('example.com', type, rdata)]), TO_CLIENT);
  return { rdata: msg?.answers[0]?.rdata, anomalies: own(anomalies), truncated: msg?.answers[0]?.rdataTruncated };
}

describe('header and question', () => {
  it('reads a query', () => {
    const { msg, anomalies } = parseOne(query('www.example.com', 28, 0xabcd));
    expect(own(anomalies)).toEqual([]);
    expect(msg).toMatchObject({
      type: 'query',
      transport: 'udp',
      direction: 'to_server',
      txId: 0,
      id: 0xabcd,
      flagBits: 0x0100,
      flags: { qr: false, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false },
      opcode: 0,
      opcodeName: 'QUERY',
      rcode: 0,
      rcodeName: 'NOERROR',
      counts: { questions: 1, answers: 0, authorities: 0, additionals: 0 },
      questions: [{ name: 'www.example.com', type: 28, typeName: 'AAAA', class: 1 }],
      answers: [],
      edns: null,
      size: 33,
      malformed: false,
      anomalies: [],
    });
  });

  it('reads every flag, the opcode and the rcode', () => {
    const flags = 0x8000 | (5 << 11) | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0020 | 0x0010 | 3;
    const { msg } = parseOne(buildMessage({ flags, questions: [{ name: 'example.com', type: 6 }] }), TO_CLIENT);
    expect(msg!.flags).toEqual({ qr: true, aa: true, tc: true, rd: true, ra: true, z: false, ad: true, cd: true });
    expect(msg!.opcodeName).toBe('UPDATE');
    expect(msg!.rcodeName).toBe('NXDOMAIN');
  });

  it('names the root, unknown types and classes', () => {
    const { msg } = parseOne(buildMessage({ questions: [{ name: '.', type: 65280, class: 3 }] }));
    expect(msg!.questions).toEqual([{ name: '.', type: 65280, typeName: 'TYPE65280', class: 3 }]);
  });

  it('follows compression pointers', () => {
    // www.example.com at 12; answer owner: pointer to 12; CNAME target: "cdn" + pointer to example.com (16).
    const bytes = buildMessage({
      flags: 0x8180,
      questions: [{ name: 'www.example.com', type: 1 }],
      answers: [rr([0xc0, 12], 5, [3, ...Buffer.from('cdn'), 0xc0, 16]), rr([0xc0, 12], 1, [10, 0, 0, 1])],
    });
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT);
    expect(own(anomalies)).toEqual([]);
    expect(msg!.answers.map((a) => [a.name, a.rdata])).toEqual([
      ['www.example.com', { kind: 'name', name: 'cdn.example.com' }],
      ['www.example.com', { kind: 'address', address: '10.0.0.1' }],
    ]);
  });

  it('escapes dots and backslashes in labels, control and non-UTF-8 bytes; keeps UTF-8', () => {
    const owner = [3, 0x61, 0x2e, 0x62, 2, 0x5c, 0x01, 2, 0xff, 0x41, 5, ...Buffer.from('héé'), 0];
    const { msg } = parseOne(buildMessage({ flags: 0x8180, answers: [rr(owner, 1, [1, 2, 3, 4])] }), TO_CLIENT);
    expect(msg!.answers[0]!.name).toBe('a\\.b.\\\\\\001.\\255A.héé');
  });
});

describe('RDATA by type', () => {
  it('A and AAAA', () => {
    expect(rdataOf(1, [192, 0, 2, 7]).rdata).toEqual({ kind: 'address', address: '192.0.2.7' });
    expect(rdataOf(28, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).rdata).toEqual({
      kind: 'address',
      address: '2001:db8::1',
    });
    expect(rdataOf(28, [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).rdata).toEqual({ kind: 'address', address: '1:0:1::1' });
  });

  it('CNAME, NS, PTR, MX', () => {
    expect(rdataOf(5, encodeName('a.example')).rdata).toEqual({ kind: 'name', name: 'a.example' });
    expect(rdataOf(2, encodeName('ns.example')).rdata).toEqual({ kind: 'name', name: 'ns.example' });
    expect(rdataOf(12, encodeName('host.example')).rdata).toEqual({ kind: 'name', name: 'host.example' });
    expect(rdataOf(15, [0, 10, ...encodeName('mx.example')]).rdata).toEqual({
      kind: 'mx',
      preference: 10,
      exchange: 'mx.example',
    });
  });

  it('TXT: several strings, an empty one, escapes', () => {
    expect(rdataOf(16, [2, 0x68, 0x69, 0, 3, 0x61, 0x5c, 0x07]).rdata).toEqual({
      kind: 'txt',
      strings: ['hi', '', 'a\\\\\\007'],
    });
  });

  it('SOA and SRV', () => {
    const soa = [
      ...encodeName('ns1.example'),
      ...encodeName('admin.example'),
      ...u32be(2024010101),
      ...u32be(7200),
      ...u32be(3600),
      ...u32be(1209600),
      ...u32be(300),
    ];
    expect(rdataOf(6, soa).rdata).toEqual({
      kind: 'soa',
      mname: 'ns1.example',
      rname: 'admin.example',
      serial: 2024010101,
      refresh: 7200,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    });
    expect(rdataOf(33, [0, 1, 0, 2, 0x13, 0xc4, ...encodeName('sip.example')]).rdata).toEqual({
      kind: 'srv',
      priority: 1,
      weight: 2,
      port: 5060,
      target: 'sip.example',
    });
  });

  it('CAA', () => {
    expect(rdataOf(257, [128, 5, ...Buffer.from('issue'), ...Buffer.from('ca.example')]).rdata).toEqual({
      kind: 'caa',
      flags: 128,
      critical: true,
      tag: 'issue',
      value: 'ca.example',
    });
  });

  it('HTTPS/SVCB with every SvcParam', () => {
    const params = [
      ...u16be(0),
      ...u16be(4),
      ...u16be(1),
      ...u16be(3), // mandatory: alpn, port
      ...u16be(1),
      ...u16be(6),
      2,
      ...Buffer.from('h2'),
      2,
      ...Buffer.from('h3'), // alpn
      ...u16be(2),
      ...u16be(0), // no-default-alpn
      ...u16be(3),
      ...u16be(2),
      ...u16be(8443), // port
      ...u16be(4),
      ...u16be(8),
      192,
      0,
      2,
      1,
      192,
      0,
      2,
      2, // ipv4hint
      ...u16be(5),
      ...u16be(3),
      1,
      2,
      3, // ech
      ...u16be(6),
      ...u16be(16),
      0x20,
      0x01,
      0x0d,
      0xb8,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      2, // ipv6hint
      ...u16be(9),
      ...u16be(1),
      0xaa, // unknown key
    ];
    const { rdata, anomalies } = rdataOf(65, [0, 1, ...encodeName('svc.example'), ...params]);
    expect(own(anomalies)).toEqual([]);
    expect(rdata).toEqual({
      kind: 'svcb',
      priority: 1,
      target: 'svc.example',
      params: [
        { key: 0, name: 'mandatory', value: ['alpn', 'port'] },
        { key: 1, name: 'alpn', value: ['h2', 'h3'] },
        { key: 2, name: 'no-default-alpn', value: true },
        { key: 3, name: 'port', value: 8443 },
        { key: 4, name: 'ipv4hint', value: ['192.0.2.1', '192.0.2.2'] },
        { key: 5, name: 'ech', value: 'AQID' },
        { key: 6, name: 'ipv6hint', value: ['2001:db8::2'] },
        { key: 9, name: 'key9', value: 'aa' },
      ],
    });
    expect(rdataOf(64, [0, 0, ...encodeName('alias.example')]).rdata).toEqual({
      kind: 'svcb',
      priority: 0,
      target: 'alias.example',
      params: [],
    });
  });

  it('SvcParams out of order, repeated or malformed: dns.svcb_bad_params', () => {
    const port = [...u16be(3), ...u16be(2), ...u16be(443)];
    expect(rdataOf(65, [0, 1, 0, ...port, ...port]).anomalies).toEqual(['dns.svcb_bad_params']);
    const r = rdataOf(65, [0, 1, 0, ...u16be(3), ...u16be(1), 7]);
    expect(r.anomalies).toEqual(['dns.svcb_bad_params']);
    expect(r.rdata).toMatchObject({ params: [{ key: 3, value: '07' }] });
    expect(rdataOf(65, [0, 1, 0, ...u16be(1), ...u16be(9), 1]).anomalies).toEqual(['dns.svcb_bad_params']);
  });

  it('DS, DNSKEY (with its key tag), RRSIG', () => {
    expect(rdataOf(43, [...u16be(60485), 5, 1, 0x2b, 0xb1]).rdata).toEqual({
      kind: 'ds',
      keyTag: 60485,
      algorithm: 5,
      digestType: 1,
      digest: '2bb1',
    });
    // RFC 4034 Appendix B over 01 00 03 08 01 02 03: 0x0100 + 0x0308 + 0x0102 + 0x0300 = 0x080a.
    expect(rdataOf(48, [1, 0, 3, 8, 1, 2, 3]).rdata).toEqual({
      kind: 'dnskey',
      flags: 256,
      zoneKey: true,
      secureEntryPoint: false,
      protocol: 3,
      algorithm: 8,
      keyTag: 0x080a,
      publicKey: 'AQID',
    });
    const rrsig = [
      ...u16be(1),
      8,
      2,
      ...u32be(3600),
      ...u32be(1700000000),
      ...u32be(1690000000),
      ...u16be(12345),
      ...encodeName('example.com'),
      0xff,
      0xfe,
    ];
    expect(rdataOf(46, rrsig).rdata).toEqual({
      kind: 'rrsig',
      typeCovered: 1,
      typeCoveredName: 'A',
      algorithm: 8,
      labels: 2,
      originalTtl: 3600,
      expiration: 1700000000,
      inception: 1690000000,
      keyTag: 12345,
      signerName: 'example.com',
      signature: '//4=',
    });
  });

  it('SSHFP', () => {
    expect(rdataOf(44, [4, 2, 0xde, 0xad, 0xbe]).rdata).toEqual({
      kind: 'sshfp',
      algorithm: 4,
      fingerprintType: 2,
      fingerprint: 'deadbe',
    });
  });

  it('NULL and unknown types as hex', () => {
    expect(rdataOf(10, [0, 1, 0xfe]).rdata).toEqual({ kind: 'raw', data: '0001fe' });
    expect(rdataOf(65280, []).rdata).toEqual({ kind: 'raw', data: '' });
  });

  it('RDATA that does not fit its type: dns.rdata_length_mismatch, kept as hex', () => {
    for (const [type, data] of [
      [1, [1, 2, 3]],
      [28, [1, 2, 3, 4]],
      [5, [3, 0x61, 0x62, 0x63, 0, 9]],
      [15, [0, 1]],
      [16, [5, 0x61]],
      [6, [0, 0, 1, 2]],
      [33, [0, 1, 0, 2]],
      [257, [0, 0]],
      [43, [1, 2]],
      [44, [1]],
      [48, [1]],
      [46, [1, 2, 3]],
      [65, [0]],
    ] as [number, number[]][]) {
      const r = rdataOf(type, data);
      expect(r.anomalies, `type ${type}`).toEqual(['dns.rdata_length_mismatch']);
      expect(r.rdata, `type ${type}`).toEqual({ kind: 'raw', data: Buffer.from(data).toString('hex') });
    }
  });
});

describe('EDNS(0)', () => {
  const opt = (options: number[], ttl = 0, size = 1232) => rr('.', 41, options, ttl, size);

  it('UDP size, extended rcode, version, DO bit and options', () => {
    const ecs = [...u16be(8), ...u16be(7), ...u16be(1), 24, 0, 198, 51, 100];
    const cookie = [...u16be(10), ...u16be(16), ...new Array(16).fill(0x11)];
    const nsid = [...u16be(3), ...u16be(3), ...Buffer.from('ns1')];
    const ede = [...u16be(15), ...u16be(5), ...u16be(18), ...Buffer.from('bad')];
    const keepalive = [...u16be(11), ...u16be(2), ...u16be(300)];
    const padding = [...u16be(12), ...u16be(2), 0, 0];
    // Extended rcode 1 over header rcode 0 = 16 (BADVERS); version 0; DO.
    const bytes = response('example.com', 1, [], 1, 0x8180, {
      additionals: [opt([...ecs, ...cookie, ...nsid, ...ede, ...keepalive, ...padding], (1 << 24) | 0x8000, 4096)],
    });
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT);
    expect(own(anomalies)).toEqual([]);
    expect(msg!.rcode).toBe(16);
    expect(msg!.rcodeName).toBe('BADVERS');
    expect(msg!.edns).toEqual({
      udpPayloadSize: 4096,
      extendedRcode: 1,
      version: 0,
      dnssecOk: true,
      flags: 0x8000,
      options: [
        {
          code: 8,
          name: 'ECS',
          data: '00011800c63364',
          ecs: { family: 1, sourcePrefix: 24, scopePrefix: 0, address: '198.51.100.0' },
        },
        { code: 10, name: 'COOKIE', data: '11'.repeat(16), cookie: { client: '11'.repeat(8), server: '11'.repeat(8) } },
        { code: 3, name: 'NSID', data: '6e7331', nsid: 'ns1' },
        { code: 15, name: 'EDE', data: '0012626164', ede: { infoCode: 18, text: 'bad' } },
        { code: 11, name: 'TCP_KEEPALIVE', data: '012c', keepalive: { timeout: 300 } },
        { code: 12, name: 'PADDING', data: '0000' },
      ],
    });
    expect(msg!.additionals[0]!.rdata).toEqual({ kind: 'opt', edns: msg!.edns });
  });

  it('an option running past the RDATA, a malformed ECS or cookie: dns.edns_bad_option', () => {
    const ecsHostBits = [...u16be(8), ...u16be(7), ...u16be(1), 20, 0, 198, 51, 0x6f]; // a /20 with bits set past the prefix
    for (const o of [
      [...u16be(10), ...u16be(9), 1],
      [...u16be(8), ...u16be(4), ...u16be(3), 0, 0],
      [...u16be(10), ...u16be(3), 1, 2, 3],
      ecsHostBits,
    ]) {
      const { anomalies, msg } = parseOne(buildMessage({ questions: [{ name: 'a.example', type: 1 }], additionals: [opt(o)] }));
      expect(own(anomalies)).toEqual(['dns.edns_bad_option']);
      expect(msg!.edns).not.toBeNull();
    }
  });

  it('two OPT RRs, an OPT outside the additional section or not owned by the root', () => {
    expect(parseOne(buildMessage({ questions: [{ name: 'a', type: 1 }], additionals: [opt([]), opt([])] })).anomalies).toEqual([
      'dns.opt_multiple',
    ]);
    expect(own(parseOne(buildMessage({ flags: 0x8180, answers: [opt([])] }), TO_CLIENT).anomalies)).toEqual([
      'dns.opt_malformed',
    ]);
    expect(
      parseOne(
        buildMessage({
          questions: [{ name: 'a', type: 1 }],
          additionals: [{ name: 'x', type: 41, class: 512, ttl: 0, rdata: [] }],
        }),
      ).anomalies,
    ).toEqual(['dns.opt_malformed']);
  });
});

describe('message anomalies', () => {
  it('dns.malformed_header: no record', () => {
    const { msg, anomalies } = parseOne(Uint8Array.from([1, 2, 3]));
    expect(msg).toBeUndefined();
    expect(own(anomalies)).toEqual(['dns.malformed_header']);
  });

  it('dns.counts_beyond_data: the entries before are kept', () => {
    const bytes = buildMessage({
      flags: 0x8180,
      questions: [{ name: 'a.example', type: 1 }],
      answers: [rr('a.example', 1, [1, 2, 3, 4])],
      counts: [1, 3, 0, 0],
    });
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT);
    expect(own(anomalies)).toEqual(['dns.counts_beyond_data']);
    expect(msg!.answers).toHaveLength(1);
    expect(msg!.malformed).toBe(true);
    expect(parseOne(buildMessage({ counts: [2, 0, 0, 0], questions: [{ name: 'a', type: 1 }] })).anomalies).toEqual([
      'dns.multiple_questions',
      'dns.counts_beyond_data',
    ]);
  });

  it('dns.rdata_beyond_data: a lying RDLENGTH keeps the bytes present', () => {
    const bytes = buildMessage({ flags: 0x8180, questions: [{ name: 'a', type: 1 }], answers: [rr('a', 1, [1, 2, 3, 4])] });
    bytes[bytes.length - 5] = 9; // RDLENGTH 4 → 9
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT);
    expect(own(anomalies)).toEqual(['dns.rdata_beyond_data']);
    expect(msg!.answers[0]!.rdata).toEqual({ kind: 'raw', data: '01020304' });
  });

  it('dns.name_too_long: the first 255 bytes, marked truncated, the message still read', () => {
    const long = Array.from({ length: 5 }, (_, i) => String(i).repeat(60)).join('.');
    const bytes = buildMessage({
      flags: 0x8180,
      questions: [{ name: long, type: 1 }],
      answers: [rr('ok.example', 1, [1, 1, 1, 1])],
    });
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT);
    expect(own(anomalies)).toEqual(['dns.name_too_long']);
    expect(msg!.questions[0]!.nameTruncated).toBe(true);
    expect(msg!.questions[0]!.name).toBe(long.split('.').slice(0, 4).join('.'));
    expect(msg!.answers[0]!.name).toBe('ok.example');
  });

  it('dns.name_bad_label: a label length byte 0x40-0xbf (a label over 63 bytes) stops the message', () => {
    const bytes = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64, ...new Array(64).fill(0x61), 0, 0, 1, 0, 1]);
    const { msg, anomalies } = parseOne(bytes);
    expect(own(anomalies)).toEqual(['dns.name_bad_label']);
    expect(msg!.questions).toEqual([]);
    expect(msg!.malformed).toBe(true);
  });

  it('dns.name_pointer_loop, dns.name_forward_pointer: bounded, the name kept truncated', () => {
    // Answer owner at 12: "a" then a pointer to 12 itself.
    const bytes = buildMessage({ flags: 0x8180, answers: [rr([1, 0x61, 0xc0, 12], 1, [1, 2, 3, 4])] });
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT);
    expect(own(anomalies)).toEqual(['dns.name_pointer_loop']);
    expect(msg!.answers[0]).toMatchObject({ name: 'a.a', nameTruncated: true, rdata: { kind: 'address', address: '1.2.3.4' } });
    // A pointer to its own offset: forward (to itself) and then a loop.
    const self = buildMessage({ flags: 0x8180, answers: [rr([0xc0, 12], 1, [1, 2, 3, 4])] });
    expect(own(parseOne(self, TO_CLIENT).anomalies)).toEqual(['dns.name_forward_pointer', 'dns.name_pointer_loop']);
    // A pointer to a later name that ends normally.
    const fwd = buildMessage({ flags: 0x8180, answers: [rr([0xc0, 14], 1, [1, 2, 3, 4])] });
    // Offset 14 is the TYPE field (00 01), i.e. a 0-length label... read as the root: a forward pointer only.
    const f = parseOne(fwd, TO_CLIENT);
    expect(own(f.anomalies)).toEqual(['dns.name_forward_pointer']);
    expect(f.msg!.answers[0]!.name).toBe('.');
  });

  it('dns.name_bad_pointer: into the header or past the message', () => {
    expect(
      own(parseOne(buildMessage({ flags: 0x8180, answers: [rr([0xc0, 3], 1, [1, 2, 3, 4])] }), TO_CLIENT).anomalies),
    ).toEqual(['dns.name_bad_pointer']);
    expect(
      own(parseOne(buildMessage({ flags: 0x8180, answers: [rr([0xc1, 0], 1, [1, 2, 3, 4])] }), TO_CLIENT).anomalies),
    ).toEqual(['dns.name_bad_pointer']);
  });

  it('dns.name_too_many_pointers: more jumps than maxCompressionJumps', () => {
    // Six answers whose owners each point to the previous one: the last name takes six jumps.
    const chain = pointerChain(6);
    expect(own(parseOne(chain, TO_CLIENT, { maxCompressionJumps: 6 }).anomalies)).toEqual([]);
    const r = parseOne(chain, TO_CLIENT, { maxCompressionJumps: 3 });
    expect(own(r.anomalies)).toEqual(['dns.name_too_many_pointers']);
    expect(r.msg!.answers.at(-1)!.nameTruncated).toBe(true);
  });

  it('dns.name_truncated: the message ends inside a name', () => {
    const bytes = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x61, 0x62]);
    expect(parseOne(bytes).anomalies).toEqual(['dns.name_truncated']);
  });

  it('dns.z_flag_set, dns.invalid_opcode, dns.multiple_questions, dns.trailing_data', () => {
    expect(parseOne(query('a', 1, 1, 0x0140)).anomalies).toEqual(['dns.z_flag_set']);
    expect(parseOne(query('a', 1, 1, 3 << 11)).anomalies).toEqual(['dns.invalid_opcode']);
    expect(
      parseOne(
        buildMessage({
          questions: [
            { name: 'a', type: 1 },
            { name: 'b', type: 1 },
          ],
        }),
      ).anomalies,
    ).toEqual(['dns.multiple_questions']);
    const q = query('a');
    const t = new Uint8Array(q.length + 3);
    t.set(q);
    expect(parseOne(t).anomalies).toEqual(['dns.trailing_data']);
  });

  it('dns.too_many_records: the rest are read but not kept', () => {
    const answers = Array.from({ length: 5 }, (_, i) => rr('a', 1, [10, 0, 0, i]));
    const bytes = response('a', 1, answers, 1, 0x8180, { additionals: [rr('.', 41, [], 0, 1232)] });
    const { msg, anomalies } = parseOne(bytes, TO_CLIENT, { maxRecordsPerSection: 2 });
    expect(own(anomalies)).toEqual(['dns.too_many_records']);
    expect(msg!.answers.map((a) => a.rdata)).toEqual([
      { kind: 'address', address: '10.0.0.0' },
      { kind: 'address', address: '10.0.0.1' },
    ]);
    expect(msg!.edns).not.toBeNull();
  });
});

describe('mDNS and LLMNR specifics', () => {
  it('mDNS: QU and cache-flush bits come off the class; many questions are normal', () => {
    const bytes = buildMessage({
      flags: 0,
      questions: [
        { name: 'a.local', type: 255, class: 0x8001 },
        { name: 'b.local', type: 255, class: 1 },
      ],
      authorities: [rr('a.local', 1, [10, 0, 0, 1], 120, 0x8001)],
    });
    const { msg, anomalies } = parseOne(bytes, 0, {}, 'mdns');
    expect(own(anomalies)).toEqual([]);
    expect(msg!.questions[0]).toMatchObject({ class: 1, unicastResponse: true });
    expect(msg!.questions[1]).toMatchObject({ class: 1, unicastResponse: false });
    expect(msg!.authorities[0]).toMatchObject({ class: 1, cacheFlush: true });
  });

  it('LLMNR: the four reserved bits are its Z', () => {
    expect(parseOne(query('host', 1, 1, 0x0010), 0, {}, 'llmnr').anomalies).toEqual(['dns.z_flag_set']);
    expect(parseOne(query('host', 1, 1, 0x0010), 0, {}, 'dns').anomalies).toEqual([]);
  });
});

/** A response whose answer owners form a chain of `n` pointers: owner k is a label then a pointer to owner k-1. */
function pointerChain(n: number): Uint8Array {
  const out: number[] = [0, 1, 0x81, 0x80, 0, 0, 0, n + 1, 0, 0, 0, 0];
  const rec = (owner: number[]) => out.push(...owner, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4);
  let prev = out.length;
  rec([1, 0x61, 0]);
  for (let i = 0; i < n; i++) {
    const here = out.length;
    rec([1, 0x62 + i, 0xc0 | (prev >> 8), prev & 0xff]);
    prev = here;
  }
  return Uint8Array.from(out);
}
