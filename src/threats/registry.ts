/**
 * Every threat detector netsieve has, in the order they run. A detector is one entry here plus its file in
 * `detectors/`; the options, `netsieve threats`, the README's table and the ATT&CK Navigator layer all come
 * from these entries.
 */
import { dnsAmplification, ntpAmplification } from './detectors/amplification.js';
import { arpSpoof } from './detectors/arp-spoof.js';
import { bruteForce } from './detectors/brute-force.js';
import { dnsSpoof } from './detectors/dns-spoof.js';
import { dnsTunnel } from './detectors/dns-tunnel.js';
import { fragmentOverlap, landAttack, pingOfDeath, tcpSplitHandshake } from './detectors/dos-packets.js';
import { icmpFlood, synFlood, udpFlood } from './detectors/flood.js';
import { httpSmuggling } from './detectors/http-smuggling.js';
import { icmpTunnel } from './detectors/icmp-tunnel.js';
import { stratumMining } from './detectors/mining.js';
import { hostSweep, portScan } from './detectors/scan.js';
import { slowloris, slowPost } from './detectors/slow-http.js';
import { heartbleed, tlsRenegotiation } from './detectors/tls-abuse.js';
import { unusualUpload } from './detectors/upload.js';
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
  pingOfDeath,
  fragmentOverlap,
  landAttack,
  tcpSplitHandshake,
  stratumMining,
  bruteForce,
  unusualUpload,
  slowloris,
  slowPost,
  httpSmuggling,
  heartbleed,
  tlsRenegotiation,
  dnsTunnel,
  icmpTunnel,
  arpSpoof,
  dnsSpoof,
] as ThreatDetectorDef[];
