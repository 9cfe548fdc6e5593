/**
 * Every threat detector netsieve has, in the order they run. A detector is one entry here plus its file in
 * `detectors/`; the options, `netsieve threats`, the README's table and the ATT&CK Navigator layer all come
 * from these entries.
 */
import { dnsAmplification, ntpAmplification } from './detectors/amplification.js';
import { icmpFlood, synFlood, udpFlood } from './detectors/flood.js';
import { hostSweep, portScan } from './detectors/scan.js';
import type { ThreatDetectorDef } from './types.js';

// Detectors are typed by their own thresholds; the registry holds them as the general shape.
export const THREAT_DETECTORS: readonly ThreatDetectorDef[] = [
  portScan,
  hostSweep,
  synFlood,
  udpFlood,
  icmpFlood,
  dnsAmplification,
  ntpAmplification,
] as ThreatDetectorDef[];
