/**
 * Template anomalies: one table. The code is the index (parsers raise codes: no strings on the per-byte
 * path), the name is what events, counters and rules see. Append only; never renumber or reuse; a retired
 * code keeps its slot as `retired.<name>`. Code 0 is `<name>.none`, never raised.
 */
import { anomalyCodes } from '../module.js';

export const TEMPLATE_ANOMALIES = [
  'template.none', // 0: never raised
  'template.line_too_long', // 1: a line longer than maxLineBytes: cut, the rest skipped up to its end
  'template.reply_without_request', // 2: a server line with no client line waiting for it
  'template.too_many_pending', // 3: more than maxPending client lines unanswered: the oldest is emitted unanswered
  'template.gap', // 4: bytes of a direction are missing: the partial line is dropped
] as const;

export type TemplateAnomalyName = (typeof TEMPLATE_ANOMALIES)[number];

/** Codes by short name: `TemplateAnomaly.LINE_TOO_LONG` is the index of `template.line_too_long`. */
export const TemplateAnomaly = anomalyCodes('template', TEMPLATE_ANOMALIES);
