/**
 * ATT&CK tags everywhere: every detector's techniques are in the ATT&CK table (names and tactics checked
 * against the STIX data by attack.test.ts), detectors are well formed (unique names and sids, a doc per
 * threshold), the DLP sensors' rules carry T1041/T1048 as ET Open metadata, and policy violations carry T1021
 * in their EVE alert.
 */
import { describe, expect, it } from 'vitest';
import { dlpSignatures } from '../../src/detect/dlp-signatures.js';
import type { ViolationEvent } from '../../src/events.js';
import { toEve } from '../../src/output/eve.js';
import { ATTACK_TECHNIQUES, STAGE_TECHNIQUES } from '../../src/threats/attack.js';
import { THREAT_DETECTORS } from '../../src/threats/registry.js';

describe('ATT&CK tags', () => {
  it('every detector is well formed and tagged with techniques of the table', () => {
    const names = new Set<string>();
    const sids = new Set<number>();
    for (const d of THREAT_DETECTORS) {
      expect(d.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(names.has(d.name), d.name).toBe(false);
      expect(sids.has(d.signatureId), String(d.signatureId)).toBe(false);
      names.add(d.name);
      sids.add(d.signatureId);
      expect(d.techniques.length, d.name).toBeGreaterThan(0);
      for (const t of d.techniques) expect(ATTACK_TECHNIQUES[t], `${d.name}: ${t}`).toBeDefined();
      for (const k of Object.keys(d.defaults)) expect((d.docs as Record<string, string>)[k], `${d.name}.${k}`).toBeTruthy();
      expect([1, 2, 3]).toContain(d.severity);
    }
    for (const s of STAGE_TECHNIQUES) for (const t of s.techniques) expect(ATTACK_TECHNIQUES[t], t).toBeDefined();
  });

  it('DLP rules carry exfiltration (T1041, T1048) as ET Open metadata', () => {
    for (const sig of dlpSignatures()) {
      const md = sig.rule.metadata;
      expect(md.filter(([k]) => k === 'mitre_technique_id').map(([, v]) => v)).toEqual(['T1041', 'T1048']);
      expect(md.filter(([k]) => k === 'mitre_tactic_name').map(([, v]) => v)).toEqual(['Exfiltration']);
    }
  });

  it('policy violations carry lateral movement (T1021) in their EVE alert', () => {
    const ev: ViolationEvent = {
      type: 'violation',
      ts: { sec: 1_767_225_600, nsec: 0 },
      flowId: 1,
      endpoints: { srcIp: '10.0.0.1', srcPort: 40000, destIp: '10.0.0.2', destPort: 22, proto: 'TCP' },
      policy: { action: 'deny', rule: 'default', mode: 'monitor', evidence: { app: null } } as ViolationEvent['policy'],
      violationFlow: {
        pktsToServer: 1,
        pktsToClient: 0,
        bytesToServer: 60,
        bytesToClient: 0,
        start: { sec: 1_767_225_600, nsec: 0 },
      },
    };
    const alert = (toEve(ev) as { alert: { metadata: Record<string, string[]> } }).alert;
    expect(alert.metadata.mitre_technique_id).toEqual(['T1021']);
    expect(alert.metadata.mitre_tactic_name).toEqual(['Lateral_Movement']);
    expect(alert.metadata.policy_rule).toEqual(['default']);
  });
});
