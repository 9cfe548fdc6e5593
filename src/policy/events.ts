/**
 * Policy anomalies. One table, as in every stage: the index is the code, the string the name used in events
 * and counters. Append only; never renumber or reuse.
 */
export const POLICY_ANOMALIES = [
  'policy.none', // 0: never raised
  // 1: the flow's TLS SNI or HTTP Host is not among the names DNS gave its server address (a hint of domain
  // fronting, or of a name resolved outside the traffic seen); the decision is not changed by it
  'policy.server_name_mismatch',
  'policy.name_table_full', // 2: the table of names learned from DNS was full: the least recently refreshed were forgotten
  'policy.learn_table_full', // 3: learning saw more distinct conversations than it keeps: later ones were not learned
] as const;

export const PolicyAnomaly = {
  server_name_mismatch: 1,
  name_table_full: 2,
  learn_table_full: 3,
} as const;
