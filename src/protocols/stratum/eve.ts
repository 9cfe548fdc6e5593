/**
 * Stratum records as netsieve's EVE JSON writes them: `event_type: "stratum"`, the object under `"stratum"`.
 * Suricata has no Stratum logger, so the layout is netsieve's own, described by
 * `schema/eve-stratum.schema.json`, on Suricata's conventions: snake_case names, absent rather than null
 * for what a record does not have.
 */
import type { StratumRecord } from './events.js';

export function stratumToEve(r: StratumRecord): Record<string, unknown> {
  const o: Record<string, unknown> = { type: r.kind, variant: r.variant };
  if (r.method !== null) o.method = r.method;
  if (r.id !== null) o.id = r.id;
  o.direction = r.direction;
  o.params = [...r.params];
  o.param_count = r.paramCount;
  if (r.worker !== null) o.worker = r.worker;
  if (r.agent !== null) o.agent = r.agent;
  if (r.jobId !== null) o.job_id = r.jobId;
  if (r.difficulty !== null) o.difficulty = r.difficulty;
  if (r.responded && r.result !== null) o.result = r.result;
  if (r.error !== null)
    o.error = r.error.code === null ? { message: r.error.message } : { code: r.error.code, message: r.error.message };
  if (r.noResponse !== null) o.no_response = r.noResponse;
  if (r.truncated) o.truncated = true;
  if (r.anomalies.length > 0) o.anomalies = [...r.anomalies];
  return o;
}
