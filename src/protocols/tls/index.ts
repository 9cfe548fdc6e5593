/**
 * TLS (and the SSLv2/SSLv3 handshakes it grew from): the registry entry. One `tls` record per connection,
 * written when the handshake goes encrypted, fails, or the flow ends (`state.ts`); the EVE mapping is
 * `tlsToEve` (`eve.ts`).
 *
 * Ports are hints only: HTTPS (443, 8443), IMAPS (993), POP3S (995), SMTPS (465), LDAPS (636), DNS over
 * TLS (853), FTPS (990), SIP over TLS (5061). TLS on any other port is found by the probe.
 */
import { defineProtocol, type AppEventSink, type TcpAppParser } from '../module.js';
import { TLS_ANOMALIES } from './anomalies.js';
import { TLS_BUFFERS } from './buffers.js';
import { tlsToEve } from './eve.js';
import type { TlsHandshake } from './events.js';
import { resolveTlsOptions, TLS_DEFAULTS, TLS_OPTION_CHOICES, TLS_OPTION_DOCS, type TlsOptions } from './options.js';
import { probeTls } from './probe.js';
import { TlsFlowParser } from './state.js';

export type {
  TlsAlert,
  TlsCertificate,
  TlsClientHello,
  TlsExtension,
  TlsFingerprint,
  TlsHandshake,
  TlsHandshakeState,
  TlsHeartbeatSummary,
  TlsServerHello,
} from './events.js';
export { TLS_ANOMALIES, TlsAnomaly, type TlsAnomalyName } from './anomalies.js';
export { tlsToEve } from './eve.js';
export { ja3, ja3s, ja4 } from './fingerprint.js';
export {
  resolveTlsOptions,
  TLS_DEFAULTS,
  TLS_EVE_DEFAULTS,
  TLS_OPTION_CHOICES,
  TLS_OPTION_DOCS,
  type TlsEveOptions,
  type TlsOptions,
} from './options.js';
export {
  TLS_BUFFERS,
  tlsCertificateFingerprints,
  tlsCertificateSubjects,
  tlsIssuers,
  tlsJa3Hash,
  tlsJa3sHash,
  tlsJa4,
  tlsSni,
  tlsSubjectAltNames,
} from './buffers.js';
export { probeTls } from './probe.js';
export { TlsFlowParser } from './state.js';

export const tlsModule = defineProtocol({
  name: 'tls',
  description: 'TLS and SSL handshakes: one record per connection (hellos, JA3/JA3S/JA4, certificates)',
  transports: ['tcp'],
  ports: { tcp: [443, 8443, 993, 995, 465, 636, 853, 990, 5061] },
  probe: probeTls,
  reportsServerName: true,
  createTcp: (sink: AppEventSink<TlsHandshake>, options: TlsOptions): TcpAppParser => new TlsFlowParser(sink, options),
  defaults: TLS_DEFAULTS,
  optionDocs: TLS_OPTION_DOCS,
  optionChoices: TLS_OPTION_CHOICES,
  normalizeOptions: resolveTlsOptions,
  toEve: (record: TlsHandshake) => tlsToEve(record),
  anomalies: TLS_ANOMALIES,
  buffers: TLS_BUFFERS,
});
