/** The `template` record in EVE JSON: snake_case fields under `"template": {...}`. */
import type { TemplateRecord } from './events.js';

export function templateToEve(record: TemplateRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { verb: record.verb, argument: record.argument };
  if (record.status !== null) out.status = record.status;
  return out;
}
