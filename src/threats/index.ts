/** The threat stage's face: the stage, its options and stats, the registry and the ATT&CK tables. */
export { ThreatStage, resolveThreatOptions, THREAT_DEFAULTS } from './stage.js';
export type { ThreatOptions, ThreatSink, ThreatStats, ResolvedThreatOptions } from './stage.js';
export { THREAT_DETECTORS } from './registry.js';
export type {
  ThreatDetector,
  ThreatDetectorDef,
  ThreatFinding,
  ThreatContext,
  ThreatSeverity,
  ThreatThresholds,
} from './types.js';
export {
  ATTACK_TACTICS,
  ATTACK_TECHNIQUES,
  ATTACK_VERSION,
  STAGE_TECHNIQUES,
  mitreMetadata,
  techniqueFullName,
} from './attack.js';
export type { AttackTactic, AttackTechnique, MitreMetadata } from './attack.js';
