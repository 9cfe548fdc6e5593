/**
 * Threat events in EVE: Suricata alert lines (gid 10) with ATT&CK's ids and names in `alert.metadata` as
 * ET Open rules write them, attacker and target in `alert.source`/`alert.target`, and netsieve's `threat`
 * object (schema/eve-threat.schema.json). Valid against Suricata's EVE schema without that object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { ThreatEvent } from '../../src/events.js';
import { THREAT_GID, toEve } from '../../src/output/eve.js';
import { EVE_SCHEMA, REPO_ROOT } from '../support/corpus.js';

const OWN_SCHEMA = path.join(REPO_ROOT, 'schema', 'eve-threat.schema.json');

function threatEvent(withFlow: boolean): ThreatEvent {
  return {
    type: 'threat',
    ts: { sec: 1_767_225_600, nsec: 5_000_000 },
    ...(withFlow ? { flowId: 12345 } : {}),
    endpoints: {
      srcIp: '10.0.0.9',
      srcPort: withFlow ? 40000 : 0,
      destIp: '10.0.0.2',
      destPort: withFlow ? 80 : 0,
      proto: withFlow ? 'TCP' : 'IP',
    },
    threat: {
      name: 'port_scan',
      title: 'Port scan',
      category: 'Detection of a Network Scan',
      severity: 2,
      signatureId: 1001,
      techniques: ['T1046', 'T1498.002'],
      tactics: ['TA0007', 'TA0040'],
      attacker: '10.0.0.9',
      target: '10.0.0.2',
      count: 31,
      details: { ports: 31, kinds: ['syn'], rate: 12.5, complete: false },
      anomalies: ['decode.tcp_xmas'],
    },
  };
}

describe('threat alerts in EVE', () => {
  it('write the detector as an alert with ET Open-style mitre metadata and a threat object', () => {
    const line = toEve(threatEvent(true)) as Record<string, unknown>;
    expect(line.event_type).toBe('alert');
    expect(line.alert).toEqual({
      action: 'allowed',
      gid: THREAT_GID,
      signature_id: 1001,
      rev: 1,
      signature: 'netsieve threat: Port scan (T1046, T1498.002)',
      category: 'Detection of a Network Scan',
      severity: 2,
      source: { ip: '10.0.0.9' },
      target: { ip: '10.0.0.2' },
      metadata: {
        mitre_technique_id: ['T1046', 'T1498.002'],
        mitre_technique_name: ['Network_Service_Discovery', 'Network_Denial_of_Service_Reflection_Amplification'],
        mitre_tactic_id: ['TA0007', 'TA0040'],
        mitre_tactic_name: ['Discovery', 'Impact'],
        threat: ['port_scan'],
      },
    });
    expect(line.threat).toEqual({
      name: 'port_scan',
      count: 31,
      details: { ports: 31, kinds: ['syn'], rate: 12.5, complete: false },
      anomalies: ['decode.tcp_xmas'],
    });
    expect(line.flow_id).toBe(12345);
    expect(line.src_port).toBe(40000);
  });

  it('are valid against eve-threat.schema.json and, without the threat object, Suricata’s EVE schema', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    const own = ajv.compile(JSON.parse(fs.readFileSync(OWN_SCHEMA, 'utf8')));
    const lines = [toEve(threatEvent(true)), toEve(threatEvent(false))] as Record<string, unknown>[];
    for (const l of lines) expect(own(l.threat), JSON.stringify(own.errors)).toBe(true);
    expect(own({ name: 'Bad Name', count: 1, details: {} })).toBe(false);
    expect(own({ name: 'x', count: 1, details: { nested: { no: 1 } } })).toBe(false);
    if (!fs.existsSync(EVE_SCHEMA)) return; // reported once per run by the global setup
    const suricata = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')));
    for (const l of lines) {
      const { threat: _threat, ...rest } = l;
      expect(suricata(rest), JSON.stringify(suricata.errors)).toBe(true);
    }
  });
});
