/**
 * The template module's inspection buffers: what a rule can match in a record. Name them as Suricata
 * would (`<protocol>.<part>`), say whose bytes they are and what one instance covers.
 */
import { textBuffer, type InspectionBuffer } from '../module.js';
import type { TemplateRecord } from './events.js';

export const TEMPLATE_BUFFERS: readonly InspectionBuffer<TemplateRecord>[] = [
  {
    name: 'template.verb',
    direction: 'to_server',
    scope: 'transaction',
    description: "the client line's verb",
    get: (r) => textBuffer(r.verb),
  },
  {
    name: 'template.argument',
    direction: 'to_server',
    scope: 'transaction',
    description: 'the client line after the verb',
    get: (r) => textBuffer(r.argument),
  },
  {
    name: 'template.status',
    direction: 'to_client',
    scope: 'transaction',
    description: "the server's status word",
    get: (r) => textBuffer(r.status),
  },
];
