/**
 * The EVE `tls` object: Suricata's field names and formats, and full `event_type: "tls"` lines validated
 * against Suricata's schema (../shared/eve/suricata-eve-schema.json) with ajv, for hand-built connections
 * and every TLS connection of the shared captures, with every EVE option on and off.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { tlsToEve, type TlsHandshake } from '../../../src/protocols/tls/index.js';
import { probeTls } from '../../../src/protocols/tls/probe.js';
import { Probe } from '../../../src/protocols/module.js';
import { corpusFiles, corpusPath, corpusPresent, eveSchema, schemaPresent } from '../../support/corpus.js';
import {
  alpnExt,
  captureStreams,
  clientHelloRecord,
  data,
  der,
  end,
  ext,
  run,
  serverHelloRecord,
  sniExt,
  tls12Flow,
  u16,
  vec,
} from './helpers.js';

const LEAF_EC = der('leaf-ec');
const CA_RSA = der('ca-rsa');

function line(tls: Record<string, unknown>): Record<string, unknown> {
  return {
    timestamp: '2026-11-26T13:00:00.000000+0000',
    flow_id: 1234,
    event_type: 'tls',
    src_ip: '192.0.2.1',
    src_port: 50000,
    dest_ip: '192.0.2.2',
    dest_port: 443,
    proto: 'TCP',
    tls,
  };
}

const tls12 = (): TlsHandshake =>
  run(
    tls12Flow(
      { extensions: [sniExt('eve.example'), alpnExt(['h2', 'http/1.1']), ext(13, vec(2, [4, 3]))] },
      { extensions: [alpnExt(['h2'])] },
      [LEAF_EC, CA_RSA],
    ),
    { keepCertificateDer: true },
  ).records[0]!;

describe('EVE tls object', () => {
  it("has Suricata's fields for a TLS 1.2 connection", () => {
    const eve = tlsToEve(tls12());
    expect(eve).toMatchObject({
      subject: 'C=DE, ST=Berlin, O=Netsieve Test, OU=DPI + CN=test.example, Email=a@b.example',
      issuerdn: 'C=DE, ST=Berlin, O=Netsieve Test, OU=DPI + CN=test.example, Email=a@b.example',
      serial: '00:A1:B2:C3:D4:E5:F6:07:18',
      fingerprint: '14:60:67:b5:ba:e8:ba:4c:4a:d1:9e:ea:15:1f:85:d1:4a:2b:18:a6',
      sni: 'eve.example',
      version: 'TLS 1.2',
      notbefore: '2026-11-26T13:28:01',
      notafter: '2036-11-23T13:28:01',
      client_alpns: ['h2', 'http/1.1'],
      server_alpns: ['h2'],
      subjectaltname: ['test.example', '*.test.example', '192.0.2.7', '2001:db8::1'],
    });
    expect(eve.ja3).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{32}$/), string: expect.any(String) });
    expect(eve.ja4).toMatch(/^t12d/);
    expect(eve.certificate).toBeUndefined();
    expect(eve.chain).toBeUndefined();
  });

  it('writes the DER only when asked', () => {
    const eve = tlsToEve(tls12(), { certificate: true, chain: true, handshakes: true });
    expect(eve.certificate).toBe(Buffer.from(LEAF_EC).toString('base64'));
    expect(eve.chain).toHaveLength(2);
    expect(eve.client_handshake).toMatchObject({
      version: 'TLS 1.2',
      ciphers: [0xc02f, 0xc030, 0x009e],
      exts: [0, 16, 13],
      sig_algs: [0x0403],
    });
    expect(eve.server_handshake).toEqual({ version: 'TLS 1.2', cipher: 0xc02f, exts: [16] });
  });

  it('version names as Suricata prints them', () => {
    const v = (ver: number): unknown => tlsToEve({ ...tls12(), version: ver }).version;
    expect([v(0x0200), v(0x0300), v(0x0301), v(0x0302), v(0x0303), v(0x0304), v(0x7f1c)]).toEqual([
      'SSLv2',
      'SSLv3',
      'TLSv1',
      'TLS 1.1',
      'TLS 1.2',
      'TLS 1.3',
      'TLS 1.3 draft-28',
    ]);
  });

  it('TLS 1.3: no certificate fields, version TLS 1.3', () => {
    const r = run([
      data(0, clientHelloRecord({ ciphers: [0x1301], extensions: [sniExt('t13.example'), ext(43, vec(1, u16(0x0304)))] })),
      data(1, serverHelloRecord({ cipher: 0x1301, extensions: [ext(43, u16(0x0304))] })),
      end(0),
      end(1),
    ]).records[0]!;
    const eve = tlsToEve(r);
    expect(eve.version).toBe('TLS 1.3');
    expect(eve.subject).toBeUndefined();
    expect(eve.sni).toBe('t13.example');
  });
});

describe.skipIf(!schemaPresent)("EVE tls lines validate against Suricata's schema (needs the shared EVE schema)", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  let validate: ValidateFunction;
  // Read here, not in the describe body: a skipped describe's body still runs at collection.
  beforeAll(() => {
    validate = ajv.compile(eveSchema());
  });
  const check = (rec: TlsHandshake): void => {
    for (const opts of [{}, { certificate: true, chain: true, handshakes: true }]) {
      const parsed = JSON.parse(JSON.stringify(line(tlsToEve(rec, opts))));
      if (!validate(parsed))
        throw new Error(`${JSON.stringify(parsed)}\n${ajv.errorsText((validate as { errors?: unknown }).errors as never)}`);
    }
  };

  it('hand-built connections', () => {
    check(tls12());
    check(run([data(0, clientHelloRecord()), end(0), end(1)]).records[0]!);
  });

  it.skipIf(!corpusPresent)(
    'every TLS connection of the shared captures',
    async () => {
      let n = 0;
      for (const file of corpusFiles().filter((f) => /tls|netflix|sites|1kxun/.test(f))) {
        for (const s of await captureStreams(corpusPath(file))) {
          const first = s.steps.find((x) => x.kind === 'data');
          if (first?.kind !== 'data' || probeTls(first.bytes, 0, first.bytes.length) !== Probe.MINE) continue;
          for (const rec of run(s.steps, { keepCertificateDer: true }).records) {
            check(rec);
            n++;
          }
        }
      }
      expect(n).toBeGreaterThan(50);
    },
    30000,
  );
});
