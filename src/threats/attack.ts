/**
 * MITRE ATT&CK: the techniques and tactics netsieve's detectors, sensors and policy are tagged with, with
 * their names as ATT&CK Enterprise publishes them. This table gives names only: which techniques netsieve
 * covers comes from the detectors' own tags (`THREAT_DETECTORS`, src/threats/registry.ts) and the other
 * stages' (`STAGE_TECHNIQUES`), never from here. `test/threats/attack.test.ts` checks every id, name and
 * tactic against ATT&CK's published STIX data when a copy is at hand (`NETSIEVE_ATTACK_STIX`), and
 * `scripts/check-attack.ts` does the same from the command line (CONTRIBUTING.md, "ATT&CK ids").
 */

/**
 * The ATT&CK Enterprise release the ids and names below were checked against, as its collection index
 * spells it. The Navigator reads only the major number of a layer's `versions.attack`.
 */
export const ATTACK_VERSION = '18.1';

/** A tactic: its id (`TA0007`), name (`Discovery`) and the short name the Navigator uses (`discovery`). */
export interface AttackTactic {
  id: string;
  name: string;
  shortName: string;
}

/** A technique or sub-technique: its id (`T1498.002`), its own name and its tactics' ids. */
export interface AttackTechnique {
  id: string;
  /** The name ATT&CK gives it; for a sub-technique, its own part (`Reflection Amplification`). */
  name: string;
  tactics: readonly string[];
}

export const ATTACK_TACTICS: Readonly<Record<string, AttackTactic>> = {
  TA0001: { id: 'TA0001', name: 'Initial Access', shortName: 'initial-access' },
  TA0006: { id: 'TA0006', name: 'Credential Access', shortName: 'credential-access' },
  TA0007: { id: 'TA0007', name: 'Discovery', shortName: 'discovery' },
  TA0008: { id: 'TA0008', name: 'Lateral Movement', shortName: 'lateral-movement' },
  TA0009: { id: 'TA0009', name: 'Collection', shortName: 'collection' },
  TA0010: { id: 'TA0010', name: 'Exfiltration', shortName: 'exfiltration' },
  TA0011: { id: 'TA0011', name: 'Command and Control', shortName: 'command-and-control' },
  TA0040: { id: 'TA0040', name: 'Impact', shortName: 'impact' },
};

export const ATTACK_TECHNIQUES: Readonly<Record<string, AttackTechnique>> = {
  T1021: { id: 'T1021', name: 'Remote Services', tactics: ['TA0008'] },
  T1041: { id: 'T1041', name: 'Exfiltration Over C2 Channel', tactics: ['TA0010'] },
  T1046: { id: 'T1046', name: 'Network Service Discovery', tactics: ['TA0007'] },
  T1048: { id: 'T1048', name: 'Exfiltration Over Alternative Protocol', tactics: ['TA0010'] },
  'T1071.004': { id: 'T1071.004', name: 'DNS', tactics: ['TA0011'] },
  T1071: { id: 'T1071', name: 'Application Layer Protocol', tactics: ['TA0011'] },
  T1095: { id: 'T1095', name: 'Non-Application Layer Protocol', tactics: ['TA0011'] },
  T1110: { id: 'T1110', name: 'Brute Force', tactics: ['TA0006'] },
  T1190: { id: 'T1190', name: 'Exploit Public-Facing Application', tactics: ['TA0001'] },
  T1496: { id: 'T1496', name: 'Resource Hijacking', tactics: ['TA0040'] },
  // Cryptomining: ATT&CK v16 split Resource Hijacking, and mining on co-opted hosts is Compute Hijacking.
  'T1496.001': { id: 'T1496.001', name: 'Compute Hijacking', tactics: ['TA0040'] },
  T1498: { id: 'T1498', name: 'Network Denial of Service', tactics: ['TA0040'] },
  'T1498.001': { id: 'T1498.001', name: 'Direct Network Flood', tactics: ['TA0040'] },
  'T1498.002': { id: 'T1498.002', name: 'Reflection Amplification', tactics: ['TA0040'] },
  T1499: { id: 'T1499', name: 'Endpoint Denial of Service', tactics: ['TA0040'] },
  'T1499.001': { id: 'T1499.001', name: 'OS Exhaustion Flood', tactics: ['TA0040'] },
  'T1499.002': { id: 'T1499.002', name: 'Service Exhaustion Flood', tactics: ['TA0040'] },
  T1557: { id: 'T1557', name: 'Adversary-in-the-Middle', tactics: ['TA0006', 'TA0009'] },
  'T1557.002': { id: 'T1557.002', name: 'ARP Cache Poisoning', tactics: ['TA0006', 'TA0009'] },
  T1572: { id: 'T1572', name: 'Protocol Tunneling', tactics: ['TA0011'] },
};

/** A technique's full name: a sub-technique's is `Parent: Own` (`Network Denial of Service: Reflection Amplification`). */
export function techniqueFullName(id: string): string {
  const t = ATTACK_TECHNIQUES[id];
  if (t === undefined) return id;
  const dot = id.indexOf('.');
  if (dot < 0) return t.name;
  const parent = ATTACK_TECHNIQUES[id.slice(0, dot)];
  return parent === undefined ? t.name : `${parent.name}: ${t.name}`;
}

/** What an alert's metadata says of its techniques, as ET Open rules write it (names with `_` for spaces). */
export interface MitreMetadata {
  mitre_technique_id: string[];
  mitre_technique_name: string[];
  mitre_tactic_id: string[];
  mitre_tactic_name: string[];
}

/** The `mitre_*` metadata of a list of technique ids (tactics once each, in the order first met). */
export function mitreMetadata(techniques: readonly string[]): MitreMetadata {
  const tacticIds: string[] = [];
  for (const id of techniques)
    for (const ta of ATTACK_TECHNIQUES[id]?.tactics ?? []) if (!tacticIds.includes(ta)) tacticIds.push(ta);
  return {
    mitre_technique_id: [...techniques],
    mitre_technique_name: techniques.map((id) => underscored(techniqueFullName(id))),
    mitre_tactic_id: tacticIds,
    mitre_tactic_name: tacticIds.map((id) => underscored(ATTACK_TACTICS[id]?.name ?? id)),
  };
}

/** ET Open's spelling of a name in metadata: `Network_Denial_of_Service` (spaces and `:`/`-` runs to `_`). */
function underscored(name: string): string {
  return name.replace(/[\s:]+/g, '_').replace(/_+/g, '_');
}

/**
 * Techniques the stages other than `src/threats/` tag their own findings with: the DLP sensors (sensitive
 * data leaving) and the policy's violations (a flow across a segmentation rule). The Navigator layer lists
 * them beside the detectors'.
 */
export const STAGE_TECHNIQUES: readonly { source: string; techniques: readonly string[]; what: string }[] = [
  { source: 'dlp', techniques: ['T1041', 'T1048'], what: 'DLP sensors: sensitive data in traffic leaving' },
  { source: 'policy', techniques: ['T1021'], what: 'policy violations: a flow across a segmentation rule' },
];
