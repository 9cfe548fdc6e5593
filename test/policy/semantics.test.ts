/**
 * The policy's semantics, rule by rule, on synthetic traffic through the engine: first match, ports with
 * transport and ranges, applications known late or never, the default, IPv4 and IPv6 blocks, names from DNS
 * (exact, wildcard vs apex, CNAME chains, TTL and grace), SNI and Host evidence, the contradiction anomaly,
 * modes and their changes on a running engine, and how often flows are decided.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../src/policy/types.js';
import { addressRR, cnameRR, httpGet, Net } from './helpers.js';

const ANY = { cidrs: ['0.0.0.0/0', '::/0'] };

function policy(
  rules: PolicyDocument['rules'],
  groups: PolicyDocument['groups'] = {},
  extra: Partial<PolicyDocument> = {},
): PolicyDocument {
  return { mode: 'monitor', default: 'deny', groups: { any: ANY, ...groups }, rules, ...extra };
}

describe('rules', () => {
  it('the first matching rule decides, in file order', () => {
    const net = new Net({
      policy: {
        document: policy(
          [
            { id: 'deny-db', from: 'web', to: 'db', ports: ['tcp/5432'], action: 'deny' },
            { id: 'allow-web-any', from: 'web', to: 'any', action: 'allow' },
          ],
          { web: { cidrs: ['10.0.0.0/24'] }, db: { cidrs: ['10.0.1.5'] } },
        ),
      },
    });
    net.tcp('10.0.0.7', '10.0.1.5', 5432);
    net.tcp('10.0.0.7', '10.0.1.5', 6379);
    net.tcp('10.0.9.7', '10.0.1.5', 6379); // not in web: no rule
    const flows = net.flows();
    expect(flows.map((f) => [f.endpoints.destPort, f.endpoints.srcIp, f.policy?.action, f.policy?.rule])).toEqual([
      [5432, '10.0.0.7', 'deny', 'deny-db'],
      [6379, '10.0.0.7', 'allow', 'allow-web-any'],
      [6379, '10.0.9.7', 'deny', 'default'],
    ]);
    expect(flows[1]!.policy!.evidence).toMatchObject({ fromGroup: 'web', toGroup: 'any', app: null });
    expect(flows[2]!.policy!.evidence.fromGroup).toBeUndefined();
  });

  it('the default decides when no rule matches, allow or deny', () => {
    for (const d of ['allow', 'deny'] as const) {
      const net = new Net({ policy: { document: policy([], {}, { default: d }) } });
      net.tcp('10.0.0.1', '10.0.0.2', 80);
      expect(net.flows()[0]!.policy).toMatchObject({ action: d, rule: 'default', mode: 'monitor' });
    }
  });

  it('ports need the transport, and ranges include both ends', () => {
    const net = new Net({
      policy: {
        document: policy([
          { id: 'range', from: 'any', to: 'any', ports: ['tcp/8000-8100'], action: 'allow' },
          { id: 'dns', from: 'any', to: 'any', ports: ['udp/53'], action: 'allow' },
          { id: 'all-udp', from: 'any', to: 'any', ports: ['udp'], action: 'deny' },
        ]),
      },
    });
    for (const port of [7999, 8000, 8100, 8101]) net.tcp('10.0.0.1', '10.0.0.2', port);
    net.tcp('10.0.0.1', '10.0.0.2', 53); // tcp/53 is not udp/53
    net.udp('10.0.0.1', '10.0.0.2', 53, new Uint8Array([1, 2, 3, 4]));
    net.udp('10.0.0.1', '10.0.0.2', 9999, new Uint8Array([1, 2, 3, 4]));
    const got = net.flows().map((f) => `${f.endpoints.proto}/${f.endpoints.destPort}:${f.policy!.rule}`);
    expect(got).toEqual([
      'TCP/7999:default',
      'TCP/8000:range',
      'TCP/8100:range',
      'TCP/8101:default',
      'TCP/53:default',
      'UDP/53:dns',
      'UDP/9999:all-udp',
    ]);
  });

  it('ICMP and other protocols match their transport, with no port', () => {
    const net = new Net({
      policy: { document: policy([{ id: 'tcp', from: 'any', to: 'any', ports: ['tcp'], action: 'allow' }]) },
    });
    net.tcp('fd00::1', 'fd00::2', 1234);
    net.udp('fd00::1', 'fd00::2', 1234, new Uint8Array(4));
    expect(net.flows().map((f) => f.policy!.rule)).toEqual(['tcp', 'default']);
  });

  it('IPv4 and IPv6 blocks: containment by prefix, both families in one group', () => {
    const net = new Net({
      policy: {
        document: policy([{ id: 'inside', from: 'inside', to: 'inside', action: 'allow' }], {
          inside: { cidrs: ['192.168.4.0/22', 'fd00:1::/48', '2001:db8::7'] },
        }),
      },
    });
    const pairs: [string, string, string][] = [
      ['192.168.4.1', '192.168.7.255', 'inside'],
      ['192.168.4.1', '192.168.8.0', 'default'],
      ['fd00:1::1', 'fd00:1:0:ffff::9', 'inside'],
      ['fd00:1::1', 'fd00:2::1', 'default'],
      ['fd00:1::1', '2001:db8::7', 'inside'],
      ['fd00:1::1', '2001:db8::8', 'default'],
    ];
    for (const [c, s] of pairs) net.tcp(c, s, 22);
    expect(net.flows().map((f) => f.policy!.rule)).toEqual(pairs.map((p) => p[2]));
  });

  it('a group nobody defined contains nothing', () => {
    const net = new Net({ policy: { document: policy([{ id: 'ghost', from: 'any', to: 'nowhere', action: 'allow' }]) } });
    net.tcp('10.0.0.1', '10.0.0.2', 80);
    expect(net.flows()[0]!.policy!.rule).toBe('default');
  });
});

describe('applications', () => {
  const doc = policy([
    { id: 'web-http', from: 'any', to: 'any', ports: ['tcp/80'], apps: ['http'], action: 'allow' },
    { id: 'web-tls', from: 'any', to: 'any', ports: ['tcp/8443'], apps: ['tls'], action: 'allow' },
  ]);

  it('a flow is allowed provisionally until its application is known, then decided on it', () => {
    // Inline use: bytes reach the parsers as they arrive, so the request's own packet is the one decided on.
    const net = new Net({ policy: { document: doc, mode: 'protect' }, tcp: { delivery: 'immediate' } });
    const ok = net.tcp('10.0.0.1', '10.0.0.2', 80, [httpGet('example.com')], {
      reply: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    });
    expect(ok.verdicts.every((v) => v === 'accept')).toBe(true);
    // HTTP where TLS is required: the handshake passes, the request's packet is dropped, and everything after it.
    const bad = net.tcp('10.0.0.1', '10.0.0.2', 8443, [httpGet('example.com'), httpGet('example.com', '/2')]);
    expect(bad.verdicts.slice(0, 3)).toEqual(['accept', 'accept', 'accept']);
    expect(bad.verdicts.slice(3).every((v) => v === 'drop')).toBe(true);
    const flows = net.flows();
    expect(flows.map((f) => [f.policy!.action, f.policy!.rule, f.policy!.evidence.app])).toEqual([
      ['allow', 'web-http', 'http'],
      ['deny', 'default', 'http'],
    ]);
    expect(net.violations()).toHaveLength(1);
    expect(net.violations()[0]!.endpoints.destPort).toBe(8443);
    const s = net.engine.stats().policy!;
    expect(s.packetsDropped).toBe(bad.verdicts.length - 3);
    expect(s.flowsDenied).toBe(1);
    expect(s.flowsAllowed).toBe(1);
  });

  it('a flow whose application stays unknown matches no rule that lists apps', () => {
    const net = new Net({ policy: { document: doc } });
    net.tcp('10.0.0.1', '10.0.0.2', 80, [new Uint8Array([0, 1, 2, 3, 250, 251, 252, 253])]);
    net.tcp('10.0.0.1', '10.0.0.2', 80); // no data at all: decided at its end
    const flows = net.flows();
    expect(flows.map((f) => [f.policy!.rule, f.policy!.evidence.app])).toEqual([
      ['default', null],
      ['default', null],
    ]);
    expect(net.violations()).toHaveLength(2);
  });

  it('every possible outcome a deny: denied at the first packet, before the application is known', () => {
    const net = new Net({
      policy: {
        document: policy([{ id: 'no-tls-here', from: 'any', to: 'any', ports: ['tcp/80'], apps: ['tls'], action: 'deny' }]),
        mode: 'protect',
      },
    });
    const r = net.tcp('10.0.0.1', '10.0.0.2', 80, [httpGet('x')]);
    expect(r.verdicts.every((v) => v === 'drop')).toBe(true);
    expect(net.violations()).toHaveLength(1);
    // Final decision: the app is HTTP, so the tls rule did not decide; the default did.
    expect(net.flows()[0]!.policy!.rule).toBe('default');
  });
});

describe('names from DNS', () => {
  const gh = policy(
    [
      { id: 'gh', from: 'any', to: 'gh', ports: ['tcp/443'], action: 'allow' },
      { id: 'exact', from: 'any', to: 'exact', ports: ['tcp/443'], action: 'allow' },
    ],
    { gh: { fqdns: ['*.github.com'] }, exact: { fqdns: ['example.org'] } },
  );

  it('exact names, and wildcards for subdomains only (never the apex)', () => {
    const net = new Net({ policy: { document: gh } });
    net.dns('10.0.0.1', '10.0.0.53', 'api.github.com', [addressRR('api.github.com', '140.82.1.1')]);
    net.dns('10.0.0.1', '10.0.0.53', 'a.b.github.com', [addressRR('a.b.github.com', '140.82.1.2')]);
    net.dns('10.0.0.1', '10.0.0.53', 'github.com', [addressRR('github.com', '140.82.1.3')]);
    net.dns('10.0.0.1', '10.0.0.53', 'EXAMPLE.org', [addressRR('EXAMPLE.org', '2001:db8::80')], 28);
    net.dns('10.0.0.1', '10.0.0.53', 'www.example.org', [addressRR('www.example.org', '2001:db8::81')], 28);
    for (const a of ['140.82.1.1', '140.82.1.2', '140.82.1.3', '140.82.1.4']) net.tcp('10.0.0.1', a, 443);
    for (const a of ['2001:db8::80', '2001:db8::81']) net.tcp('fd00::1', a, 443);
    const got = net.flows(443).map((f) => [f.endpoints.destIp, f.policy!.rule, f.policy!.evidence.name ?? null]);
    expect(got).toEqual([
      ['140.82.1.1', 'gh', 'api.github.com'],
      ['140.82.1.2', 'gh', 'a.b.github.com'],
      ['140.82.1.3', 'default', null],
      ['140.82.1.4', 'default', null],
      ['2001:db8::80', 'exact', 'example.org'],
      ['2001:db8::81', 'default', null],
    ]);
    expect(net.flows(443)[0]!.policy!.evidence.nameSource).toBe('dns');
  });

  it('CNAME chains: the asked name and every alias on the way count, with the smallest TTL', () => {
    const net = new Net({ policy: { document: gh, names: { graceSeconds: 0 } } });
    net.dns('10.0.0.1', '10.0.0.53', 'codeload.github.com', [
      cnameRR('codeload.github.com', 'lb.github.map.example', 30),
      cnameRR('lb.github.map.example', 'edge7.cdn.example', 300),
      addressRR('edge7.cdn.example', '198.51.100.7', 300),
    ]);
    net.tcp('10.0.0.1', '198.51.100.7', 443);
    net.wait(60); // past the first CNAME's 30 s: the chain's name is gone
    net.tcp('10.0.0.1', '198.51.100.7', 443);
    expect(net.flows(443).map((f) => [f.policy!.rule, f.policy!.evidence.name ?? null])).toEqual([
      ['gh', 'codeload.github.com'],
      ['default', null],
    ]);
  });

  it('TTL and grace: alive within TTL + grace, gone after', () => {
    const net = new Net({ policy: { document: gh, names: { graceSeconds: 100 } } });
    net.dns('10.0.0.1', '10.0.0.53', 'api.github.com', [addressRR('api.github.com', '140.82.1.1', 60)]);
    net.wait(50);
    net.tcp('10.0.0.1', '140.82.1.1', 443); // within the TTL
    net.wait(100);
    net.tcp('10.0.0.1', '140.82.1.1', 443); // past the TTL, within the grace
    net.wait(100);
    net.tcp('10.0.0.1', '140.82.1.1', 443); // past both
    expect(net.flows(443).map((f) => f.policy!.rule)).toEqual(['gh', 'gh', 'default']);
    expect(net.engine.stats().policy!.names.expired).toBe(1);
  });

  it('a name is learned from responses only, and shared by every flow and client', () => {
    const net = new Net({ policy: { document: gh } });
    net.dns('10.0.0.1', '10.0.0.53', 'api.github.com', [addressRR('api.github.com', '140.82.1.1')]);
    net.tcp('10.0.0.99', '140.82.1.1', 443);
    expect(net.flows(443)[0]!.policy!.rule).toBe('gh');
  });

  it('the table is bounded: the least recently refreshed name goes, and it is reported', () => {
    const net = new Net({ policy: { document: gh, names: { maxEntries: 2 } } });
    net.dns('10.0.0.1', '10.0.0.53', 'a.github.com', [addressRR('a.github.com', '140.82.1.1')]);
    net.dns('10.0.0.1', '10.0.0.53', 'b.github.com', [addressRR('b.github.com', '140.82.1.2')]);
    net.dns('10.0.0.1', '10.0.0.53', 'c.github.com', [addressRR('c.github.com', '140.82.1.3')]);
    for (const a of ['140.82.1.1', '140.82.1.2', '140.82.1.3']) net.tcp('10.0.0.1', a, 443);
    expect(net.flows(443).map((f) => f.policy!.rule)).toEqual(['default', 'gh', 'gh']);
    expect(net.engine.stats().policy!.names).toMatchObject({ entries: 2, evicted: 1 });
    expect(net.anomalies('policy.name_table_full')).toHaveLength(1);
  });

  it('a client address can be in a names group too (DNS named it)', () => {
    const net = new Net({
      policy: {
        document: policy([{ id: 'from-named', from: 'named', to: 'any', action: 'allow' }], {
          named: { fqdns: ['builder.internal.example'] },
        }),
      },
    });
    net.dns('10.0.0.1', '10.0.0.53', 'builder.internal.example', [addressRR('builder.internal.example', '10.0.0.40')]);
    net.tcp('10.0.0.40', '10.0.0.2', 22);
    expect(net.flows(22)[0]!.policy!.rule).toBe('from-named');
  });
});

describe('modes', () => {
  const denyAll = policy([{ id: 'allow-dns', from: 'any', to: 'any', ports: ['udp/53'], action: 'allow' }]);

  it('discover allows and reports nothing, monitor reports, protect drops', () => {
    for (const mode of ['discover', 'monitor', 'protect'] as const) {
      const net = new Net({ policy: { document: denyAll, mode } });
      const r = net.tcp('10.0.0.1', '10.0.0.2', 22);
      expect(r.verdicts.every((v) => v === (mode === 'protect' ? 'drop' : 'accept'))).toBe(true);
      expect(net.violations()).toHaveLength(mode === 'discover' ? 0 : 1);
      const f = net.flows()[0]!;
      expect(f.policy).toMatchObject({ action: 'deny', rule: 'default', mode });
    }
  });

  it('the document sets the mode; the option overrides it; no document is discover', () => {
    expect(new Net({ policy: { document: { ...denyAll, mode: 'protect' } } }).engine.stats().policy!.mode).toBe('protect');
    expect(new Net({ policy: { document: { ...denyAll, mode: 'protect' }, mode: 'monitor' } }).engine.stats().policy!.mode).toBe(
      'monitor',
    );
    expect(new Net({ policy: {} }).engine.stats().policy!.mode).toBe('discover');
  });

  it('a violation is written once per denied flow, however many packets it has', () => {
    const net = new Net({ policy: { document: denyAll } });
    net.tcp('10.0.0.1', '10.0.0.2', 22, ['a', 'b', 'c', 'd', 'e']);
    expect(net.violations()).toHaveLength(1);
    expect(net.violations()[0]!.policy).toMatchObject({ action: 'deny', rule: 'default', mode: 'monitor' });
  });

  it('changing the mode on a running engine decides open flows again', () => {
    const net = new Net({ policy: { document: denyAll, mode: 'discover' } });
    const before = net.tcp('10.0.0.1', '10.0.0.2', 22, ['x'], { open: true, sport: 41000 });
    expect(before.verdicts.every((v) => v === 'accept')).toBe(true);
    expect(net.violations()).toHaveLength(0);
    net.engine.setMode('monitor');
    expect(net.violations()).toHaveLength(1); // the open flow, at the change
    net.engine.setMode('protect');
    const after = net.tcp('10.0.0.1', '10.0.0.2', 22, ['y'], { sport: 41000 });
    // The same connection continues (no new SYN would be accepted as a new flow here): every packet dropped.
    expect(after.verdicts.filter((v) => v === 'drop').length).toBeGreaterThan(0);
    expect(net.violations()).toHaveLength(1); // still once
    net.engine.setMode('monitor');
    const later = net.tcp('10.0.0.3', '10.0.0.2', 22);
    expect(later.verdicts.every((v) => v === 'accept')).toBe(true);
  });

  it('replacing the policy on a running engine decides open flows again', () => {
    const net = new Net({ policy: { document: denyAll, mode: 'protect' } });
    const p1 = net.tcp('10.0.0.1', '10.0.0.2', 22, [], { open: true, sport: 42000 });
    expect(p1.verdicts.every((v) => v === 'drop')).toBe(true);
    const warnings = net.engine.setPolicy(
      policy([{ id: 'ssh', from: 'any', to: 'any', ports: ['tcp/22'], action: 'allow' }], {}, { mode: 'protect' }),
    );
    expect(warnings).toEqual([]);
    const v = net.engine.process({ data: new Uint8Array(0), tsSec: 0 }); // not IP: no flow, accepted
    expect(v).toBe('accept');
    const p2 = net.tcp('10.0.0.1', '10.0.0.2', 22, ['more'], { sport: 42000 });
    expect(p2.verdicts.every((v) => v === 'accept')).toBe(true);
    expect(net.flows(22)[0]!.policy!.rule).toBe('ssh');
  });

  it('a bad policy given to a running engine throws and leaves the running one in place', () => {
    const net = new Net({ policy: { document: denyAll } });
    expect(() => net.engine.setPolicy({ rules: [{ id: 'x', from: 'a', to: 'b', action: 'maybe' }] } as never)).toThrow(/action/);
    net.udp('10.0.0.1', '10.0.0.53', 53, new Uint8Array(12));
    expect(net.flows()[0]!.policy!.rule).toBe('allow-dns');
  });

  it('run-time groups (setGroups) are usable by rules and re-decide open flows', () => {
    const doc = policy([{ id: 'fe-be', from: 'frontend', to: 'backend', ports: ['tcp/8080'], action: 'allow' }]);
    const net = new Net({ policy: { document: doc, mode: 'protect', groups: { frontend: ['10.1.0.0/16'] } } });
    const r1 = net.tcp('10.1.2.3', '10.2.0.9', 8080, [], { open: true, sport: 43000 });
    expect(r1.verdicts.every((v) => v === 'drop')).toBe(true);
    net.engine.setGroups({ frontend: ['10.1.0.0/16'], backend: ['10.2.0.0/16'] });
    const r2 = net.tcp('10.1.2.3', '10.2.0.9', 8080, ['GET'], { sport: 43000 });
    expect(r2.verdicts.every((v) => v === 'accept')).toBe(true);
    expect(net.flows(8080)[0]!.policy).toMatchObject({ action: 'allow', rule: 'fe-be' });
  });

  it('the policy methods say what to do without a policy stage', () => {
    const net = new Net({});
    expect(() => net.engine.setMode('protect')).toThrow(/policy option/);
    expect(() => net.engine.learnedPolicy()).toThrow(/policy option/);
  });
});

describe('decisions are per flow, never per packet', () => {
  it('at most two decisions per flow, whatever its length', () => {
    const net = new Net({
      policy: { document: policy([{ id: 'http', from: 'any', to: 'any', ports: ['tcp/80'], apps: ['http'], action: 'allow' }]) },
    });
    const requests = Array.from({ length: 50 }, (_, i) => httpGet('example.com', `/${i}`));
    net.tcp('10.0.0.1', '10.0.0.2', 80, requests);
    for (let i = 0; i < 20; i++) net.udp('10.0.0.1', '10.0.0.2', 5000 + i, new Uint8Array(8), new Uint8Array(8));
    const flows = net.flows();
    expect(flows).toHaveLength(21);
    const s = net.engine.stats().policy!;
    expect(s.decisions).toBeLessThanOrEqual(2 * flows.length);
    expect(s.decisions).toBeGreaterThanOrEqual(flows.length);
  });
});
