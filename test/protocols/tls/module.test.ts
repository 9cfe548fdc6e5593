/**
 * The registry entry (`tlsModule`), option resolution, inspection getters, and the caps each option sets.
 */
import { describe, expect, it } from 'vitest';
import {
  resolveTlsOptions,
  TLS_ANOMALIES,
  TLS_DEFAULTS,
  tlsCertificateFingerprints,
  tlsCertificateSubjects,
  tlsIssuers,
  tlsJa3Hash,
  tlsJa3sHash,
  tlsJa4,
  tlsModule,
  tlsSni,
  tlsSubjectAltNames,
} from '../../../src/protocols/tls/index.js';
import { Probe } from '../../../src/protocols/module.js';
import {
  CCS,
  clientHelloRecord,
  concat,
  data,
  der,
  end,
  handshake,
  names,
  record,
  recorder,
  run,
  serverHelloBody,
  sniExt,
  tls12Flow,
  u24,
} from './helpers.js';

describe('tlsModule', () => {
  it('is the tls module over TCP with its port hints, defaults and anomaly table', () => {
    expect(tlsModule.name).toBe('tls');
    expect(tlsModule.transports).toEqual(['tcp']);
    expect(tlsModule.ports.tcp).toEqual([443, 8443, 993, 995, 465, 636, 853, 990, 5061]);
    expect(tlsModule.defaults).toEqual(TLS_DEFAULTS);
    expect(tlsModule.anomalies).toBe(TLS_ANOMALIES);
    expect(new Set(TLS_ANOMALIES).size).toBe(TLS_ANOMALIES.length);
    for (const n of TLS_ANOMALIES) expect(n).toMatch(/^tls\.[a-z0-9_]+$/);
  });

  it('probes and parses through the module object, with partial options', () => {
    const ch = clientHelloRecord({ extensions: [sniExt('module.example')] });
    expect(tlsModule.probe(ch, 0, ch.length, { transport: 'tcp', direction: 0, serverPort: 443, clientPort: 4000 })).toBe(
      Probe.MINE,
    );
    const sink = recorder();
    const p = tlsModule.createTcp!(sink, { maxCertificates: 2 } as never);
    p.onData(0, ch, 0, ch.length);
    p.onEnd(0, 'fin');
    p.onEnd(1, 'fin');
    expect(sink.records[0]!.sni).toBe('module.example');
  });
});

describe('options', () => {
  it('resolves a partial, out-of-range or mistyped input over the defaults', () => {
    expect(resolveTlsOptions(undefined)).toEqual(TLS_DEFAULTS);
    const o = resolveTlsOptions({
      maxHandshakeMessageSize: 1,
      maxDerDepth: 10_000,
      keepCertificateDer: 'yes' as never,
      afterHandshake: 'track',
      maxListLength: Number.NaN,
    });
    expect(o).toEqual({ ...TLS_DEFAULTS, maxHandshakeMessageSize: 4, maxDerDepth: 256, afterHandshake: 'track' });
  });

  it('an oversized handshake message is skipped by count and the next one still parsed', () => {
    const big = handshake(11, concat(u24(5000 - 3), new Uint8Array(5000 - 3)));
    const r = run(
      [
        data(0, clientHelloRecord()),
        data(
          1,
          record(22, concat(handshake(2, serverHelloBody()), big.subarray(0, 3000))),
          record(22, concat(big.subarray(3000), handshake(14, []))),
        ),
        data(1, CCS),
        end(0),
        end(1),
      ],
      {
        maxHandshakeMessageSize: 4096,
      },
    );
    expect(names(r)).toEqual(['tls.handshake_too_large']);
    expect(r.records[0]!.serverHello).not.toBeNull();
  });

  it('maxAlerts caps the alerts kept', () => {
    const r = run(
      [data(0, clientHelloRecord()), data(1, record(21, [1, 0]), record(21, [1, 0]), record(21, [1, 0])), end(0), end(1)],
      { maxAlerts: 2 },
    );
    expect(r.records[0]!.alerts).toHaveLength(2);
  });

  it('a record version above 3.4 is reported and followed', () => {
    const r = run([data(0, clientHelloRecord({ extensions: [sniExt('v35.example')] }, 0x0305)), end(0), end(1)]);
    expect(names(r)).toEqual(['tls.invalid_record_version']);
    expect(r.records[0]!.sni).toBe('v35.example');
  });
});

describe('inspection getters', () => {
  it('read the record', () => {
    const rec = run(tls12Flow({ extensions: [sniExt('inspect.example')] }, {}, [der('leaf-ec'), der('ca-rsa')])).records[0]!;
    expect(tlsSni(rec)).toBe('inspect.example');
    expect(tlsCertificateSubjects(rec)).toHaveLength(2);
    expect(tlsIssuers(rec)[1]).toBe('CN=Netsieve Test CA, O=Netsieve');
    expect(tlsCertificateFingerprints(rec)[0]).toBe('14:60:67:b5:ba:e8:ba:4c:4a:d1:9e:ea:15:1f:85:d1:4a:2b:18:a6');
    expect(tlsSubjectAltNames(rec)).toEqual(['test.example', '*.test.example', '192.0.2.7', '2001:db8::1']);
    expect(tlsJa3Hash(rec)).toBe(rec.ja3!.hash);
    expect(tlsJa3sHash(rec)).toBe(rec.ja3s!.hash);
    expect(tlsJa4(rec)).toBe(rec.ja4);
  });
});
