/**
 * Every threat detector netsieve has, in the order they run. A detector is one entry here plus its file in
 * `detectors/`; the options, `netsieve threats`, the README's table and the ATT&CK Navigator layer all come
 * from these entries.
 */
import { arpSpoof } from './detectors/arp-spoof.js';
import { dnsSpoof } from './detectors/dns-spoof.js';
import { dnsTunnel } from './detectors/dns-tunnel.js';
import { icmpTunnel } from './detectors/icmp-tunnel.js';
import type { ThreatDetectorDef } from './types.js';

// Detectors are typed by their own thresholds; the registry holds them as the general shape.
export const THREAT_DETECTORS: readonly ThreatDetectorDef[] = [dnsTunnel, icmpTunnel, arpSpoof, dnsSpoof] as ThreatDetectorDef[];
