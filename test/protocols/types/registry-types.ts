/**
 * Type-level tests: this file is only type-checked (`npm run typecheck`, and `types.test.ts` runs tsc on
 * it). Each `@ts-expect-error` line must stay an error: if a change makes it compile, tsc reports the
 * directive as unused and the check fails.
 */
import { createEngine } from '../../../src/engine.js';
import type { AppEvent, NetsieveEvent } from '../../../src/events.js';
import type { AppEventSink } from '../../../src/protocols/module.js';
import type { HttpTransaction } from '../../../src/protocols/http/index.js';
import type { AppOptionsInput } from '../../../src/protocols/registry.js';

// Options: derived from each module's defaults.
createEngine({ app: { protocols: { http: { inspectBodyLimit: 1 }, tls: { afterHandshake: 'track' }, redis: false } } });
// @ts-expect-error a misspelt option
createEngine({ app: { protocols: { http: { inspectBodyLimt: 1 } } } });
// @ts-expect-error an option of the wrong type
createEngine({ app: { protocols: { dns: { maxRecordsPerSection: '10' } } } });
// @ts-expect-error a value outside a string option's choices
createEngine({ app: { protocols: { tls: { afterHandshake: 'always' } } } });
// @ts-expect-error a protocol that is not registered
export const unknownProtocol: AppOptionsInput = { protocols: { gopher: {} } };

// Events: one member per registered module, its record under its name.
export function recordOf(ev: NetsieveEvent): unknown {
  if (ev.type === 'http') return ev.http.normalizedUri;
  if (ev.type === 'mdns') return ev.mdns.questions;
  if (ev.type === 'redis') return ev.redis.kind;
  // @ts-expect-error a TLS event has no `http` record
  if (ev.type === 'tls') return ev.http;
  return null;
}
// @ts-expect-error not an event type
export const notAnEvent: AppEvent['type'] = 'gopher';

// Sinks: a module emits only its own record type.
export function emitWrong(sink: AppEventSink<HttpTransaction>, tx: HttpTransaction): void {
  sink.emit(tx);
  // @ts-expect-error a record of another type
  sink.emit({ questions: [] });
  // @ts-expect-error anomalies travel as codes, not names
  sink.anomaly('http.bad_request_line');
}
