/**
 * EVE: a flow line with a policy validates against Suricata's schema once its `policy` object is set aside,
 * and that object against netsieve's (schema/eve-policy.schema.json); a violation is a Suricata alert line,
 * valid as it is, with the rule in `alert.metadata.policy_rule`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { toEve } from '../../src/output/eve.js';
import { EVE_SCHEMA, REPO_ROOT } from '../support/corpus.js';
import { httpGet, Net } from './helpers.js';

const OWN_SCHEMA = path.join(REPO_ROOT, 'schema', 'eve-policy.schema.json');
const suricataPresent = fs.existsSync(EVE_SCHEMA);

function traffic(mode: 'monitor' | 'protect'): Net {
  const net = new Net({
    policy: {
      mode,
      document: {
        default: 'deny',
        groups: { lan: { cidrs: ['10.0.0.0/8'] }, site: { fqdns: ['example.org'] } },
        rules: [
          { id: 'lan-web', from: 'lan', to: 'site', ports: ['tcp/80'], apps: ['http'], action: 'allow' },
          { id: 'no-ssh', from: 'lan', to: 'lan', ports: ['tcp/22'], action: 'deny' },
        ],
      },
    },
  });
  net.tcp('10.0.0.1', '93.184.216.34', 80, [httpGet('example.org')]);
  net.tcp('10.0.0.1', '10.0.0.9', 22, ['SSH-2.0-x\r\n']);
  net.tcp('10.0.0.1', '10.0.0.9', 23);
  net.flows();
  return net;
}

describe('EVE with a policy', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const own = ajv.compile(JSON.parse(fs.readFileSync(OWN_SCHEMA, 'utf8')));

  it('flow lines carry the decision; violations are alerts with the rule in their metadata', () => {
    const net = traffic('protect');
    const lines = net.events
      .filter((e) => e.type === 'flow' || e.type === 'violation')
      .map((e) => toEve(e) as Record<string, unknown>);
    const flows = lines.filter((l) => l.event_type === 'flow');
    expect(flows.map((l) => l.policy)).toEqual([
      {
        action: 'allow',
        rule: 'lan-web',
        mode: 'protect',
        evidence: {
          app: 'http',
          from_group: 'lan',
          to_group: 'site',
          name: 'example.org',
          name_source: 'host',
          server_name: 'example.org',
        },
      },
      { action: 'deny', rule: 'no-ssh', mode: 'protect', evidence: { app: null, from_group: 'lan', to_group: 'lan' } },
      { action: 'deny', rule: 'default', mode: 'protect', evidence: { app: null } },
    ]);
    for (const l of flows) expect(own(l.policy), JSON.stringify(own.errors)).toBe(true);
    const alerts = lines.filter((l) => l.event_type === 'alert');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatchObject({
      event_type: 'alert',
      src_ip: '10.0.0.1',
      dest_ip: '10.0.0.9',
      dest_port: 22,
      direction: 'to_server',
      alert: {
        action: 'blocked',
        gid: 8,
        signature_id: 1,
        signature: 'netsieve policy: flow denied by rule no-ssh (lan -> lan)',
        metadata: {
          policy_rule: ['no-ssh'],
          policy_action: ['deny'],
          policy_mode: ['protect'],
          policy_from: ['lan'],
          policy_to: ['lan'],
        },
      },
    });
    expect(alerts[1]).toMatchObject({ dest_port: 23, alert: { signature_id: 2, metadata: { policy_rule: ['default'] } } });
    expect(
      traffic('monitor')
        .events.filter((e) => e.type === 'violation')
        .map((e) => (toEve(e) as { alert: { action: string } }).alert.action),
    ).toEqual(['allowed', 'allowed']);
  });

  it.skipIf(!suricataPresent)("every line is valid in Suricata's schema (flow lines without their policy object)", () => {
    const suricata = ajv.compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')));
    const net = traffic('protect');
    let checked = 0;
    for (const ev of net.events) {
      const line = toEve(ev) as Record<string, unknown>;
      delete line.policy;
      expect(suricata(line), `${JSON.stringify(line)}\n${JSON.stringify(suricata.errors)}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });
});
