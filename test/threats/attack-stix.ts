/**
 * Checks netsieve's ATT&CK table (src/threats/attack.ts) against a release of ATT&CK Enterprise as STIX:
 * the bundle `enterprise-attack.json` of mitre-attack/attack-stix-data (STIX 2.1), or a bundle of the same
 * release's objects in STIX 2.0 (mitre/cti). Both spell the fields read here the same way.
 *
 * Pure: takes the parsed bundle and the table, returns the problems as sentences (none when the table
 * agrees). Used by test/threats/attack.test.ts and scripts/check-attack.ts.
 */
import type { AttackTactic, AttackTechnique } from '../../src/threats/attack.js';

/** The few fields of a STIX object the check reads. */
export interface StixObject {
  type: string;
  id?: string;
  name?: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  x_mitre_is_subtechnique?: boolean;
  x_mitre_shortname?: string;
  x_mitre_domains?: string[];
  x_mitre_version?: string;
  external_references?: { source_name?: string; external_id?: string }[];
  kill_chain_phases?: { kill_chain_name?: string; phase_name?: string }[];
}

export interface StixBundle {
  type?: string;
  objects: StixObject[];
}

/** The table as attack.ts exports it. */
export interface AttackTable {
  techniques: Readonly<Record<string, AttackTechnique>>;
  tactics: Readonly<Record<string, AttackTactic>>;
  /** `ATTACK_VERSION`: compared with the bundle's collection object when it has one (STIX 2.1 bundles do). */
  version?: string;
}

/** An object's ATT&CK id (`T1046`, `TA0007`): its `mitre-attack` external reference. */
export function attackId(o: StixObject): string | undefined {
  return o.external_references?.find((r) => r.source_name === 'mitre-attack')?.external_id;
}

/** The release a bundle says it is (`18.1`): its `x-mitre-collection` object's version, or null without one. */
export function bundleVersion(bundle: StixBundle): string | null {
  const c = bundle.objects.find((o) => o.type === 'x-mitre-collection');
  return c?.x_mitre_version ?? null;
}

/** Whether a value looks like a STIX bundle (an object with an `objects` array). */
export function isStixBundle(v: unknown): v is StixBundle {
  return typeof v === 'object' && v !== null && Array.isArray((v as { objects?: unknown }).objects);
}

const current = (o: StixObject): boolean => o.revoked !== true && o.x_mitre_deprecated !== true;

/** Of the objects with one ATT&CK id, the one in use (neither revoked nor deprecated), else the first. */
function pick(objects: StixObject[] | undefined): StixObject | undefined {
  if (objects === undefined) return undefined;
  return objects.find(current) ?? objects[0];
}

function state(o: StixObject): string | null {
  if (o.revoked === true) return 'revoked';
  if (o.x_mitre_deprecated === true) return 'deprecated';
  return null;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));

/** Every disagreement between the table and the bundle, one sentence each, in the table's order. */
export function checkAttackTable(bundle: StixBundle, table: AttackTable): string[] {
  const problems: string[] = [];
  const patterns = new Map<string, StixObject[]>();
  const tactics = new Map<string, StixObject[]>();
  for (const o of bundle.objects) {
    const id = attackId(o);
    if (id === undefined) continue;
    const into = o.type === 'attack-pattern' ? patterns : o.type === 'x-mitre-tactic' ? tactics : null;
    if (into === null) continue;
    const list = into.get(id);
    if (list === undefined) into.set(id, [o]);
    else list.push(o);
  }
  if (patterns.size === 0) problems.push('the bundle has no attack-pattern with an ATT&CK id: not ATT&CK Enterprise STIX');
  if (tactics.size === 0) problems.push('the bundle has no x-mitre-tactic with an ATT&CK id: not ATT&CK Enterprise STIX');

  const release = bundleVersion(bundle);
  if (table.version !== undefined && release !== null && release !== table.version)
    problems.push(`ATTACK_VERSION is '${table.version}', the bundle is release '${release}'`);

  // Tactics: id, name, short name (the Navigator's and the kill chain's phase name).
  const byShortName = new Map<string, string>();
  for (const [id, list] of tactics) {
    const o = pick(list);
    if (o?.x_mitre_shortname !== undefined && current(o)) byShortName.set(o.x_mitre_shortname, id);
  }
  for (const [key, t] of Object.entries(table.tactics)) {
    if (key !== t.id) problems.push(`tactic ${key}: its entry's id is ${t.id}`);
    const o = pick(tactics.get(t.id));
    if (o === undefined) {
      problems.push(`tactic ${t.id} (${t.name}): not in the bundle`);
      continue;
    }
    const st = state(o);
    if (st !== null) problems.push(`tactic ${t.id} (${t.name}): ${st}`);
    if (o.name !== t.name) problems.push(`tactic ${t.id}: named '${t.name}', ATT&CK names it '${o.name}'`);
    if (o.x_mitre_shortname !== t.shortName)
      problems.push(`tactic ${t.id}: short name '${t.shortName}', ATT&CK's is '${o.x_mitre_shortname}'`);
  }

  // Techniques and sub-techniques: present, in use, Enterprise, named, with the same tactics.
  for (const [key, t] of Object.entries(table.techniques)) {
    if (key !== t.id) problems.push(`technique ${key}: its entry's id is ${t.id}`);
    const o = pick(patterns.get(t.id));
    if (o === undefined) {
      problems.push(`technique ${t.id} (${t.name}): not in the bundle`);
      continue;
    }
    const st = state(o);
    if (st !== null) problems.push(`technique ${t.id} (${t.name}): ${st}`);
    if (o.x_mitre_domains !== undefined && !o.x_mitre_domains.includes('enterprise-attack'))
      problems.push(`technique ${t.id}: not in the enterprise-attack domain (${o.x_mitre_domains.join(', ')})`);
    if (o.name !== t.name) problems.push(`technique ${t.id}: named '${t.name}', ATT&CK names it '${o.name}'`);
    const sub = t.id.includes('.');
    if (o.x_mitre_is_subtechnique !== undefined && o.x_mitre_is_subtechnique !== sub)
      problems.push(`technique ${t.id}: ATT&CK says ${o.x_mitre_is_subtechnique ? 'a sub-technique' : 'not a sub-technique'}`);
    const phases = (o.kill_chain_phases ?? []).filter((k) => k.kill_chain_name === 'mitre-attack');
    const theirs: string[] = [];
    for (const k of phases) {
      const ta = byShortName.get(k.phase_name ?? '');
      if (ta === undefined) problems.push(`technique ${t.id}: phase '${k.phase_name}' is no tactic in the bundle`);
      else if (!theirs.includes(ta)) theirs.push(ta);
    }
    if (!sameSet(t.tactics, theirs))
      problems.push(`technique ${t.id}: tactics [${t.tactics.join(', ')}], ATT&CK's are [${theirs.join(', ')}]`);
  }
  return problems;
}
