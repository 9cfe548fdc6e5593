/**
 * TLS (and the SSLv2/SSLv3 handshakes it grew from): the registry entry. One `tls` record per connection,
 * written when the handshake goes encrypted, fails, or the flow ends (`state.ts`); the EVE mapping is
 * `tlsEve` (`eve.ts`).
 *
 * Ports are hints only: HTTPS (443, 8443), IMAPS (993), POP3S (995), SMTPS (465), LDAPS (636), DNS over
 * TLS (853), FTPS (990), SIP over TLS (5061). TLS on any other port is found by the probe.
 */
import type { AppEventSink, ProtocolModule, TcpAppParser } from '../module.js';
import { TLS_ANOMALIES } from './events.js';
import { resolveTlsOptions, TLS_DEFAULTS, type TlsOptions } from './options.js';
import { probeTls } from './probe.js';
import { TlsFlowParser } from './state.js';

export type {
  TlsAlert,
  TlsAnomalyName,
  TlsCertificate,
  TlsClientHello,
  TlsExtension,
  TlsFingerprint,
  TlsHandshake,
  TlsHandshakeState,
  TlsHeartbeatSummary,
  TlsServerHello,
} from './events.js';
export { TLS_ANOMALIES, TlsAnomaly } from './events.js';
export { tlsEve } from './eve.js';
export { ja3, ja3s, ja4 } from './fingerprint.js';
export { resolveTlsOptions, TLS_DEFAULTS, TLS_EVE_DEFAULTS, type TlsEveOptions, type TlsOptions } from './options.js';
export { tlsCertificateFingerprints, tlsCertificateSubjects, tlsIssuers, tlsJa3Hash, tlsJa3sHash, tlsJa4, tlsSni, tlsSubjectAltNames } from './buffers.js';
export { probeTls } from './probe.js';
export { TLS_EVENT_TYPE, TlsFlowParser } from './state.js';

export const tlsProtocol: ProtocolModule<TlsOptions> = {
  name: 'tls',
  transports: ['tcp'],
  ports: { tcp: [443, 8443, 993, 995, 465, 636, 853, 990, 5061] },
  probe: probeTls,
  createTcp: (sink: AppEventSink, options: TlsOptions): TcpAppParser => new TlsFlowParser(sink, resolveTlsOptions(options)),
  defaults: TLS_DEFAULTS,
  anomalies: TLS_ANOMALIES,
};
