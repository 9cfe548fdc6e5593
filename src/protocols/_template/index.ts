/**
 * A minimal protocol module to copy when adding a protocol (see CONTRIBUTING.md, "Adding a protocol").
 * It compiles and is tested, but is NOT registered: nothing detects it until a line in `registry.ts` adds
 * it to `PROTOCOLS`.
 *
 * The protocol it parses is made up: text lines `TMPL <verb> <argument>\n` from the client and
 * `TMPL <status>\n` from the server, over TCP (any split) or UDP (one line per datagram), well-known port
 * 7099. Each client line with the server line answering it is one record, event type `template`.
 *
 * Copy the folder, rename `template`/`Template`/`TEMPLATE` to your protocol's name, then replace the
 * probe, the parser and the record. The files and their roles (the same in every protocol folder):
 * - probe.ts: is this stream or datagram the protocol (cheap, never throws);
 * - parser.ts: the connection state: bytes in, records and anomalies out, every buffer capped;
 * - events.ts: the record type (plain data, documented field by field);
 * - eve.ts: the record's EVE JSON object;
 * - anomalies.ts: the anomaly table (code = index) and the codes derived from it;
 * - options.ts: options, defaults and one doc line per option;
 * - buffers.ts: the inspection buffers rules match;
 * - index.ts (this file): the module, and the folder's exports.
 */
import { defineProtocol, type AppEventSink, type TcpAppParser, type UdpAppParser } from '../module.js';
import { TEMPLATE_ANOMALIES } from './anomalies.js';
import { TEMPLATE_BUFFERS } from './buffers.js';
import { templateToEve } from './eve.js';
import type { TemplateRecord } from './events.js';
import { TEMPLATE_DEFAULTS, TEMPLATE_OPTION_DOCS, type TemplateOptions } from './options.js';
import { probeTemplate, TEMPLATE_PORT } from './probe.js';
import { TemplateConnection } from './parser.js';

export { TEMPLATE_ANOMALIES, TemplateAnomaly } from './anomalies.js';
export { TEMPLATE_BUFFERS } from './buffers.js';
export { templateToEve } from './eve.js';
export type { TemplateRecord } from './events.js';
export { TEMPLATE_DEFAULTS, TEMPLATE_OPTION_DOCS, type TemplateOptions } from './options.js';
export { probeTemplate } from './probe.js';
export { TemplateConnection } from './parser.js';

export const templateModule = defineProtocol({
  // The event type and `app_proto`: records arrive as `{ type: 'template', template: TemplateRecord }`.
  name: 'template',
  description: 'Template: a made-up line protocol, the skeleton new protocol modules start from',
  transports: ['tcp', 'udp'],
  ports: { tcp: [TEMPLATE_PORT], udp: [TEMPLATE_PORT] },
  probe: probeTemplate,
  createTcp: (sink: AppEventSink<TemplateRecord>, options: TemplateOptions): TcpAppParser =>
    new TemplateConnection(sink, options),
  createUdp: (sink: AppEventSink<TemplateRecord>, options: TemplateOptions): UdpAppParser =>
    new TemplateConnection(sink, options),
  defaults: TEMPLATE_DEFAULTS,
  optionDocs: TEMPLATE_OPTION_DOCS,
  toEve: templateToEve,
  anomalies: TEMPLATE_ANOMALIES,
  buffers: TEMPLATE_BUFFERS,
});
