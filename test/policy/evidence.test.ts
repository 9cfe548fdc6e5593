/**
 * Server names as evidence: a flow's TLS SNI or HTTP Host puts its server in a names group (when DNS did not),
 * decisions wait for it, and a name that contradicts what DNS said about the address raises
 * `policy.server_name_mismatch` without changing the decision.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../src/policy/types.js';
import { clientHelloRecord, sniExt } from '../protocols/tls/helpers.js';
import { addressRR, httpGet, Net } from './helpers.js';

const doc: PolicyDocument = {
  mode: 'protect',
  default: 'deny',
  groups: { any: { cidrs: ['0.0.0.0/0', '::/0'] }, gh: { fqdns: ['*.github.com'] }, site: { fqdns: ['example.org'] } },
  rules: [
    { id: 'gh-tls', from: 'any', to: 'gh', ports: ['tcp/443'], apps: ['tls'], action: 'allow' },
    { id: 'site-http', from: 'any', to: 'site', ports: ['tcp/80'], apps: ['http'], action: 'allow' },
  ],
};

const hello = (name: string | null) => clientHelloRecord({ extensions: name === null ? [] : [sniExt(name)] });

describe('SNI and Host', () => {
  it('the SNI puts the server in a names group without DNS', () => {
    const net = new Net({ policy: { document: doc }, tcp: { delivery: 'immediate' } });
    const ok = net.tcp('10.0.0.1', '140.82.1.9', 443, [hello('API.GitHub.com')]);
    expect(ok.verdicts.every((v) => v === 'accept')).toBe(true);
    const bad = net.tcp('10.0.0.1', '140.82.1.9', 443, [hello('github.com')]); // the apex is not *.github.com
    expect(bad.verdicts.slice(0, 3)).toEqual(['accept', 'accept', 'accept']);
    expect(bad.verdicts[3]).toBe('drop');
    const none = net.tcp('10.0.0.1', '140.82.1.9', 443, [hello(null)]);
    expect(none.verdicts[3]).toBe('drop');
    const flows = net.flows(443);
    expect(flows.map((f) => [f.policy!.rule, f.policy!.evidence.serverName ?? null])).toEqual([
      ['gh-tls', 'api.github.com'],
      ['default', 'github.com'],
      ['default', null],
    ]);
    expect(flows[0]!.policy!.evidence).toMatchObject({ name: 'api.github.com', nameSource: 'sni', app: 'tls' });
  });

  it('the Host puts the server in a names group (port and case stripped)', () => {
    const net = new Net({ policy: { document: doc }, tcp: { delivery: 'immediate' } });
    net.tcp('10.0.0.1', '93.184.216.34', 80, [httpGet('Example.ORG:80')]);
    net.tcp('10.0.0.1', '93.184.216.34', 80, [httpGet('www.example.org')]);
    net.tcp('10.0.0.1', '93.184.216.34', 80, [httpGet(null)]);
    expect(net.flows(80).map((f) => [f.policy!.rule, f.policy!.evidence.nameSource ?? null])).toEqual([
      ['site-http', 'host'],
      ['default', null],
      ['default', null],
    ]);
  });

  it('a ClientHello split over packets: decided when its last byte arrives', () => {
    const net = new Net({ policy: { document: doc }, tcp: { delivery: 'immediate' } });
    const ch = hello('api.github.com');
    const parts = [ch.subarray(0, 3), ch.subarray(3, 40), ch.subarray(40)];
    const r = net.tcp('10.0.0.1', '140.82.1.9', 443, parts);
    expect(r.verdicts.every((v) => v === 'accept')).toBe(true);
    expect(net.flows(443)[0]!.policy!.rule).toBe('gh-tls');
    expect(net.engine.stats().policy!.decisions).toBe(2);
  });

  it('a name that DNS did not give the address raises the mismatch anomaly, once, and changes nothing', () => {
    const net = new Net({ policy: { document: doc }, tcp: { delivery: 'immediate' } });
    net.dns('10.0.0.1', '10.0.0.53', 'front.example.net', [addressRR('front.example.net', '203.0.113.5')]);
    net.tcp('10.0.0.1', '203.0.113.5', 443, [hello('hidden.github.com')]);
    net.tcp('10.0.0.1', '203.0.113.5', 443, [hello('front.example.net')]); // agrees with DNS
    net.tcp('10.0.0.1', '203.0.113.6', 443, [hello('other.github.com')]); // DNS said nothing about it
    const mismatches = net.anomalies('policy.server_name_mismatch');
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]!.endpoints?.destIp).toBe('203.0.113.5');
    const flows = net.flows(443);
    // Allowed by its SNI all the same: the anomaly is a hint, not a decision.
    expect(flows.map((f) => f.policy!.rule)).toEqual(['gh-tls', 'default', 'gh-tls']);
  });

  it('an address literal as Host is not a contradiction', () => {
    const net = new Net({ policy: { document: doc } });
    net.dns('10.0.0.1', '10.0.0.53', 'example.org', [addressRR('example.org', '93.184.216.34')]);
    net.tcp('10.0.0.1', '93.184.216.34', 80, [httpGet('93.184.216.34')]);
    expect(net.anomalies('policy.server_name_mismatch')).toHaveLength(0);
    expect(net.flows(80)[0]!.policy!.rule).toBe('site-http'); // by DNS
  });
});
