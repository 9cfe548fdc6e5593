/**
 * HTTP/1.x (RFC 9110, RFC 9112): the `http` protocol module.
 *
 * - probe.ts: is a stream HTTP (request line from the client, status line from the server);
 * - parser.ts: the byte machine of one direction; body.ts: bodies, gzip/deflate decoded by src/codec/inflate.ts;
 * - state.ts: a connection (pairing, HEAD/1xx/204/304, CONNECT and Upgrade);
 * - uri.ts: request-target forms and the normalized URI; events.ts: the record (`HttpTransaction`);
 *   anomalies.ts: the anomaly table; options.ts: caps and their docs; eve.ts: EVE JSON;
 *   buffers.ts: the inspection buffers rules read (Suricata's sticky-buffer names).
 */
import { defineProtocol, type AppEventSink, type TcpAppParser } from '../module.js';
import { HTTP_ANOMALIES } from './anomalies.js';
import { HTTP_BUFFERS } from './buffers.js';
import { httpToEve } from './eve.js';
import type { HttpTransaction } from './events.js';
import { HTTP_DEFAULTS, HTTP_OPTION_DOCS, type HttpOptions } from './options.js';
import { probeHttp } from './probe.js';
import { HttpConnection } from './state.js';

export { HTTP_ANOMALIES, HttpAnomaly, type HttpAnomalyName } from './anomalies.js';
export { httpToEve } from './eve.js';
export { HTTP_BUFFER_NAMES, HTTP_BUFFERS, httpBuffer, type HttpBufferName } from './buffers.js';
export { HTTP_DEFAULTS, HTTP_OPTION_DOCS, type HttpOptions } from './options.js';
export type { HttpHeader, HttpTransaction, HttpWafResult } from './events.js';
export { normalizeUri, parseTarget } from './uri.js';
export { HttpConnection } from './state.js';
export { probeHttp } from './probe.js';

export const httpModule = defineProtocol({
  name: 'http',
  description: 'HTTP/1.x: one record per transaction (request and response)',
  transports: ['tcp'],
  ports: { tcp: [80, 8080, 8000, 8008, 8888, 3128] },
  probe: probeHttp,
  reportsServerName: true,
  createTcp: (sink: AppEventSink<HttpTransaction>, options: HttpOptions): TcpAppParser => new HttpConnection(sink, options),
  defaults: HTTP_DEFAULTS,
  optionDocs: HTTP_OPTION_DOCS,
  toEve: httpToEve,
  anomalies: HTTP_ANOMALIES,
  buffers: HTTP_BUFFERS,
});
