/**
 * The independent check of the policy stage on real traffic (issue #11): for policies written against captures of
 * the shared corpus (test/policy/oracle/policies/), every TCP and UDP flow the engine decides gets the action AND
 * the rule that a separate script computes from tshark's truth of the capture (its 5-tuples, DNS answers, TLS SNI
 * and HTTP Host): test/policy/oracle/decide.mjs, which shares no code with netsieve.
 *
 * Flows are matched to tshark's streams by transport and the unordered pair of endpoints, and by order for a tuple
 * used more than once. Each flow's client (the engine's source) must be the truth's `src`, and its action and rule the
 * oracle's. Where the engine and tshark legitimately take opposite sides for the client (a connection whose first
 * packet in the capture is the server's), the stream is listed in the capture's `reoriented` with the reason: the
 * oracle then decides it with client and server swapped, as the engine sees it, and the comparison stays exact.
 *
 * The policies are self-checking: a rule whose id starts with `never-` must decide no stream of its capture (it
 * exercises a non-match: an apex against a wildcard, a port outside a range, an app that is not there), and every
 * other rule must decide at least one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import type { FlowEvent } from '../../src/events.js';
import { checkPolicy } from '../../src/policy/policy-file.js';
import type { PolicyDecision, PolicyDocument } from '../../src/policy/types.js';
import { CORPUS_ABSENT, corpusPath, corpusPresent, hasTruth, truthOf } from '../support/corpus.js';
import {
  addressKey,
  appOf,
  cidrContains,
  decide,
  hostWithoutPort,
  nameMatches,
  namesFromResponse,
  type OracleDecision,
  type OracleTruth,
  parseAddress,
  parseCidr,
} from './oracle/decide.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POLICIES = path.join(HERE, 'oracle', 'policies');
const ORACLE = path.join(HERE, 'oracle', 'decide.mjs');

function readPolicy(name: string): PolicyDocument {
  return JSON.parse(fs.readFileSync(path.join(POLICIES, name), 'utf8')) as PolicyDocument;
}

interface Case {
  capture: string;
  policy: string;
  /**
   * Streams (`tcp 3`) whose client the engine takes to be tshark's `dst`, each with the reason: the oracle decides
   * them with `src` and `dst` swapped.
   */
  reoriented?: Record<string, string>;
  /**
   * Tuples (`udp a|port b|port`, endpoints sorted) where tshark has one stream and the engine several flows, because
   * the engine ended the flow on a timeout between two packets: each of the engine's flows is compared with the
   * oracle's decision of the one stream.
   */
  split?: Record<string, string>;
}

const UDP_TIMEOUT =
  'one-way datagrams 35-60 s apart: the engine ends the UDP flow after 30 s without a packet (as Suricata) and starts a new one, ' +
  'tshark never ends a conversation (test/truth/flows.test.ts); each piece is the same sender to the same server';

const MID_STREAM =
  'the capture begins in the middle of this TLS connection with a packet from port 443: tshark takes its sender for the ' +
  'client, the engine takes the side on the well-known port for the server';

const CASES: Case[] = [
  { capture: 'ndpi_netflix.pcap', policy: 'netflix.json' },
  {
    capture: 'ndpi_1kxun.pcap',
    policy: '1kxun.json',
    reoriented: {
      'tcp 23': MID_STREAM,
      'tcp 28': MID_STREAM,
    },
    split: {
      'udp 255.255.255.255|1947 59.120.208.218|50151': UDP_TIMEOUT,
      'udp 192.168.2.186|32768 255.255.255.255|1947': UDP_TIMEOUT,
      'udp 2001:b020:6:0:c2a0:bbff:fe73:eb57|62976 ff02::1|62976': UDP_TIMEOUT,
    },
  },
  { capture: 'ndpi_sites.pcapng', policy: 'sites.json' },
  { capture: 'zeek_ipv6-fragmented-dns.pcap', policy: 'ipv6-dns.json' },
  {
    capture: 'zeek_ipv6-http-atomic-frag.pcap',
    policy: 'ipv6-http.json',
    reoriented: {
      'tcp 0':
        "the connection's SYN-ACK from port 80 comes before its SYN in the capture (frames 3 and 4): tshark takes the sender " +
        'of the first packet for the client, the engine the sender of the SYN',
    },
  },
  { capture: 'ndpi_pgsql.pcap', policy: 'pgsql.json' },
  { capture: 'ndpi_mysql.pcapng', policy: 'mysql.json' },
  // One policy over small captures, one or three connections each.
  ...[
    'zeek_http-on-port-5432.pcap',
    'zeek_mysql-on-port-5432.pcap',
    'zeek_redis-pipelining-example.pcap',
    'ndpi_resp.pcap',
    'zeek_redis-django-cloud.pcapng',
    'tcpdump_dns_tcp.pcap',
    'deepflow_dns-tcp-multi.pcap',
    'ndpi_tls_port_80.pcapng',
    'zeek_http-vlan-0.pcap',
    'zeek_http-qinq-0.pcap',
    'zeek_tls-chrome-x25519-kyber.pcap',
    'zeek_mixed-vlan-mpls.pcap',
    'zeek_ssh-on-port-80.pcap',
  ].map((capture) => ({ capture, policy: 'apps-and-ports.json' })),
];

/** Policies whose captures cannot give both actions, and why; every other policy must allow some flows and deny others. */
const ONE_ACTION: Record<string, string> = {
  'ipv6-dns.json': 'two DNS queries from one client port apart to one server: no rule tells them apart',
  'ipv6-http.json': 'four connections from one host to the same port of another: no rule tells them apart',
};

/** Each policy with the cases (captures) it is written for. */
function byPolicy(): [string, Case[]][] {
  const m = new Map<string, Case[]>();
  for (const c of CASES) m.set(c.policy, [...(m.get(c.policy) ?? []), c]);
  return [...m];
}

/** One decision as compared: the stream's name, its client (`address|port`), action and rule. */
interface Compared {
  stream: string;
  client: string;
  action: string;
  rule: string;
}

/** The truth with the streams of `names` turned around (client and server swapped). */
function reorient(truth: OracleTruth, names: Record<string, string> | undefined): OracleTruth {
  if (names === undefined) return truth;
  return {
    ...truth,
    streams: truth.streams.map((s) =>
      names[`${s.transport} ${s.stream}`] === undefined ? s : { ...s, src: s.dst, sport: s.dport, dst: s.src, dport: s.sport },
    ),
  };
}

/** The oracle's decisions for a case: the truth as the engine orients it, under the case's policy. */
function oracleDecisions(c: Case, document: PolicyDocument = readPolicy(c.policy)): OracleDecision[] {
  return decide(reorient(truthOf(c.capture) as unknown as OracleTruth, c.reoriented), document);
}

function tupleKey(transport: string, a: string, ap: number, b: string, bp: number): string {
  const x = `${a}|${ap}`;
  const y = `${b}|${bp}`;
  return `${transport} ${x < y ? `${x} ${y}` : `${y} ${x}`}`;
}

type PolicyFlow = FlowEvent & { policy?: PolicyDecision };

async function engineFlows(capture: string, document: PolicyDocument): Promise<PolicyFlow[]> {
  const engine = createEngine({ policy: { document, mode: 'monitor' } });
  const flows: PolicyFlow[] = [];
  for await (const ev of engine.replay(corpusPath(capture))) if (ev.type === 'flow') flows.push(ev as PolicyFlow);
  return flows;
}

/**
 * Pairs the engine's flows with the oracle's decisions: by tuple, in order of start for a tuple used more than once.
 * Returns both sides as lists of `Compared` in the oracle's order, plus what could not be paired.
 */
function pair(
  flows: PolicyFlow[],
  decisions: OracleDecision[],
  c: Case,
): { ours: Compared[]; theirs: Compared[]; unpaired: string[] } {
  const byTuple = new Map<string, PolicyFlow[]>();
  for (const f of flows) {
    const e = f.endpoints;
    if (e.proto !== 'TCP' && e.proto !== 'UDP') continue;
    const k = tupleKey(e.proto.toLowerCase(), e.srcIp, e.srcPort, e.destIp, e.destPort);
    let list = byTuple.get(k);
    if (list === undefined) byTuple.set(k, (list = []));
    list.push(f);
  }
  for (const list of byTuple.values())
    list.sort((a, b) => a.flow.start.sec - b.flow.start.sec || a.flow.start.nsec - b.flow.start.nsec);
  const streamsByTuple = new Map<string, OracleDecision[]>();
  for (const d of decisions) {
    const k = tupleKey(d.transport, d.src, d.sport, d.dst, d.dport);
    let list = streamsByTuple.get(k);
    if (list === undefined) streamsByTuple.set(k, (list = []));
    list.push(d);
  }
  const ours: Compared[] = [];
  const theirs: Compared[] = [];
  const unpaired: string[] = [];
  for (const [k, ds] of streamsByTuple) {
    const fs_ = byTuple.get(k) ?? [];
    byTuple.delete(k);
    const split = c.split?.[k] !== undefined && ds.length === 1;
    if (!split && fs_.length !== ds.length) {
      unpaired.push(`${k}: tshark has ${ds.length} stream(s), the engine ${fs_.length} flow(s)`);
      continue;
    }
    const pieces = split ? fs_.map(() => ds[0]!) : ds;
    pieces.forEach((d, i) => {
      const name = `${d.transport} ${d.stream}`;
      const f = fs_[i]!;
      const label = split ? `${name} (piece ${i + 1})` : name;
      theirs.push({ stream: label, client: `${d.src}|${d.sport}`, action: d.action, rule: d.rule });
      ours.push({
        stream: label,
        client: `${f.endpoints.srcIp}|${f.endpoints.srcPort}`,
        action: f.policy?.action ?? '(no decision)',
        rule: f.policy?.rule ?? '(no decision)',
      });
    });
  }
  for (const k of byTuple.keys()) unpaired.push(`${k}: the engine has a flow tshark has no stream for`);
  return { ours, theirs, unpaired };
}

describe.skipIf(!corpusPresent)('policy decisions agree with an independent oracle on real captures', () => {
  it.each(CASES.map((c) => [c.capture, c] as const))('%s', async (capture, c) => {
    if (!hasTruth(capture)) throw new Error(`no truth for ${capture}`);
    const document = readPolicy(c.policy);
    const decisions = oracleDecisions(c, document);
    const names = new Set(decisions.map((d) => `${d.transport} ${d.stream}`));
    for (const s of Object.keys(c.reoriented ?? {})) expect(names, `reoriented ${s} is a stream of ${capture}`).toContain(s);
    const flows = await engineFlows(capture, document);
    const { ours, theirs, unpaired } = pair(flows, decisions, c);
    expect(unpaired).toEqual([]);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });

  it.each(byPolicy())('policy %s: never-* rules decide nothing, every other rule decides something', (policy, cases) => {
    const document = readPolicy(policy);
    const decisions = cases.flatMap((c) => oracleDecisions(c, document));
    const used = new Set(decisions.map((d) => d.rule));
    const ids = (document.rules ?? []).map((r) => r.id);
    expect(ids.filter((id) => id.startsWith('never-') && used.has(id))).toEqual([]);
    expect(ids.filter((id) => !id.startsWith('never-') && !used.has(id))).toEqual([]);
    const actions = [...new Set(decisions.map((d) => d.action))].sort();
    expect(actions).toEqual(ONE_ACTION[policy] === undefined ? ['allow', 'deny'] : [actions[0]]);
  });

  it('the policies together exercise what the issue lists', () => {
    const docs = byPolicy().map(([policy]) => readPolicy(policy));
    const cidrs = docs.flatMap((d) => Object.values(d.groups ?? {}).flatMap((g) => g.cidrs ?? []));
    const fqdns = docs.flatMap((d) => Object.values(d.groups ?? {}).flatMap((g) => g.fqdns ?? []));
    const rules = docs.flatMap((d) => d.rules ?? []);
    expect(cidrs.some((x) => x.includes('.'))).toBe(true);
    expect(cidrs.some((x) => x.includes(':'))).toBe(true);
    expect(fqdns.some((x) => x.startsWith('*.'))).toBe(true);
    expect(fqdns.some((x) => !x.startsWith('*.'))).toBe(true);
    expect(rules.some((r) => (r.ports ?? []).some((p) => /\/\d+-\d+$/.test(p)))).toBe(true);
    expect(rules.some((r) => (r.ports ?? []).some((p) => /^(tcp|udp)$/i.test(p)))).toBe(true);
    expect(rules.some((r) => r.apps !== undefined)).toBe(true);
    expect(new Set(rules.map((r) => r.action))).toEqual(new Set(['allow', 'deny']));
    expect(new Set(docs.map((d) => d.default))).toEqual(new Set(['allow', 'deny']));
  });

  it('the comparison fails when the decisions differ (a policy with the other default against the engine)', async (ctx) => {
    if (!hasTruth('ndpi_netflix.pcap')) ctx.skip(CORPUS_ABSENT);
    const c = CASES[0]!;
    const document = readPolicy(c.policy);
    const flows = await engineFlows(c.capture, document);
    const { ours, theirs } = pair(flows, oracleDecisions(c, { ...document, default: 'allow' }), c);
    expect(ours).not.toEqual(theirs);
    expect(ours.filter((o, i) => o.action !== theirs[i]!.action).length).toBeGreaterThan(0);
  });
});

describe('the oracle policies', () => {
  it('each is a policy netsieve accepts without a warning', () => {
    const files = fs.readdirSync(POLICIES).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(
      byPolicy()
        .map(([p]) => p)
        .sort(),
    );
    for (const f of files) expect({ f, problems: checkPolicy(readPolicy(f)).problems }).toEqual({ f, problems: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The oracle itself, on a hand-made truth (no corpus needed).

describe('the policy oracle (test/policy/oracle/decide.mjs)', () => {
  it('parses IPv4 and IPv6 addresses, and CIDR blocks hold what they should', () => {
    expect(parseAddress('10.1.2.3')).toEqual([10, 1, 2, 3]);
    expect(parseAddress('10.1.2')).toBeNull();
    expect(parseAddress('10.1.2.256')).toBeNull();
    expect(parseAddress('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(parseAddress('2001:DB8::')).toEqual([0x20, 0x01, 0x0d, 0xb8, ...new Array(12).fill(0)]);
    expect(parseAddress('::ffff:192.0.2.1')?.slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    expect(parseAddress('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseAddress('1::2::3')).toBeNull();
    expect(addressKey('2001:db8:0::1')).toBe(addressKey('2001:DB8::1'));
    const has = (cidr: string, addr: string) => cidrContains(parseCidr(cidr), parseAddress(addr)!);
    expect(has('10.0.0.0/8', '10.255.0.1')).toBe(true);
    expect(has('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(has('192.168.1.128/25', '192.168.1.200')).toBe(true);
    expect(has('192.168.1.128/25', '192.168.1.100')).toBe(false);
    expect(has('192.168.1.7', '192.168.1.7')).toBe(true);
    expect(has('192.168.1.7', '192.168.1.8')).toBe(false);
    expect(has('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(has('0.0.0.0/0', '::1')).toBe(false);
    expect(has('::/0', '10.0.0.1')).toBe(false);
    expect(has('::/0', 'fe80::1')).toBe(true);
    expect(has('fe80::/10', 'febf::1')).toBe(true);
    expect(has('fe80::/10', 'fec0::1')).toBe(false);
    expect(has('2001:470:1f11:818::/61', '2001:470:1f11:81f::1')).toBe(true);
    expect(has('2001:470:1f11:818::/61', '2001:470:1f11:820::1')).toBe(false);
    expect(has('2607:f740:b::f94/127', '2607:f740:b::f95')).toBe(true);
    expect(has('2607:f740:b::f94/127', '2607:f740:b::f93')).toBe(false);
    // Host bits in the block are ignored: the network is used.
    expect(has('10.1.2.3/8', '10.9.9.9')).toBe(true);
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
  });

  it('matches names: exact, wildcard below but not at the apex, case and trailing dot ignored', () => {
    expect(nameMatches('example.com', 'EXAMPLE.com.')).toBe(true);
    expect(nameMatches('example.com', 'www.example.com')).toBe(false);
    expect(nameMatches('*.example.com', 'www.example.com')).toBe(true);
    expect(nameMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(nameMatches('*.example.com', 'example.com')).toBe(false);
    expect(nameMatches('*.example.com', 'badexample.com')).toBe(false);
    expect(nameMatches('*.Example.COM.', 'x.example.com')).toBe(true);
    expect(hostWithoutPort('Shop.Example.com:8080')).toBe('shop.example.com');
    expect(hostWithoutPort('[2001:db8::1]:80')).toBe('2001:db8::1');
    expect(hostWithoutPort('2001:db8::1')).toBe('2001:db8::1');
    expect(hostWithoutPort('example.com.')).toBe('example.com');
  });

  it('learns from a DNS response the names on the CNAME chain from the question, and nothing from glue', () => {
    const learned = namesFromResponse({
      frame: 2,
      stream: 0,
      response: true,
      queries: [{ name: 'WWW.example.com', type: 1 }],
      answers: [
        { name: 'www.example.com', type: 5 },
        { name: 'edge.cdn.net', type: 5 },
        { name: 'node7.cdn.net', type: 1 },
        { name: 'node7.cdn.net', type: 1 },
        { name: 'example.com', type: 2 },
        { name: 'ns1.example.com', type: 1 },
      ],
      answer_values: [
        { field: 'dns.a', value: '203.0.113.5' },
        { field: 'dns.a', value: '203.0.113.6' },
        { field: 'dns.a', value: '198.51.100.53' },
        { field: 'dns.cname', value: 'edge.cdn.net' },
        { field: 'dns.cname', value: 'node7.cdn.net' },
        { field: 'dns.ns', value: 'ns1.example.com' },
      ],
    });
    const chain = ['www.example.com', 'edge.cdn.net', 'node7.cdn.net'];
    expect(Object.fromEntries([...learned].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      [addressKey('203.0.113.5')]: [...chain].sort(),
      [addressKey('203.0.113.6')]: [...chain].sort(),
    });
  });

  it("takes a stream's application from the first layer above the transport", () => {
    const s = (protocols: string[]) => ({
      transport: 'tcp' as const,
      stream: 0,
      first_frame: 1,
      src: 'a',
      sport: 1,
      dst: 'b',
      dport: 2,
      protocols,
    });
    expect(appOf(s(['eth', 'ethertype', 'ip', 'tcp', 'tls', 'x509sat']))).toBe('tls');
    expect(appOf(s(['eth', 'ethertype', 'ipv6', 'tcp', 'ipv6.fraghdr', 'http', 'data']))).toBe('http');
    expect(appOf(s(['eth', 'ethertype', 'ip', 'udp', 'quic', 'tls']))).toBeNull();
    expect(appOf(s(['eth', 'ethertype', 'ip', 'tcp', 'mysql', 'tls']))).toBeNull();
    expect(appOf(s(['eth', 'ethertype', 'vlan', 'ip', 'tcp', 'resp']))).toBe('redis');
    expect(appOf(s(['eth', 'ethertype', 'ip', 'tcp']))).toBeNull();
    expect(appOf(s(['eth', 'ethertype', 'ip', 'tcp', 'f5ethtrailer', 'http', 'data']))).toBe('http');
  });

  /** A made-up capture: a DNS lookup with a CNAME, TLS with SNI, HTTP with Host, SSDP sharing a stream number. */
  const TRUTH: OracleTruth = {
    streams: [
      {
        transport: 'tcp',
        stream: 0,
        first_frame: 1,
        src: '10.0.0.2',
        sport: 40000,
        dst: '203.0.113.5',
        dport: 443,
        protocols: ['eth', 'ip', 'tcp', 'tls'],
      },
      {
        transport: 'udp',
        stream: 0,
        first_frame: 2,
        src: '10.0.0.2',
        sport: 5000,
        dst: '10.0.0.1',
        dport: 53,
        protocols: ['eth', 'ip', 'udp', 'dns'],
      },
      {
        transport: 'tcp',
        stream: 1,
        first_frame: 5,
        src: '10.0.0.2',
        sport: 40001,
        dst: '203.0.113.5',
        dport: 443,
        protocols: ['eth', 'ip', 'tcp', 'tls'],
      },
      {
        transport: 'tcp',
        stream: 2,
        first_frame: 9,
        src: '10.0.0.2',
        sport: 40002,
        dst: '198.51.100.7',
        dport: 8080,
        protocols: ['eth', 'ip', 'tcp', 'http'],
      },
      {
        transport: 'udp',
        stream: 2,
        first_frame: 7,
        src: '10.0.0.3',
        sport: 1900,
        dst: '239.255.255.250',
        dport: 1900,
        protocols: ['eth', 'ip', 'udp', 'ssdp'],
      },
      {
        transport: 'tcp',
        stream: 3,
        first_frame: 13,
        src: 'fd00::2',
        sport: 40003,
        dst: 'fd00:1::9',
        dport: 5432,
        protocols: ['eth', 'ipv6', 'tcp', 'pgsql'],
      },
      {
        transport: 'tcp',
        stream: 4,
        first_frame: 14,
        src: '10.0.0.2',
        sport: 40004,
        dst: '198.51.100.8',
        dport: 80,
        protocols: ['eth', 'ip', 'tcp', 'http'],
      },
    ],
    dns: [
      {
        frame: 3,
        transport: 'udp',
        stream: 0,
        response: true,
        queries: [{ name: 'www.example.com', type: 1 }],
        answers: [
          { name: 'www.example.com', type: 5 },
          { name: 'edge.cdn.net', type: 1 },
        ],
        answer_values: [
          { field: 'dns.a', value: '203.0.113.5' },
          { field: 'dns.cname', value: 'edge.cdn.net' },
        ],
      },
    ],
    tls_client_hellos: [
      { frame: 4, transport: 'tcp', stream: 0, quic: false, sni: 'other.example.org' },
      { frame: 6, transport: 'tcp', stream: 1, quic: false, sni: null },
    ],
    http_requests: [
      // SSDP on UDP stream 2: the first before TCP stream 2 began, the second after, but sent to its Host's address.
      { frame: 8, stream: 2, host: '239.255.255.250:1900' },
      { frame: 10, stream: 2, host: '239.255.255.250:1900' },
      { frame: 11, stream: 2, host: 'Shop.Example.com:8080' },
      { frame: 12, stream: 2, host: 'second.example.net' },
      { frame: 15, stream: 4, host: 'api.example.net' },
    ],
  };

  const rulesOf = (d: OracleDecision[]) =>
    Object.fromEntries(d.map((x) => [`${x.transport} ${x.stream}`, `${x.action} ${x.rule}`]));

  it('decides by the first matching rule: names from DNS (before the stream only), SNI and Host; ports; apps; default', () => {
    const policy: PolicyDocument = {
      default: 'deny',
      groups: {
        lan: { cidrs: ['10.0.0.0/24'] },
        v6lan: { cidrs: ['fd00::/16'] },
        resolver: { cidrs: ['10.0.0.1'] },
        cdn: { fqdns: ['*.cdn.net'] },
        www: { fqdns: ['www.example.com'] },
        shop: { fqdns: ['*.example.com'] },
        org: { fqdns: ['*.example.org'] },
        api: { fqdns: ['api.example.net'] },
      },
      rules: [
        { id: 'dns', from: 'lan', to: 'resolver', ports: ['udp/53'], apps: ['dns'], action: 'allow' },
        { id: 'undefined-group', from: 'lan', to: 'nowhere', action: 'allow' },
        { id: 'cdn-http', from: 'lan', to: 'cdn', apps: ['http'], action: 'deny' },
        { id: 'www-tls', from: 'lan', to: 'www', ports: ['tcp/400-500'], apps: ['tls'], action: 'allow' },
        { id: 'org', from: 'lan', to: 'org', action: 'deny' },
        { id: 'shop', from: 'lan', to: 'shop', ports: ['tcp/8000-8100'], action: 'allow' },
        { id: 'pg-app', from: 'v6lan', to: 'v6lan', apps: ['http', 'tls', 'dns'], action: 'deny' },
        { id: 'pg', from: 'v6lan', to: 'v6lan', ports: ['tcp'], action: 'allow' },
        { id: 'api-udp', from: 'lan', to: 'api', ports: ['udp'], action: 'allow' },
        { id: 'api', from: 'lan', to: 'api', ports: ['TCP/80'], action: 'deny' },
      ],
    };
    expect(rulesOf(decide(TRUTH, policy))).toEqual({
      // Began before the DNS answer: only its SNI names it.
      'tcp 0': 'deny org',
      'udp 0': 'allow dns',
      // After the answer: www.example.com (the question) and edge.cdn.net (the CNAME target) both name it.
      'tcp 1': 'allow www-tls',
      // The first request's Host, port removed, case ignored; the second request's Host does not count.
      'tcp 2': 'allow shop',
      'udp 2': 'deny default',
      // pgsql is an unknown application: the rule with apps does not match.
      'tcp 3': 'allow pg',
      'tcp 4': 'deny api',
    });
    expect(rulesOf(decide(TRUTH, { ...policy, default: 'allow' }))['udp 2']).toBe('allow default');
    expect(rulesOf(decide(TRUTH, { rules: [] }))['tcp 0']).toBe('deny default');
  });

  it('runs from the command line: one JSON decision per stream', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-oracle-'));
    try {
      const t = path.join(dir, 'truth.json');
      const p = path.join(dir, 'policy.json');
      fs.writeFileSync(t, JSON.stringify(TRUTH));
      fs.writeFileSync(
        p,
        JSON.stringify({
          default: 'allow',
          groups: { lan: { cidrs: ['10.0.0.0/8'] } },
          rules: [{ id: 'r', from: 'lan', to: 'lan', action: 'deny' }],
        }),
      );
      const r = spawnSync(process.execPath, [ORACLE, t, p], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as OracleDecision);
      expect(lines).toHaveLength(TRUTH.streams.length);
      expect(lines[1]).toEqual({
        transport: 'udp',
        stream: 0,
        src: '10.0.0.2',
        sport: 5000,
        dst: '10.0.0.1',
        dport: 53,
        action: 'deny',
        rule: 'r',
        app: 'dns',
      });
      expect(lines[0]!.rule).toBe('default');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
