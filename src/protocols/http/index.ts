/**
 * HTTP/1.x (RFC 9110, RFC 9112): the `http` protocol module.
 *
 * - probe.ts: is a stream HTTP (request line from the client, status line from the server);
 * - parser.ts: the byte machine of one direction; body.ts: bodies, gzip/deflate decoded by src/codec/inflate.ts;
 * - state.ts: a connection (pairing, HEAD/1xx/204/304, CONNECT and Upgrade), records in transaction.ts;
 * - uri.ts: request-target forms and the normalized URI; events.ts: the anomaly table; eve.ts: EVE JSON;
 *   buffers.ts: the inspection buffers rules read (Suricata's sticky-buffer names).
 */
import type { AppEventSink, ProtocolModule, TcpAppParser } from '../module.js';
import { HTTP_ANOMALIES } from './events.js';
import { HTTP_DEFAULTS, type HttpOptions } from './options.js';
import { probeHttp } from './probe.js';
import { HttpConnection } from './state.js';

export { HTTP_ANOMALIES, type HttpAnomalyName } from './events.js';
export { httpToEve } from './eve.js';
export { HTTP_BUFFERS, httpBuffer, type HttpBufferName } from './buffers.js';
export { HTTP_DEFAULTS, type HttpOptions } from './options.js';
export type { HttpHeader, HttpTransaction } from './transaction.js';
export { normalizeUri, parseTarget } from './uri.js';
export { HttpConnection } from './state.js';
export { probeHttp } from './probe.js';

export const httpProtocol: ProtocolModule<HttpOptions> = {
  name: 'http',
  transports: ['tcp'],
  ports: { tcp: [80, 8080, 8000, 8008, 8888, 3128] },
  probe: probeHttp,
  createTcp: (sink: AppEventSink, options: HttpOptions): TcpAppParser => new HttpConnection(sink, { ...HTTP_DEFAULTS, ...options }),
  defaults: HTTP_DEFAULTS,
  anomalies: HTTP_ANOMALIES,
};
