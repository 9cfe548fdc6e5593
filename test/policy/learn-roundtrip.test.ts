/**
 * The learn round-trip of issue #11 on captures of the shared corpus: learn a capture in `discover` mode
 * (`engine.learnedPolicy()`), replay the same capture with that policy in `protect` mode on a new engine, and no
 * flow is denied (no `violation` event, no dropped packet). Learning is stable (the same capture learned twice gives
 * the same JSON, byte for byte), and a policy learned from one capture denies new connections in another.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import type { FlowEvent } from '../../src/events.js';
import type { PolicyDecision, PolicyDocument } from '../../src/policy/types.js';
import { corpusPath, corpusPresent, hasTruth } from '../support/corpus.js';

/** Captures learned and replayed, with what each brings. */
const CAPTURES: Record<string, string> = {
  'zeek_http-methods.pcap': 'HTTP, many methods',
  'zeek_http-vlan-0.pcap': 'HTTP inside VLAN',
  'zeek_http-qinq-0.pcap': 'HTTP inside QinQ',
  'ndpi_netflix.pcap': 'DNS, then TLS and HTTP to the names it gave',
  'ndpi_1kxun.pcap': 'many LANs, LLMNR, SSDP, DHCP, IPv6 multicast, HTTP on odd ports, mid-stream TLS',
  'ndpi_sites.pcapng': 'TLS by SNI from IPv4 and IPv6 clients, QUIC',
  'zeek_tls-chrome-x25519-kyber.pcap': 'TLS 1.3',
  'tcpdump_dns_tcp.pcap': 'DNS over TCP',
  'zeek_ipv6-fragmented-dns.pcap': 'DNS over IPv6 with fragments',
  'zeek_ipv6-http-atomic-frag.pcap': 'IPv6 with extension headers, a connection seen from its second packet',
  'zeek_redis-pipelining-example.pcap': 'Redis',
  'ndpi_resp.pcap': 'Redis (RESP)',
  'ndpi_mysql.pcapng': 'MySQL (unknown application to netsieve), one upgraded to TLS',
  'zeek_mysql-mysql.pcap': 'MySQL',
  'ndpi_pgsql.pcap': 'PostgreSQL over loopback and between hosts',
};

type PolicyFlow = FlowEvent & { policy?: PolicyDecision };

interface Run {
  flows: PolicyFlow[];
  violations: number;
  stats: { flowsDenied: number; violations: number; packetsDropped: number; bytesDropped: number };
}

async function learn(capture: string): Promise<PolicyDocument> {
  const engine = createEngine({ policy: { mode: 'discover' } });
  for await (const _ev of engine.replay(corpusPath(capture))) {
    // Learning happens as the packets go by; the events are not needed.
  }
  return engine.learnedPolicy();
}

async function protect(capture: string, document: PolicyDocument): Promise<Run> {
  const engine = createEngine({ policy: { document, mode: 'protect' } });
  const flows: PolicyFlow[] = [];
  let violations = 0;
  for await (const ev of engine.replay(corpusPath(capture))) {
    if (ev.type === 'flow') flows.push(ev as PolicyFlow);
    else if ((ev as { type: string }).type === 'violation') violations++;
  }
  const p = engine.stats().policy!;
  return {
    flows,
    violations,
    stats: {
      flowsDenied: p.flowsDenied,
      violations: p.violations,
      packetsDropped: p.packetsDropped,
      bytesDropped: p.bytesDropped,
    },
  };
}

/** The policy as a user gets it from `netsieve learn > policy.json` and gives it back. */
function throughJson(doc: PolicyDocument): PolicyDocument {
  return JSON.parse(JSON.stringify(doc, null, 2)) as PolicyDocument;
}

describe.skipIf(!corpusPresent)('a learned policy allows the traffic it was learned from', () => {
  it.each(Object.entries(CAPTURES))('%s (%s): protect mode denies nothing', async (capture) => {
    if (!hasTruth(capture)) throw new Error(`${capture} is not in the corpus`);
    const learned = await learn(capture);
    expect((learned.rules ?? []).length).toBeGreaterThan(0);
    const run = await protect(capture, throughJson(learned));
    expect(run.flows.length).toBeGreaterThan(0);
    const denied = run.flows
      .filter((f) => f.policy?.action !== 'allow')
      .map((f) => {
        const e = f.endpoints;
        return `${e.proto} ${e.srcIp}:${e.srcPort} -> ${e.destIp}:${e.destPort} app=${f.appProto}: ${f.policy?.action ?? 'no decision'} by ${f.policy?.rule}`;
      });
    expect(denied).toEqual([]);
    // Allowed by what was learned, not by a permissive default.
    expect(learned.default ?? 'deny').toBe('deny');
    expect(run.flows.filter((f) => f.policy?.rule === 'default').length).toBe(0);
    expect({ violationEvents: run.violations, ...run.stats }).toEqual({
      violationEvents: 0,
      flowsDenied: 0,
      violations: 0,
      packetsDropped: 0,
      bytesDropped: 0,
    });
  });

  it.each(['ndpi_netflix.pcap', 'ndpi_1kxun.pcap', 'zeek_redis-pipelining-example.pcap', 'zeek_ipv6-http-atomic-frag.pcap'])(
    '%s: learning twice gives the same JSON, byte for byte',
    async (capture) => {
      const a = JSON.stringify(await learn(capture), null, 2);
      const b = JSON.stringify(await learn(capture), null, 2);
      expect(b).toBe(a);
    },
  );

  it.each([
    ['ndpi_netflix.pcap', 'ndpi_1kxun.pcap'],
    ['ndpi_pgsql.pcap', 'ndpi_mysql.pcapng'],
    ['zeek_http-methods.pcap', 'zeek_http-vlan-0.pcap'],
  ])('the policy learned from %s denies new connections in %s', async (from, to) => {
    for (const c of [from, to]) if (!hasTruth(c)) throw new Error(`${c} is not in the corpus`);
    const run = await protect(to, throughJson(await learn(from)));
    const denied = run.flows.filter((f) => f.policy?.action === 'deny').length;
    expect(denied).toBeGreaterThan(0);
    expect(run.stats.flowsDenied).toBe(denied);
    expect(run.violations).toBe(denied);
    expect(run.stats.packetsDropped).toBeGreaterThan(0);
  });
});
