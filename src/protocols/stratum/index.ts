/**
 * Stratum, the mining pool protocol (JSON-RPC, one JSON object per line, over TCP on any port): the registry
 * entry `stratumModule` (`stratum`, port 3333 as the hint). Both dialects: v1 (`mining.subscribe`,
 * `mining.authorize`, `mining.notify`, `mining.submit`, ...) and XMRig's (`login`, `job`, `submit`,
 * `keepalived`).
 *
 * Files: `probe.ts` (is this Stratum?), `parser.ts` (lines and JSON-RPC messages), `state.ts` (the
 * connection: pairing by id, both directions), `summary.ts` (bounded record fields from parsed JSON),
 * `events.ts` (the record), `anomalies.ts`, `options.ts` (caps), `buffers.ts` (buffers for rules),
 * `eve.ts` (EVE JSON, schema in `schema/eve-stratum.schema.json`).
 *
 * Records are emitted as the event type `stratum`: one per request with its response, one per
 * notification, one per response no request awaited.
 */
import { defineProtocol, type AppEventSink, type TcpAppParser } from '../module.js';
import { STRATUM_ANOMALIES } from './anomalies.js';
import { STRATUM_BUFFERS } from './buffers.js';
import { stratumToEve } from './eve.js';
import type { StratumRecord } from './events.js';
import { resolveStratumOptions, STRATUM_DEFAULTS, STRATUM_OPTION_DOCS, type StratumOptions } from './options.js';
import { probeStratum, STRATUM_PORT } from './probe.js';
import { StratumConnection } from './state.js';

export { STRATUM_ANOMALIES, StratumAnomaly, type StratumAnomalyName } from './anomalies.js';
export { STRATUM_BUFFERS } from './buffers.js';
export { stratumToEve } from './eve.js';
export type { StratumError, StratumNoResponse, StratumRecord, StratumVariant } from './events.js';
export { resolveStratumOptions, STRATUM_DEFAULTS, STRATUM_OPTION_DOCS, type StratumOptions } from './options.js';
export { isStratumMessage, probeStratum } from './probe.js';
export { StratumConnection } from './state.js';

export const stratumModule = defineProtocol({
  name: 'stratum',
  description:
    'Stratum mining protocol (v1 and XMRig JSON-RPC lines): one record per request with its response, one per notification',
  transports: ['tcp'],
  ports: { tcp: [STRATUM_PORT] },
  probe: probeStratum,
  createTcp: (sink: AppEventSink<StratumRecord>, options: StratumOptions): TcpAppParser => new StratumConnection(sink, options),
  defaults: STRATUM_DEFAULTS,
  optionDocs: STRATUM_OPTION_DOCS,
  normalizeOptions: resolveStratumOptions,
  toEve: stratumToEve,
  anomalies: STRATUM_ANOMALIES,
  buffers: STRATUM_BUFFERS,
});
