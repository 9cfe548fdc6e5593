/**
 * Stratum anomalies: one table. The code is the index (the parser raises codes), the name is what events,
 * counters and rules see. Append only; never renumber or reuse; a retired code keeps its slot as
 * `retired.<name>`. Code 0 is `stratum.none`, never raised.
 */
import { anomalyCodes } from '../module.js';

export const STRATUM_ANOMALIES = [
  'stratum.none', // 0: never raised
  'stratum.line_too_long', // 1: a line longer than maxLineBytes: skipped up to its newline, not parsed
  'stratum.not_json', // 2: a line that is not JSON text (or not UTF-8 JSON): skipped
  'stratum.not_rpc', // 3: JSON that is not a JSON-RPC object (no method, no id with result or error): skipped
  'stratum.response_without_request', // 4: a response whose id no pending request of the other side has
  'stratum.too_many_pending', // 5: more than maxPending requests unanswered: the oldest is emitted unanswered
  'stratum.gap', // 6: bytes of a direction are missing: its partial line is dropped, parsing resumes after the next newline
  'stratum.too_many_bad_lines', // 7: more than maxBadLines unusable lines in one direction: the flow is given up
] as const;

export type StratumAnomalyName = (typeof STRATUM_ANOMALIES)[number];

/** Codes by short name: `StratumAnomaly.NOT_JSON` is the index of `stratum.not_json`. */
export const StratumAnomaly = anomalyCodes('stratum', STRATUM_ANOMALIES);
