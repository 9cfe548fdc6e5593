/**
 * The TLS module on hand-built connections: what the `tls` record holds for each kind of handshake, and
 * one case per anomaly of TLS_ANOMALIES (the table test at the end checks every name is raised somewhere).
 */
import { describe, expect, it } from 'vitest';
import { TLS_ANOMALIES } from '../../../src/protocols/tls/index.js';
import {
  alpnExt,
  ascii,
  CCS,
  certificateBody,
  clientHelloBody,
  clientHelloRecord,
  concat,
  data,
  der,
  end,
  ext,
  gap,
  handshake,
  names,
  record,
  run,
  serverHelloBody,
  serverHelloRecord,
  SERVER_HELLO_DONE,
  sniExt,
  type StreamStep,
  tls12Flow,
  u16,
  u16List,
  u24,
  vec,
} from './helpers.js';

const LEAF_EC = der('leaf-ec');
const LEAF_RSA = der('leaf-rsa');
const CA_RSA = der('ca-rsa');

const CH_EXTS = [
  sniExt('www.example.com'),
  ext(0x0017),
  ext(0xff01, [0]),
  ext(0x000a, vec(2, u16List([0x001d, 0x0017]))),
  ext(0x000b, vec(1, [0])),
  ext(0x0023),
  alpnExt(['h2', 'http/1.1']),
  ext(0x0005, [1, 0, 0, 0, 0]),
  ext(0x000d, vec(2, u16List([0x0403, 0x0804]))),
  ext(0x000f, [1]),
  ext(0x0016),
  ext(0x001c, u16(0x4001)),
  ext(0x0015, Array(7).fill(0)),
];
const SH_EXTS = [ext(0xff01, [0]), ext(0x0017), alpnExt(['h2']), ext(0x000b, vec(1, [0]))];

/** TLS 1.3 ClientHello extensions (Firefox-like). */
const CH13_EXTS = [
  sniExt('tls13.example'),
  alpnExt(['h2']),
  ext(0x000a, vec(2, u16List([0x001d]))),
  ext(0x000d, vec(2, u16List([0x0403]))),
  ext(0x0033, vec(2, [...u16(0x001d), ...vec(2, Array(32).fill(7))])),
  ext(0x002b, vec(1, u16List([0x0304, 0x0303]))),
  ext(0x002d, vec(1, [1])),
];
const sh13 = (extra: Uint8Array[] = [], cipher = 0x1301): Uint8Array =>
  serverHelloRecord({
    cipher,
    sessionId: Array(32).fill(3),
    extensions: [ext(0x002b, u16(0x0304)), ext(0x0033, [...u16(0x001d), ...vec(2, Array(32).fill(8))]), ...extra],
  });
const ch13 = (extra: Uint8Array[] = []): Uint8Array =>
  clientHelloRecord({ ciphers: [0x1301, 0x1302], sessionId: Array(32).fill(3), extensions: [...CH13_EXTS, ...extra] });

describe('TLS 1.2 full handshake', () => {
  const r = run(tls12Flow({ extensions: CH_EXTS }, { extensions: SH_EXTS }, [LEAF_EC, CA_RSA]));
  const rec = r.records[0]!;

  it('writes one record when both sides switched to encryption, then stops', () => {
    expect(r.types).toEqual(['tls']);
    expect(rec.state).toBe('encrypted');
    expect(r.stops).toEqual(['encrypted']);
    expect(names(r)).toEqual([]);
  });

  it('has version, SNI, ALPN offered and chosen, cipher suite', () => {
    expect(rec.version).toBe(0x0303);
    expect(rec.sni).toBe('www.example.com');
    expect(rec.clientAlpns).toEqual(['h2', 'http/1.1']);
    expect(rec.serverAlpn).toBe('h2');
    expect(rec.cipherSuite).toBe(0xc02f);
  });

  it('decodes every listed client extension', () => {
    const ch = rec.clientHello!;
    expect(ch.extensions.map((e) => e.type)).toEqual([0, 23, 0xff01, 10, 11, 35, 16, 5, 13, 15, 22, 28, 21]);
    expect(ch.extensions[0]).toEqual({ type: 0, length: 20 });
    expect(ch.supportedGroups).toEqual([29, 23]);
    expect(ch.ecPointFormats).toEqual([0]);
    expect(ch.signatureAlgorithms).toEqual([0x0403, 0x0804]);
    expect(ch.statusRequest).toBe(true);
    expect(ch.secureRenegotiation).toBe(true);
    expect(ch.sessionTicketLength).toBe(0);
    expect(ch.heartbeatMode).toBe(1);
    expect(ch.encryptThenMac).toBe(true);
    expect(ch.extendedMasterSecret).toBe(true);
    expect(ch.recordSizeLimit).toBe(0x4001);
    expect(ch.paddingLength).toBe(7);
    expect(ch.grease).toBe(false);
  });

  it('decodes the server certificate chain, leaf first', () => {
    expect(rec.certificates).toHaveLength(2);
    const leaf = rec.certificates[0]!;
    expect(leaf.subject).toBe('C=DE, ST=Berlin, O=Netsieve Test, OU=DPI + CN=test.example, Email=a@b.example');
    expect(leaf.issuer).toBe(leaf.subject);
    expect(leaf.selfIssued).toBe(true);
    expect(leaf.serial).toBe('00:A1:B2:C3:D4:E5:F6:07:18');
    expect(leaf.notBefore).toBe('2026-11-26T13:28:01Z');
    expect(leaf.notAfter).toBe('2036-11-23T13:28:01Z');
    expect(leaf.fingerprint).toBe('14:60:67:b5:ba:e8:ba:4c:4a:d1:9e:ea:15:1f:85:d1:4a:2b:18:a6');
    expect(leaf.sanDns).toEqual(['test.example', '*.test.example']);
    expect(leaf.sanIps).toEqual(['192.0.2.7', '2001:db8::1']);
    expect(leaf.version).toBe(3);
    expect(leaf.error).toBeNull();
    expect(leaf.der).toBeUndefined();
    expect(rec.certificates[1]!.subject).toBe('CN=Netsieve Test CA, O=Netsieve');
  });

  it('fingerprints the hellos', () => {
    expect(rec.ja3!.string).toBe('771,49199-49200-158,0-23-65281-10-11-35-16-5-13-15-22-28-21,29-23,0');
    expect(rec.ja3s!.string).toBe('771,49199,65281-23-16-11');
    expect(rec.ja4).toMatch(/^t12d0313h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });

  it('keeps DER copies on request', () => {
    const k = run(tls12Flow({ extensions: CH_EXTS }, { extensions: SH_EXTS }, [LEAF_RSA]), { keepCertificateDer: true });
    expect(Buffer.from(k.records[0]!.certificates[0]!.der!).equals(Buffer.from(LEAF_RSA))).toBe(true);
    expect(k.records[0]!.certificates[0]!.fingerprint).toBe('d6:3d:9c:fe:89:73:b1:fb:83:4f:31:b1:c5:d3:5c:96:b3:db:f8:45');
    expect(k.records[0]!.certificates[0]!.issuer).toBe('CN=Netsieve Test CA, O=Netsieve');
  });
});

describe('handshake shapes', () => {
  it('TLS 1.3: encrypted at the ServerHello, version from supported_versions', () => {
    const r = run([data(0, ch13()), data(1, sh13(), CCS, record(23, Array(500).fill(1))), end(0), end(1)]);
    const rec = r.records[0]!;
    expect(rec.state).toBe('encrypted');
    expect(rec.version).toBe(0x0304);
    expect(rec.serverHello!.selectedVersion).toBe(0x0304);
    expect(rec.serverHello!.keyShareGroup).toBe(0x001d);
    expect(rec.clientHello!.keyShareGroups).toEqual([0x001d]);
    expect(rec.clientHello!.pskKeyExchangeModes).toEqual([1]);
    expect(rec.clientHello!.supportedVersions).toEqual([0x0304, 0x0303]);
    expect(rec.certificates).toEqual([]);
    expect(rec.ja4!.startsWith('t13d0207h2_')).toBe(true);
    expect(r.stops).toEqual(['encrypted']);
  });

  it('HelloRetryRequest: waits for the second ClientHello and the real ServerHello', () => {
    const hrrRandom = [...Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex')];
    const hrr = serverHelloRecord({
      random: hrrRandom,
      cipher: 0x1301,
      sessionId: Array(32).fill(3),
      extensions: [ext(0x002b, u16(0x0304)), ext(0x0033, u16(0x0017))],
    });
    const r = run([data(0, ch13()), data(1, hrr, CCS), data(0, CCS, ch13()), data(1, sh13()), end(0), end(1)]);
    expect(names(r)).toEqual([]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.helloRetryRequest).toBe(true);
    expect(r.records[0]!.serverHello!.helloRetryRequest).toBe(false);
    expect(r.records[0]!.state).toBe('encrypted');
  });

  it('TLS 1.3 resumption: PSK accepted', () => {
    const psk = ext(0x0029, concat(vec(2, concat(vec(2, [1, 2, 3]), [0, 0, 0, 1])), vec(2, vec(1, Array(32).fill(5)))));
    const r = run([data(0, ch13([ext(0x002a), psk])), data(1, sh13([ext(0x0029, u16(0))])), end(0), end(1)]);
    expect(r.records[0]!.resumption).toEqual({
      sessionIdOffered: true,
      ticketOffered: false,
      pskOffered: true,
      earlyData: true,
      resumed: true,
    });
  });

  it('TLS 1.2 abbreviated handshake: resumed', () => {
    const sid = Array(32).fill(0x42);
    const r = run([
      data(0, clientHelloRecord({ sessionId: sid, extensions: [ext(0x0023, Array(100).fill(1))] })),
      data(1, serverHelloRecord({ sessionId: sid }), CCS, record(22, Array(40).fill(1))),
      data(0, CCS, record(22, Array(40).fill(1))),
    ]);
    expect(r.records[0]!.resumption.resumed).toBe(true);
    expect(r.records[0]!.resumption.ticketOffered).toBe(true);
    expect(r.records[0]!.state).toBe('encrypted');
  });

  it('several handshake messages per record and one message over several records', () => {
    const body = handshake(1, clientHelloBody({ extensions: CH_EXTS }));
    const recs = concat(record(22, body.subarray(0, 3)), record(22, body.subarray(3, 50)), record(22, body.subarray(50)));
    const r = run([
      data(0, recs),
      data(
        1,
        record(
          22,
          concat(
            handshake(2, serverHelloBody({ extensions: SH_EXTS })),
            handshake(11, certificateBody([LEAF_EC])),
            handshake(14, []),
          ),
        ),
      ),
      end(0),
      end(1),
    ]);
    // Legal, parsed in full, and flagged: a ClientHello that fits one record has no reason to be split.
    expect(names(r)).toEqual(['tls.client_hello_fragmented']);
    expect(r.records[0]!.sni).toBe('www.example.com');
    expect(r.records[0]!.certificates).toHaveLength(1);
    expect(r.records[0]!.state).toBe('incomplete');
  });

  it('a fatal alert ends the handshake: failed', () => {
    const r = run([data(0, clientHelloRecord()), data(1, record(21, [2, 40])), end(0), end(1)]);
    expect(r.records[0]!.state).toBe('failed');
    expect(r.records[0]!.alerts).toEqual([{ direction: 1, level: 2, description: 40 }]);
    expect(r.stops).toEqual(['alert']);
  });

  it('client certificate, CertificateRequest, CertificateStatus and NewSessionTicket', () => {
    const r = run([
      data(0, clientHelloRecord({ extensions: [ext(0x0005, [1, 0, 0, 0, 0])] })),
      data(
        1,
        record(
          22,
          concat(
            handshake(2, serverHelloBody({ extensions: [ext(0x0005)] })),
            handshake(11, certificateBody([LEAF_RSA])),
            handshake(22, [1, ...u24(3), 1, 2, 3]),
            handshake(13, [1, 1, 0, 0]),
            handshake(14, []),
          ),
        ),
      ),
      data(0, record(22, concat(handshake(11, certificateBody([LEAF_EC])), handshake(16, vec(1, [4, 4])))), CCS),
      data(1, record(22, handshake(4, Array(10).fill(0))), CCS),
    ]);
    const rec = r.records[0]!;
    expect(names(r)).toEqual([]);
    expect(rec.certificateRequested).toBe(true);
    expect(rec.ocspStapled).toBe(true);
    expect(rec.sessionTicketIssued).toBe(true);
    expect(rec.clientCertificates[0]!.subject).toContain('CN=test.example');
    expect(rec.certificates[0]!.subject).toBe('CN=leaf.example');
  });

  it('SSLv2 CLIENT-HELLO and SERVER-HELLO', () => {
    const specs = [0x01, 0x00, 0x80, 0x07, 0x00, 0xc0];
    const challenge = Array(16).fill(0xab);
    const chBody = [1, ...u16(0x0002), ...u16(specs.length), ...u16(0), ...u16(16), ...specs, ...challenge];
    const shBody = [
      4,
      0,
      1,
      ...u16(0x0002),
      ...u16(LEAF_RSA.length),
      ...u16(3),
      ...u16(16),
      ...LEAF_RSA,
      0x01,
      0x00,
      0x80,
      ...Array(16).fill(1),
    ];
    const v2 = (b: number[]): Uint8Array => concat([0x80 | (b.length >> 8), b.length & 0xff], b);
    const r = run([data(0, v2(chBody)), data(1, v2(shBody))]);
    expect(names(r)).toEqual(['tls.sslv2', 'tls.sslv2']);
    const rec = r.records[0]!;
    expect(rec.version).toBe(0x0200);
    expect(rec.sslv2).toBe(true);
    expect(rec.clientHello!.cipherSuites).toEqual([0x010080, 0x0700c0]);
    expect(rec.certificates[0]!.subject).toBe('CN=leaf.example');
    expect(rec.ja3).toBeNull();
    expect(rec.state).toBe('encrypted');
  });

  it('SSLv2-compatible ClientHello offering TLS 1.0', () => {
    const specs = [0x00, 0x00, 0x2f, 0x00, 0x00, 0xff];
    const body = [1, ...u16(0x0301), ...u16(specs.length), ...u16(0), ...u16(32), ...specs, ...Array(32).fill(0xcd)];
    const r = run([
      data(0, concat([0x80, body.length], body)),
      data(1, serverHelloRecord({ version: 0x0301, cipher: 0x002f })),
      end(0),
      end(1),
    ]);
    expect(names(r)).toEqual(['tls.sslv2_client_hello']);
    expect(r.records[0]!.clientHello!.sslv2Format).toBe(true);
    expect(r.records[0]!.clientHello!.secureRenegotiation).toBe(true);
    expect(r.records[0]!.version).toBe(0x0301);
  });

  it('SSLv3 negotiated', () => {
    const r = run([
      data(0, clientHelloRecord({ version: 0x0300 }, 0x0300)),
      data(1, serverHelloRecord({ version: 0x0300 })),
      end(0),
      end(1),
    ]);
    expect(names(r)).toEqual(['tls.sslv3', 'tls.sslv3']);
    expect(r.records[0]!.sslv3).toBe(true);
  });

  it('cleartext heartbeat request larger than its record: the Heartbleed shape', () => {
    const hbExt = [ext(0x000f, [1])];
    const r = run([
      data(0, clientHelloRecord({ extensions: hbExt })),
      data(1, record(22, concat(handshake(2, serverHelloBody({ extensions: hbExt })), handshake(14, [])))),
      data(0, record(24, [1, 0x40, 0x00, 1, 2, 3])),
      end(0),
      end(1),
    ]);
    expect(names(r)).toEqual(['tls.heartbeat_request', 'tls.heartbeat_length_mismatch']);
    expect(r.records[0]!.heartbeat).toEqual({ requests: 1, responses: 0, lengthMismatch: true, oversizedResponse: false });
  });

  it('afterHandshake track: an encrypted heartbeat answered by a longer response', () => {
    const hbExt = [ext(0x000f, [1])];
    const r = run(
      [
        data(0, clientHelloRecord({ extensions: hbExt })),
        data(1, record(22, concat(handshake(2, serverHelloBody({ extensions: hbExt })), handshake(14, [])))),
        data(0, CCS, record(22, Array(40).fill(1))),
        data(1, CCS, record(22, Array(40).fill(1))),
        data(0, record(24, Array(40).fill(9))),
        data(1, record(24, Array(16000).fill(9))),
        end(0),
        end(1),
      ],
      { afterHandshake: 'track' },
    );
    expect(r.records).toHaveLength(1);
    expect(r.stops).toEqual([]);
    expect(names(r)).toEqual(['tls.heartbeat_request', 'tls.heartbeat_response', 'tls.heartbeat_response_oversized']);
  });

  it('afterHandshake track: each client renegotiation under encryption raises tls.renegotiation once', () => {
    const enc = (n: number) => record(22, Array(n).fill(7));
    const encCcs = record(20, Array(25).fill(3));
    const steps: StreamStep[] = [
      data(0, clientHelloRecord()),
      data(1, record(22, concat(handshake(2, serverHelloBody()), handshake(14, [])))),
      data(0, CCS, enc(40)),
      data(1, CCS, enc(40)),
    ];
    // Three renegotiations: ClientHello, the server's flight, ClientKeyExchange, ChangeCipherSpec, Finished.
    for (let i = 0; i < 3; i++)
      steps.push(data(0, enc(300)), data(1, enc(3000)), data(0, enc(120)), data(0, encCcs, enc(40)), data(1, encCcs, enc(40)));
    steps.push(data(0, record(23, Array(100).fill(1))), end(0), end(1));
    const r = run(steps, { afterHandshake: 'track' });
    expect(r.records).toHaveLength(1);
    expect(names(r)).toEqual(['tls.renegotiation', 'tls.renegotiation', 'tls.renegotiation']);
  });

  it('afterHandshake track: the Finished records and an abbreviated handshake are no renegotiation', () => {
    const r = run(
      [
        data(0, clientHelloRecord()),
        data(1, serverHelloRecord(), CCS, record(22, Array(40).fill(1))),
        data(0, CCS, record(22, Array(40).fill(1))),
        data(0, record(23, Array(100).fill(1))),
        data(1, record(23, Array(1000).fill(1))),
        end(0),
        end(1),
      ],
      { afterHandshake: 'track' },
    );
    expect(names(r)).toEqual([]);
  });

  it('the flow ends before the handshake is done: incomplete', () => {
    const r = run([data(0, clientHelloRecord()), end(0), end(1)]);
    expect(r.records[0]!.state).toBe('incomplete');
    expect(r.records[0]!.version).toBe(0x0303);
    expect(r.records[0]!.serverHello).toBeNull();
  });
});

// ------------------------------------------------------------------ anomalies

const CH = clientHelloRecord();
const SH = serverHelloRecord();
const chWith = (exts: Uint8Array[], more: Parameters<typeof clientHelloBody>[0] = {}): StreamStep =>
  data(0, clientHelloRecord({ ...more, extensions: exts }));
const shWith = (exts: Uint8Array[], more: Parameters<typeof serverHelloBody>[0] = {}): StreamStep =>
  data(1, serverHelloRecord({ ...more, extensions: exts }));
const certRecord = (body: Uint8Array): StreamStep => data(1, record(22, handshake(11, body)));
/** A DER certificate with one byte changed. */
function mutated(derBytes: Uint8Array, at: number, value: number): Uint8Array {
  const c = derBytes.slice();
  c[at] = value;
  return c;
}
const sni = (nameBytes: number[], type = 0): Uint8Array => ext(0, vec(2, concat([type], vec(2, nameBytes))));

const CASES: [string, StreamStep[], Partial<import('../../../src/protocols/tls/options.js').TlsOptions>?][] = [
  ['tls.invalid_record_type', [data(0, CH), data(0, [0x33, 3, 3, 0, 1, 0])]],
  ['tls.invalid_record_version', [data(0, CH), data(0, record(22, handshake(1, clientHelloBody()), 0x0201))]],
  ['tls.invalid_record_length', [data(0, CH), data(1, [23, 3, 3, 0x50, 0x00])]],
  ['tls.invalid_change_cipher_spec', [data(0, CH), data(1, SH, record(20, [2]))]],
  ['tls.invalid_alert', [data(0, CH), data(1, record(21, [7, 40]))]],
  ['tls.application_data_before_handshake', [data(0, record(23, [1, 2, 3]))]],
  [
    'tls.handshake_too_large',
    [data(0, record(22, [1, ...u24(5000), ...Array(5000).fill(0)]))],
    { maxHandshakeMessageSize: 4096 },
  ],
  ['tls.handshake_invalid_length', [data(0, record(22, handshake(1, [3, 3, 1, 2])))]],
  ['tls.handshake_unknown_type', [data(0, CH), data(1, record(22, handshake(99, [1])))]],
  ['tls.handshake_wrong_direction', [data(0, record(22, handshake(2, serverHelloBody())))]],
  ['tls.handshake_out_of_order', [data(0, CH, CH)]],
  ['tls.handshake_interleaved', [data(0, record(22, [1, 0, 0, 60, 3, 3]), record(21, [1, 0]))]],
  [
    'tls.handshake_trailing_data',
    [data(0, record(22, handshake(1, concat(clientHelloBody({ extensions: [ext(23)] }), [0, 0]))))],
  ],
  ['tls.invalid_hello_version', [data(0, clientHelloRecord({ version: 0x0305 }))]],
  ['tls.session_id_too_long', [data(0, clientHelloRecord({ sessionId: Array(33).fill(1) }))]],
  ['tls.invalid_cipher_suites', [data(0, clientHelloRecord({ ciphers: [] }))]],
  ['tls.invalid_compression_methods', [data(0, clientHelloRecord({ compression: [1] }))]],
  [
    'tls.compression_negotiated',
    [data(0, clientHelloRecord({ compression: [1, 0] })), data(1, serverHelloRecord({ compression: 1 }))],
  ],
  ['tls.invalid_extensions_length', [chWith([concat(u16(23), u16(10))])]],
  ['tls.invalid_extension', [chWith([ext(10, [0, 5, 0, 29])])]],
  ['tls.duplicate_extension', [chWith([ext(23), ext(23)])]],
  [
    'tls.too_many_values',
    [data(0, clientHelloRecord({ ciphers: Array.from({ length: 50 }, (_, i) => i + 1) }))],
    { maxListLength: 10 },
  ],
  ['tls.sni_invalid_type', [chWith([sni(ascii('a.example'), 7)])]],
  ['tls.sni_invalid_length', [chWith([ext(0, [0, 9, 0, 0, 20])])]],
  [
    'tls.sni_multiple_names',
    [chWith([ext(0, vec(2, concat([0], vec(2, ascii('a.example')), [0], vec(2, ascii('b.example')))))])],
  ],
  ['tls.sni_invalid_characters', [chWith([sni(ascii('bad name.example'))])]],
  ['tls.sni_ip_literal', [chWith([sni(ascii('192.0.2.1'))])]],
  ['tls.sni_too_long', [chWith([sni(ascii(`${'a'.repeat(60)}.`.repeat(5)))])]],
  ['tls.alpn_invalid', [chWith([alpnExt(['h2', 'x'])]), shWith([alpnExt(['h2', 'x'])])]],
  ['tls.alpn_not_offered', [chWith([alpnExt(['h2'])]), shWith([alpnExt(['spdy/3'])])]],
  ['tls.version_not_offered', [data(0, clientHelloRecord({ version: 0x0301 })), data(1, serverHelloRecord({ version: 0x0303 }))]],
  ['tls.cipher_not_offered', [data(0, CH), data(1, serverHelloRecord({ cipher: 0x1234 }))]],
  ['tls.extension_not_offered', [data(0, CH), shWith([ext(23)])]],
  ['tls.grease_selected', [data(0, CH), data(1, serverHelloRecord({ cipher: 0x0a0a }))]],
  [
    'tls.downgrade_sentinel',
    [
      data(0, ch13()),
      data(1, serverHelloRecord({ cipher: 0xc02f, random: [...Array(24).fill(1), 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 1] })),
    ],
  ],
  ['tls.heartbeat_request', [data(0, CH), data(0, record(24, [1, 0, 1, 9, ...Array(16).fill(0)]))]],
  ['tls.heartbeat_response', [data(0, CH), data(1, SH, record(24, [2, 0, 1, 9, ...Array(16).fill(0)]))]],
  ['tls.heartbeat_length_mismatch', [data(0, CH), data(0, record(24, [1, 0xff, 0xff]))]],
  ['tls.heartbeat_invalid', [data(0, CH), data(0, record(24, [5]))]],
  ['tls.heartbeat_not_negotiated', [data(0, CH), data(0, record(24, [1, 0, 1, 9, ...Array(16).fill(0)]))]],
  [
    'tls.renegotiation',
    [
      data(0, CH),
      data(1, record(22, concat(handshake(2, serverHelloBody()), handshake(14, [])))),
      data(0, CCS, record(22, Array(40).fill(1))),
      data(1, CCS, record(22, Array(40).fill(1))),
      data(0, record(22, Array(300).fill(1))),
    ],
    { afterHandshake: 'track' },
  ],
  ['tls.invalid_sslv2_record', [data(0, [0x80, 0x05, 1, 0, 2, 0, 3])]],
  ['tls.certificate_invalid_length', [data(0, CH), data(1, SH), certRecord(concat(u24(10), u24(20), [1, 2, 3, 4, 5, 6, 7]))]],
  ['tls.certificate_invalid_der', [data(0, CH), data(1, SH), certRecord(certificateBody([Uint8Array.from([0x30, 0x80, 0, 0])]))]],
  // Version [0] INTEGER 7.
  [
    'tls.certificate_invalid_version',
    [
      data(0, CH),
      data(1, SH),
      certRecord(certificateBody([mutated(LEAF_EC, Buffer.from(LEAF_EC).indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01])) + 4, 7)])),
    ],
  ],
  ['tls.certificate_empty', [data(0, CH), data(1, SH), certRecord(certificateBody([]))]],
  [
    'tls.too_many_certificates',
    [data(0, CH), data(1, SH), certRecord(certificateBody([LEAF_RSA, CA_RSA, LEAF_EC]))],
    { maxCertificates: 2 },
  ],
  ['tls.gap', [data(0, CH), gap(1, 100)]],
];

describe('anomalies', () => {
  for (const [name, steps, options] of CASES) {
    it(`${name} is raised`, () => {
      const r = run([...steps, end(0), end(1)], options ?? {});
      expect(names(r)).toContain(name);
      expect(r.records.length).toBeLessThanOrEqual(1);
    });
  }

  it('tls.sslv2 and tls.sslv2_client_hello and tls.sslv3 are raised by the handshake cases above', () => {
    // (see "SSLv2 CLIENT-HELLO", "SSLv2-compatible ClientHello", "SSLv3 negotiated")
    expect(TLS_ANOMALIES).toContain('tls.sslv2');
  });

  it('every anomaly but tls.none and the certificate field ones tested in x509.test.ts has a case here', () => {
    const covered = new Set([
      ...CASES.map((c) => c[0]),
      'tls.none',
      'tls.sslv2',
      'tls.sslv2_client_hello',
      'tls.sslv3',
      'tls.heartbeat_response_oversized',
      'tls.resynchronised',
      'tls.client_hello_fragmented' /* fragmented.test.ts */,
    ]);
    const x509Only = [
      'tls.certificate_invalid_serial',
      'tls.certificate_invalid_algorithm',
      'tls.certificate_invalid_name',
      'tls.certificate_invalid_date',
      'tls.certificate_invalid_extensions',
    ];
    expect(TLS_ANOMALIES.filter((n) => !covered.has(n) && !x509Only.includes(n))).toEqual([]);
  });

  it('nothing parsed before a broken extension is lost', () => {
    const r = run([chWith([sniExt('kept.example'), concat(u16(23), u16(10))]), end(0), end(1)]);
    expect(r.records[0]!.sni).toBe('kept.example');
    expect(r.records[0]!.clientHello!.cipherSuites).toEqual([0xc02f, 0xc030, 0x009e]);
  });

  it('after a gap across records, reading resumes at the next plausible record header', () => {
    const certs = record(22, handshake(11, certificateBody([LEAF_RSA])));
    const status = record(22, handshake(22, [1, ...u24(40), ...Array(40).fill(0x16)])); // 53 bytes
    const filler = record(22, handshake(12, Array(100).fill(0))); // 109 bytes
    // The gap takes the last 41 bytes of `status` and the first 9 of `filler`: the next header is unknown.
    const r = run([
      data(0, CH),
      data(1, SH, status.subarray(0, 12)),
      gap(1, 50),
      data(1, filler.subarray(9), certs, SERVER_HELLO_DONE),
      end(0),
      end(1),
    ]);
    expect(names(r)).toEqual(['tls.gap', 'tls.resynchronised']);
    expect(r.records[0]!.certificates[0]!.subject).toBe('CN=leaf.example');
  });

  it('resynchronisation gives up after 64 KiB without a plausible header', () => {
    const r = run([
      data(0, CH),
      data(1, SH.subarray(0, 3)),
      gap(1, -1),
      data(1, new Uint8Array(70000).fill(0x41)),
      end(0),
      end(1),
    ]);
    expect(names(r)).toEqual(['tls.gap']);
    expect(r.records[0]!.state).toBe('incomplete');
  });

  it('a gap inside a record body keeps the framing; one in a header breaks it', () => {
    const ok = run([
      data(0, CH),
      data(1, SH.subarray(0, 20)),
      gap(1, 10),
      data(1, SH.subarray(30), SERVER_HELLO_DONE),
      end(0),
      end(1),
    ]);
    expect(names(ok).filter((n) => n !== 'tls.gap')).toEqual([]);
    const lost = run([data(0, CH), data(1, SH.subarray(0, 3)), gap(1, 10), data(1, SH.subarray(13)), end(0), end(1)]);
    expect(names(lost)).toEqual(['tls.gap']);
    expect(lost.records[0]!.state).toBe('incomplete');
  });
});
