/**
 * Seeded differential test: random policies (CIDR and name groups, rules with ports, ranges and apps, both
 * defaults) and random traffic (TCP and UDP, IPv4 and IPv6, HTTP with a Host, TLS with an SNI, DNS, unknown
 * bytes, names taught by earlier DNS answers) through the engine, against a brute-force evaluator written
 * here from the README's semantics: BigInt prefixes, names compared label by label, rules scanned in order.
 * Every flow's final action and rule must agree.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyRuleSpec } from '../../src/policy/types.js';
import { mulberry32 } from '../helpers/packets.js';
import { clientHelloRecord, sniExt } from '../protocols/tls/helpers.js';
import { query } from '../protocols/dns/helpers.js';
import { addressRR, httpGet, Net } from './helpers.js';

const V4 = ['10.0.0.1', '10.0.0.2', '10.0.1.7', '10.9.0.1', '192.168.5.5', '203.0.113.10', '203.0.113.200'];
const V6 = ['fd00::1', 'fd00::2', 'fd00:0:0:1::7', '2001:db8::10', '2001:db8:1::20'];
const CIDRS = [
  '10.0.0.0/8',
  '10.0.0.0/24',
  '10.0.0.2',
  '10.0.1.0/25',
  '192.168.0.0/16',
  '203.0.113.0/25',
  '0.0.0.0/0',
  'fd00::/64',
  'fd00::/16',
  '2001:db8::/32',
  '2001:db8:1::/48',
  '::/0',
];
const NAMES = ['example.org', 'www.example.org', 'a.b.example.org', 'api.github.com', 'github.com', 'cdn.example.net'];
const PATTERNS = ['example.org', '*.example.org', 'github.com', '*.github.com', '*.example.net', 'www.example.org'];
const PORTS = [80, 443, 53, 8080, 8443];
const PORT_SPECS = ['tcp/80', 'tcp/443', 'udp/53', 'tcp/8000-8100', 'tcp', 'udp', 'tcp/1-100'];
const APPS = ['http', 'tls', 'dns'];
type App = 'http' | 'tls' | 'dns' | null;

interface FlowSpec {
  client: string;
  server: string;
  proto: 'tcp' | 'udp';
  port: number;
  app: App;
  /** SNI or Host (lower-case) when the app carries one. */
  name: string | null;
}

// ------------------------------------------------------------------ the brute-force evaluator

function bits(address: string): { v: 4 | 6; n: bigint } {
  if (!address.includes(':')) return { v: 4, n: address.split('.').reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n) };
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { v: 6, n: groups.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function inCidr(address: string, cidr: string): boolean {
  const [net, len] = cidr.split('/') as [string, string | undefined];
  const a = bits(address);
  const b = bits(net);
  if (a.v !== b.v) return false;
  const width = a.v === 4 ? 32 : 128;
  const prefix = BigInt(len === undefined ? width : Number(len));
  const shift = BigInt(width) - prefix;
  return a.n >> shift === b.n >> shift;
}

function nameMatches(name: string, pattern: string): boolean {
  if (!pattern.startsWith('*.')) return name === pattern;
  const base = pattern.slice(2);
  return name.endsWith(`.${base}`) && name.length > base.length + 1;
}

function expected(doc: PolicyDocument, f: FlowSpec, dnsNames: Map<string, string[]>): { action: string; rule: string } {
  const members = (group: string, address: string, server: boolean): boolean => {
    const g = doc.groups![group];
    if (g === undefined) return false;
    if ((g.cidrs ?? []).some((c) => inCidr(address, c))) return true;
    const names = [...(dnsNames.get(address) ?? []), ...(server && f.name !== null ? [f.name] : [])];
    return (g.fqdns ?? []).some((p) => names.some((n) => nameMatches(n, p)));
  };
  for (const r of doc.rules!) {
    if (!members(r.from, f.client, false) || !members(r.to, f.server, true)) continue;
    if (r.ports !== undefined) {
      const ok = r.ports.some((p) => {
        const [t, range] = p.split('/') as [string, string | undefined];
        if (t !== f.proto) return false;
        if (range === undefined) return true;
        const [lo, hi] = range.split('-').map(Number) as [number, number | undefined];
        return f.port >= lo && f.port <= (hi ?? lo);
      });
      if (!ok) continue;
    }
    if (r.apps !== undefined && (f.app === null || !r.apps.includes(f.app))) continue;
    return { action: r.action, rule: r.id };
  }
  return { action: doc.default!, rule: 'default' };
}

// ------------------------------------------------------------------ random policies and traffic

function randomPolicy(rand: () => number): PolicyDocument {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const some = <T>(xs: readonly T[], max: number): T[] => [
    ...new Set(Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(xs))),
  ];
  const groups: NonNullable<PolicyDocument['groups']> = {};
  for (let g = 0; g < 6; g++) {
    const spec: { cidrs?: string[]; fqdns?: string[] } = {};
    if (rand() < 0.7) spec.cidrs = some(CIDRS, 3);
    if (rand() < 0.5 || spec.cidrs === undefined) spec.fqdns = some(PATTERNS, 3);
    groups[`g${g}`] = spec;
  }
  const rules: PolicyRuleSpec[] = [];
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const r: PolicyRuleSpec = {
      id: `r${i}`,
      from: pick(Object.keys(groups)),
      to: pick(Object.keys(groups)),
      action: rand() < 0.5 ? 'allow' : 'deny',
    };
    if (rand() < 0.5) r.ports = some(PORT_SPECS, 2);
    if (rand() < 0.4) r.apps = some(APPS, 2);
    rules.push(r);
  }
  return { mode: 'monitor', default: rand() < 0.5 ? 'allow' : 'deny', groups, rules };
}

function randomFlow(rand: () => number): FlowSpec {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const pool = rand() < 0.6 ? V4 : V6;
  const client = pick(pool);
  let server = pick(pool);
  while (server === client) server = pick(pool);
  const app = pick<App>(['http', 'tls', 'dns', null]);
  const proto = app === 'dns' ? (rand() < 0.8 ? 'udp' : 'tcp') : app === null && rand() < 0.3 ? 'udp' : 'tcp';
  const name = app === 'http' || app === 'tls' ? (rand() < 0.8 ? pick(NAMES) : null) : null;
  return { client, server, proto, port: pick(PORTS), app, name };
}

function send(net: Net, f: FlowSpec): void {
  const payload =
    f.app === 'http'
      ? httpGet(f.name)
      : f.app === 'tls'
        ? clientHelloRecord({ extensions: f.name === null ? [] : [sniExt(f.name)] })
        : f.app === 'dns'
          ? query('x.example', 1)
          : new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
  if (f.proto === 'udp')
    net.udp(f.client, f.server, f.port, payload instanceof Uint8Array ? payload : new TextEncoder().encode(payload));
  else if (f.app === 'dns') {
    const q = payload as Uint8Array;
    const framed = new Uint8Array(q.length + 2);
    framed[1] = q.length;
    framed.set(q, 2);
    net.tcp(f.client, f.server, f.port, [framed]);
  } else net.tcp(f.client, f.server, f.port, [payload]);
}

describe('policy against a brute-force evaluator', () => {
  it("random policies and traffic: every flow gets the evaluator's action and rule", () => {
    let flowsChecked = 0;
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 25; seed++) {
      const rand = mulberry32(seed);
      const doc = randomPolicy(rand);
      const net = new Net({ policy: { document: doc } });
      // Names DNS teaches before the traffic: some servers get one or two.
      const dnsNames = new Map<string, string[]>();
      for (const server of [...V4, ...V6]) {
        if (rand() < 0.4) continue;
        const name = NAMES[Math.floor(rand() * NAMES.length)]!;
        net.dns('10.0.0.1', '10.0.0.53', name, [addressRR(name, server)], server.includes(':') ? 28 : 1);
        dnsNames.set(server, [...(dnsNames.get(server) ?? []), name]);
      }
      // The resolver's own flows are the first ones; only the random flows below are compared.
      const skip = net.flows().length;
      const specs = Array.from({ length: 40 }, () => randomFlow(rand));
      for (const f of specs) send(net, f);
      // In the order the flows began (flush ends them in table order).
      const flows = net
        .flows()
        .slice(skip)
        .sort((a, b) => a.pcapCnt! - b.pcapCnt!);
      expect(flows).toHaveLength(specs.length);
      flows.forEach((ev, i) => {
        const want = expected(doc, specs[i]!, dnsNames);
        const got = { action: ev.policy!.action, rule: ev.policy!.rule };
        expect(got, `seed ${seed} flow ${i}: ${JSON.stringify(specs[i])}\n${JSON.stringify(doc)}`).toEqual(want);
        outcomes.add(`${want.action}:${want.rule === 'default' ? 'default' : 'rule'}`);
        flowsChecked++;
      });
    }
    expect(flowsChecked).toBe(25 * 40);
    // The generator reaches every kind of outcome.
    expect([...outcomes].sort()).toEqual(['allow:default', 'allow:rule', 'deny:default', 'deny:rule']);
  });
});
