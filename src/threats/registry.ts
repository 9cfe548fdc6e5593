/**
 * The threat detectors netsieve ships, in signature id order (`THREAT_DETECTORS`).
 */
import { bruteForce } from './detectors/brute-force.js';
import { fragmentOverlap, landAttack, pingOfDeath, tcpSplitHandshake } from './detectors/dos-packets.js';
import { stratumMining } from './detectors/mining.js';
import { unusualUpload } from './detectors/upload.js';
import type { ThreatDetectorDef } from './types.js';

export const THREAT_DETECTORS: readonly ThreatDetectorDef[] = [
  pingOfDeath,
  fragmentOverlap,
  landAttack,
  tcpSplitHandshake,
  stratumMining,
  bruteForce,
  unusualUpload,
];
