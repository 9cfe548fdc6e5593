/**
 * The ATT&CK table (src/threats/attack.ts): its own consistency always; against ATT&CK's published STIX
 * (the release's `enterprise-attack.json` at `$NETSIEVE_ATTACK_STIX`) when a copy is at hand. The checker
 * itself (test/threats/attack-stix.ts) is tested on a small bundle written here.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ATTACK_TACTICS,
  ATTACK_TECHNIQUES,
  ATTACK_VERSION,
  mitreMetadata,
  STAGE_TECHNIQUES,
  techniqueFullName,
} from '../../src/threats/attack.js';
import { ATTACK_STIX, ATTACK_STIX_ABSENT, ATTACK_STIX_ENV, attackStixPresent } from '../support/corpus.js';
import { type AttackTable, checkAttackTable, isStixBundle, type StixBundle, type StixObject } from './attack-stix.js';

const TABLE: AttackTable = { techniques: ATTACK_TECHNIQUES, tactics: ATTACK_TACTICS, version: ATTACK_VERSION };

describe('the ATT&CK table', () => {
  it('keys every entry by its own id, in ATT&CK id form', () => {
    for (const [key, t] of Object.entries(ATTACK_TECHNIQUES)) {
      expect(t.id).toBe(key);
      expect(key).toMatch(/^T\d{4}(\.\d{3})?$/);
      expect(t.name.length).toBeGreaterThan(0);
    }
    for (const [key, t] of Object.entries(ATTACK_TACTICS)) {
      expect(t.id).toBe(key);
      expect(key).toMatch(/^TA\d{4}$/);
      expect(t.shortName).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  it('gives every technique at least one tactic, each in ATTACK_TACTICS', () => {
    for (const t of Object.values(ATTACK_TECHNIQUES)) {
      expect(t.tactics.length, t.id).toBeGreaterThan(0);
      for (const ta of t.tactics) expect(ATTACK_TACTICS[ta], `${t.id} -> ${ta}`).toBeDefined();
    }
  });

  it("lists every sub-technique's parent, and the parent has the sub-technique's tactics", () => {
    for (const t of Object.values(ATTACK_TECHNIQUES)) {
      if (!t.id.includes('.')) continue;
      const parent = ATTACK_TECHNIQUES[t.id.slice(0, t.id.indexOf('.'))];
      expect(parent, t.id).toBeDefined();
      for (const ta of t.tactics) expect(parent?.tactics, `${t.id} -> ${ta}`).toContain(ta);
    }
  });

  it('names the cryptomining sub-technique of Resource Hijacking (T1496.001, ATT&CK v16 and later)', () => {
    expect(techniqueFullName('T1496.001')).toBe('Resource Hijacking: Compute Hijacking');
  });

  it("tags the other stages' findings with techniques of the table", () => {
    for (const s of STAGE_TECHNIQUES)
      for (const id of s.techniques) expect(ATTACK_TECHNIQUES[id], `${s.source} ${id}`).toBeDefined();
  });

  it('says which release it was checked against, as a version number', () => {
    expect(ATTACK_VERSION).toMatch(/^\d+(\.\d+)?$/);
  });
});

describe('mitreMetadata', () => {
  it('writes ET Open style lists: ids, names with underscores, tactics once each in the order met', () => {
    expect(mitreMetadata(['T1498.002', 'T1498', 'T1557'])).toEqual({
      mitre_technique_id: ['T1498.002', 'T1498', 'T1557'],
      mitre_technique_name: [
        'Network_Denial_of_Service_Reflection_Amplification',
        'Network_Denial_of_Service',
        'Adversary-in-the-Middle',
      ],
      mitre_tactic_id: ['TA0040', 'TA0006', 'TA0009'],
      mitre_tactic_name: ['Impact', 'Credential_Access', 'Collection'],
    });
  });

  it('gives every list as an array of strings, names without spaces or colons, for every technique in the table', () => {
    const ids = Object.keys(ATTACK_TECHNIQUES);
    const m = mitreMetadata(ids);
    expect(Object.keys(m).sort()).toEqual(['mitre_tactic_id', 'mitre_tactic_name', 'mitre_technique_id', 'mitre_technique_name']);
    for (const list of Object.values(m)) {
      expect(Array.isArray(list)).toBe(true);
      for (const v of list) expect(typeof v).toBe('string');
    }
    expect(m.mitre_technique_id).toEqual(ids);
    expect(m.mitre_technique_name).toHaveLength(ids.length);
    expect(m.mitre_tactic_name).toHaveLength(m.mitre_tactic_id.length);
    for (const name of [...m.mitre_technique_name, ...m.mitre_tactic_name]) expect(name).toMatch(/^[A-Za-z0-9/_-]+$/);
    expect(new Set(m.mitre_tactic_id).size).toBe(m.mitre_tactic_id.length);
    expect(m.mitre_technique_name).toContain('Network_Denial_of_Service');
    expect(m.mitre_tactic_name).toContain('Command_and_Control');
  });

  it('keeps an id the table does not know, with the id as its name', () => {
    expect(mitreMetadata(['T9999'])).toEqual({
      mitre_technique_id: ['T9999'],
      mitre_technique_name: ['T9999'],
      mitre_tactic_id: [],
      mitre_tactic_name: [],
    });
  });
});

/** A small bundle in the shape of ATT&CK's: two tactics, a technique, its sub-technique, a revoked one. */
function tinyBundle(): StixBundle {
  const ref = (id: string) => [{ source_name: 'mitre-attack', external_id: id }];
  const phase = (p: string) => ({ kill_chain_name: 'mitre-attack', phase_name: p });
  const objects: StixObject[] = [
    { type: 'x-mitre-collection', x_mitre_version: '99.1' },
    { type: 'x-mitre-tactic', name: 'Impact', x_mitre_shortname: 'impact', external_references: ref('TA0040') },
    { type: 'x-mitre-tactic', name: 'Discovery', x_mitre_shortname: 'discovery', external_references: ref('TA0007') },
    {
      type: 'attack-pattern',
      name: 'Network Denial of Service',
      external_references: ref('T1498'),
      kill_chain_phases: [phase('impact')],
      x_mitre_is_subtechnique: false,
      x_mitre_domains: ['enterprise-attack'],
    },
    {
      type: 'attack-pattern',
      name: 'Reflection Amplification',
      external_references: ref('T1498.002'),
      kill_chain_phases: [phase('impact')],
      x_mitre_is_subtechnique: true,
      x_mitre_domains: ['enterprise-attack'],
    },
    { type: 'attack-pattern', name: 'Old One', revoked: true, external_references: ref('T1000'), kill_chain_phases: [] },
  ];
  return { type: 'bundle', objects };
}

describe('checkAttackTable (test/threats/attack-stix.ts)', () => {
  const tactics = {
    TA0040: { id: 'TA0040', name: 'Impact', shortName: 'impact' },
    TA0007: { id: 'TA0007', name: 'Discovery', shortName: 'discovery' },
  };
  const good = {
    T1498: { id: 'T1498', name: 'Network Denial of Service', tactics: ['TA0040'] },
    'T1498.002': { id: 'T1498.002', name: 'Reflection Amplification', tactics: ['TA0040'] },
  };

  it('finds nothing when the table agrees', () => {
    expect(checkAttackTable(tinyBundle(), { techniques: good, tactics, version: '99.1' })).toEqual([]);
  });

  it('reports a wrong name, wrong tactics, a missing id, a revoked id, a wrong version, a wrong short name', () => {
    const problems = checkAttackTable(tinyBundle(), {
      techniques: {
        T1498: { id: 'T1498', name: 'Network DoS', tactics: ['TA0040', 'TA0007'] },
        T1499: { id: 'T1499', name: 'Endpoint Denial of Service', tactics: ['TA0040'] },
        T1000: { id: 'T1000', name: 'Old One', tactics: [] },
      },
      tactics: { ...tactics, TA0007: { id: 'TA0007', name: 'Discovery', shortName: 'discover' } },
      version: '18',
    });
    expect(problems).toEqual([
      "ATTACK_VERSION is '18', the bundle is release '99.1'",
      "tactic TA0007: short name 'discover', ATT&CK's is 'discovery'",
      "technique T1498: named 'Network DoS', ATT&CK names it 'Network Denial of Service'",
      "technique T1498: tactics [TA0040, TA0007], ATT&CK's are [TA0040]",
      'technique T1499 (Endpoint Denial of Service): not in the bundle',
      'technique T1000 (Old One): revoked',
    ]);
  });

  it('reports a deprecated technique and a bundle that is not ATT&CK', () => {
    const b = tinyBundle();
    const sub = b.objects.find((o) => o.name === 'Reflection Amplification');
    if (sub !== undefined) sub.x_mitre_deprecated = true;
    expect(checkAttackTable(b, { techniques: good, tactics })).toEqual([
      'technique T1498.002 (Reflection Amplification): deprecated',
    ]);
    expect(checkAttackTable({ objects: [] }, { techniques: {}, tactics: {} })).toHaveLength(2);
  });
});

const STIX_NEED = attackStixPresent ? `$${ATTACK_STIX_ENV}: ${ATTACK_STIX}` : ATTACK_STIX_ABSENT;

describe.skipIf(!attackStixPresent)(`the ATT&CK table against ATT&CK's STIX (${STIX_NEED})`, () => {
  it('has every id in use, named and with the tactics as the release says, and the release as ATTACK_VERSION', () => {
    const bundle: unknown = JSON.parse(fs.readFileSync(ATTACK_STIX, 'utf8'));
    if (!isStixBundle(bundle)) throw new Error(`${ATTACK_STIX}: not a STIX bundle`);
    expect(checkAttackTable(bundle, TABLE)).toEqual([]);
  });
});
