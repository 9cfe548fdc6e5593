/**
 * Learning: the groups and rules `learnedPolicy()` writes for known traffic (exactly), their stability, and
 * the round trip: the same traffic replayed with the learned policy in protect mode has no denied flow, new
 * connections are denied.
 */
import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../../src/events.js';
import { clientHelloRecord, sniExt } from '../protocols/tls/helpers.js';
import { addressRR, cnameRR, httpGet, Net, replayThrough } from './helpers.js';

/** A small workload: DNS, HTTPS by name (DNS and SNI), HTTP by Host, an internal Redis, an external address, IPv6, ICMP-free. */
function traffic(net: Net): void {
  net.dns('10.0.0.1', '10.0.0.53', 'api.github.com', [
    cnameRR('api.github.com', 'glb.github.example'),
    addressRR('glb.github.example', '140.82.1.1'),
  ]);
  net.tcp('10.0.0.1', '140.82.1.1', 443, [clientHelloRecord({ extensions: [] })]); // no SNI: named by DNS (the name asked)
  net.tcp('10.0.0.2', '185.199.1.1', 443, [clientHelloRecord({ extensions: [sniExt('objects.githubusercontent.com')] })]);
  net.tcp('10.0.0.2', '93.184.216.34', 80, [httpGet('example.org')]);
  net.tcp('10.0.0.1', '10.0.5.5', 6379, ['*1\r\n$4\r\nPING\r\n'], { reply: '+PONG\r\n' });
  net.tcp('10.0.0.1', '10.0.5.5', 6379, ['*1\r\n$4\r\nPING\r\n'], { reply: '+PONG\r\n' }); // same conversation again
  net.tcp('10.0.0.3', '198.51.100.9', 8080, [new Uint8Array([1, 2, 3, 250])]); // unknown application
  net.tcp('fd00::10', 'fd00::20', 5432);
}

describe('learnedPolicy', () => {
  it('groups endpoints and writes one allow rule per conversation, sorted', () => {
    const net = new Net({ policy: {}, tcp: { delivery: 'immediate' } });
    traffic(net);
    net.flows();
    const learned = net.engine.learnedPolicy();
    expect(learned).toEqual({
      mode: 'monitor',
      default: 'deny',
      groups: {
        'ext-198.51.100.9': { cidrs: ['198.51.100.9'] },
        'fqdn-api.github.com': { fqdns: ['api.github.com'] },
        'fqdn-example.org': { fqdns: ['example.org'] },
        'fqdn-objects.githubusercontent.com': { fqdns: ['objects.githubusercontent.com'] },
        'host-10.0.0.1': { cidrs: ['10.0.0.1'] },
        'host-10.0.0.2': { cidrs: ['10.0.0.2'] },
        'host-10.0.0.3': { cidrs: ['10.0.0.3'] },
        'host-10.0.0.53': { cidrs: ['10.0.0.53'] },
        'host-10.0.5.5': { cidrs: ['10.0.5.5'] },
        'host-fd00::10': { cidrs: ['fd00::10'] },
        'host-fd00::20': { cidrs: ['fd00::20'] },
      },
      rules: [
        { id: 'learned-1', from: 'host-10.0.0.1', to: 'fqdn-api.github.com', ports: ['tcp/443'], apps: ['tls'], action: 'allow' },
        { id: 'learned-2', from: 'host-10.0.0.1', to: 'host-10.0.0.53', ports: ['udp/53'], apps: ['dns'], action: 'allow' },
        { id: 'learned-3', from: 'host-10.0.0.1', to: 'host-10.0.5.5', ports: ['tcp/6379'], apps: ['redis'], action: 'allow' },
        { id: 'learned-4', from: 'host-10.0.0.2', to: 'fqdn-example.org', ports: ['tcp/80'], apps: ['http'], action: 'allow' },
        {
          id: 'learned-5',
          from: 'host-10.0.0.2',
          to: 'fqdn-objects.githubusercontent.com',
          ports: ['tcp/443'],
          apps: ['tls'],
          action: 'allow',
        },
        { id: 'learned-6', from: 'host-10.0.0.3', to: 'ext-198.51.100.9', ports: ['tcp/8080'], action: 'allow' },
        { id: 'learned-7', from: 'host-fd00::10', to: 'host-fd00::20', ports: ['tcp/5432'], action: 'allow' },
      ],
    });
  });

  it('run-time groups name their members; internal hosts may be grouped by network', () => {
    const net = new Net({
      policy: { groups: { frontend: ['10.0.0.0/30'], db: ['10.0.5.0/24'] }, learn: { prefix4: 24, prefix6: 64 } },
    });
    traffic(net);
    net.flows();
    const learned = net.engine.learnedPolicy();
    expect(Object.keys(learned.groups!)).toEqual([
      'db',
      'ext-198.51.100.9',
      'fqdn-api.github.com',
      'fqdn-example.org',
      'fqdn-objects.githubusercontent.com',
      'frontend',
      'net-10.0.0.0/24',
      'net-fd00::/64',
    ]);
    expect(learned.groups!.frontend).toEqual({ cidrs: ['10.0.0.0/30'] });
    expect(learned.groups!['net-10.0.0.0/24']).toEqual({ cidrs: ['10.0.0.0/24'] }); // the resolver, outside frontend
    expect(learned.rules!.find((r) => r.to === 'db')).toMatchObject({ from: 'frontend', ports: ['tcp/6379'], apps: ['redis'] });
    expect(learned.rules!.find((r) => r.from === 'net-fd00::/64')).toMatchObject({ to: 'net-fd00::/64', ports: ['tcp/5432'] });
  });

  it('is stable: the same traffic gives the same document, byte for byte', () => {
    const a = new Net({ policy: {} });
    traffic(a);
    a.flows();
    const b = replayThrough({ policy: {} }, a.sent);
    expect(JSON.stringify(b.engine.learnedPolicy())).toBe(JSON.stringify(a.engine.learnedPolicy()));
  });

  it('round trip: the learned policy in protect mode drops nothing of the traffic it came from, and denies new connections', () => {
    const net = new Net({ policy: {}, tcp: { delivery: 'immediate' } });
    traffic(net);
    net.flows();
    const learned = net.engine.learnedPolicy();
    const again = replayThrough({ policy: { document: learned, mode: 'protect' }, tcp: { delivery: 'immediate' } }, net.sent);
    expect(again.verdicts.filter((v) => v === 'drop')).toHaveLength(0);
    const flows = again.events.filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows).toHaveLength(8);
    expect(flows.filter((f) => f.policy!.action !== 'allow')).toEqual([]);
    expect(again.events.filter((e) => e.type === 'violation')).toEqual([]);

    // Other traffic: a new server, a new port, a new client, a name DNS never gave.
    const other = new Net({ policy: { document: learned, mode: 'protect' }, tcp: { delivery: 'immediate' } });
    other.tcp('10.0.0.1', '10.0.5.5', 6380, ['*1\r\n$4\r\nPING\r\n']);
    other.tcp('10.0.0.9', '10.0.5.5', 6379, ['*1\r\n$4\r\nPING\r\n']);
    other.tcp('10.0.0.1', '140.82.1.1', 443, [clientHelloRecord({ extensions: [] })]); // no DNS answer in this traffic
    other.tcp('10.0.0.1', '10.0.5.5', 6379, ['*1\r\n$4\r\nPING\r\n']); // learned: allowed
    const denied = other.flows().map((f) => f.policy!.action);
    expect(denied).toEqual(['deny', 'deny', 'deny', 'allow']);
  });

  it('learning can be turned off', () => {
    const net = new Net({ policy: { learn: false } });
    expect(() => net.engine.learnedPolicy()).toThrow(/learning is off/);
  });
});
