/**
 * The module inside the engine's application layer (detection budget, probed bytes replayed to the
 * parser, stop), on real captures, before the lead wires it into the registry: an `AppLayer` holding
 * `tlsModule` alone, fed by the engine's stream hook. Skips when the corpus is absent.
 */
import { internalFlowOf } from '../../../src/flow/flow-view.js';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import type { Direction } from '../../../src/flow/stream.js';
import { AppLayer, type AppHost } from '../../../src/protocols/app-layer.js';
import { DEFAULT_DETECTION } from '../../../src/protocols/identify.js';
import { TLS_DEFAULTS, tlsModule, type TlsHandshake } from '../../../src/protocols/tls/index.js';
import { corpusPath, corpusPresent, truthOf } from '../../support/corpus.js';

async function appRecords(file: string): Promise<{ records: TlsHandshake[]; anomalies: string[] }> {
  const records: TlsHandshake[] = [];
  const anomalies: string[] = [];
  const host: AppHost = {
    wantsRecords: () => true,
    record(_flow, type, payload) {
      expect(type).toBe('tls');
      records.push(payload as TlsHandshake);
    },
    anomaly(_flow, name: string, _code: number, _direction: Direction | undefined) {
      anomalies.push(name);
    },
    serverName: () => undefined,
    internalError: (where, e) => {
      throw new Error(`internal error in ${where}: ${String(e)}`);
    },
  };
  const layer = new AppLayer(
    [tlsModule],
    { detection: { ...DEFAULT_DETECTION }, protocols: { tls: structuredClone(TLS_DEFAULTS) } },
    host,
  );
  const flows: Parameters<AppLayer['end']>[0][] = [];
  const engine = createEngine({
    onStream: (view) => {
      const flow = internalFlowOf(view);
      flows.push(flow);
      return layer.tcpConsumer(flow);
    },
  });
  for await (const _ev of engine.replay(corpusPath(file))) {
    /* records arrive through the host */
  }
  for (const f of flows) layer.end(f);
  return { records, anomalies };
}

describe.skipIf(!corpusPresent)('tlsModule in the application layer', () => {
  it.each(['zeek_tls-chrome-x25519-kyber.pcap', 'zeek_tls-tls13-ech.pcap', 'ndpi_netflix.pcap', 'ndpi_tls_port_80.pcapng'])(
    '%s: one record per TLS ClientHello tshark saw',
    async (file) => {
      const { records, anomalies } = await appRecords(file);
      const truth = (truthOf(file)!.tls_client_hellos as { transport: string; sni: string | null }[]).filter(
        (h) => h.transport === 'tcp',
      );
      const withHello = records.filter((r) => r.clientHello !== null);
      expect(withHello.length).toBe(truth.length);
      expect(withHello.map((r) => r.sni).sort()).toEqual(truth.map((h) => h.sni).sort());
      expect(anomalies).not.toContain('app.parser_error');
    },
    30000,
  );
});
