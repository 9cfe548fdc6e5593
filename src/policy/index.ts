/**
 * The policy stage (segmentation and egress rules, names learned from DNS, modes, learning): the folder's face.
 * See stage.ts for when flows are decided, policy-file.ts for the document's rules.
 */
export { POLICY_ANOMALIES } from './events.js';
export type { LearnOptions } from './learn.js';
export type { NameTableOptions, NameTableStats } from './name-table.js';
export { checkPolicy, parsePolicy, readPolicyFile } from './policy-file.js';
export { FlowPolicy, type PolicyHost, PolicyStage, type PolicyOptions, type PolicyStats } from './stage.js';
export * from './types.js';
