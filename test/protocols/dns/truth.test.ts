/**
 * Ground truth: every capture of the shared corpus whose tshark truth has DNS messages (`truth/<file>.json`,
 * `dns`), parsed by the DNS, mDNS and LLMNR modules (all three are recognised, so tshark's mDNS and LLMNR
 * entries count), over UDP (datagrams from the decoder, IP fragments reassembled) and TCP (streams from the
 * engine's reassembly). Flows are given to the modules whose probe says MINE, port-hinted ones first, as the
 * registry orders them.
 *
 * Checked: the set of (query name, query type) equals tshark's; for UDP, message by message (one per
 * datagram, in capture order): id, QR, opcode, rcode, the questions, the (name, type) of every RR of the
 * three sections (tshark's `answers` lists them all), and the values tshark reports (A, AAAA, CNAME, NS, MX,
 * PTR, TXT, SOA mname). For TCP tshark merges the messages of one segment into one entry, so only the ids
 * and the (name, type) set are compared.
 *
 * Known differences, normalised here with their reason:
 * - tshark writes `<Root>` for the root name, netsieve `.`;
 * - tshark writes `<Name too long>` for a name over 255 bytes; netsieve keeps its first 255 bytes and marks
 *   it truncated (`nameTruncated`, `dns.name_too_long`), so a truncated name is compared as `<Name too long>`;
 * - the truth's RR types are tshark's `dns.resp.type` values zipped with the names, and tshark also writes
 *   the entries of an NSEC/NSEC3 type bitmap in that field: the types after the first NSEC or NSEC3 RR are
 *   shifted in the truth (ndpi_dns_fragmented.pcap: `tshark -V` shows netsieve's types), so they are
 *   compared up to that RR only (names in full).
 */
import { describe, expect, it } from 'vitest';
import type { DnsMessage, DnsResourceRecord } from '../../../src/protocols/dns/index.js';
import { dnsModule, llmnrModule, mdnsModule } from '../../../src/protocols/dns/index.js';
import { Probe, type ProbeContext, type ProtocolModule } from '../../../src/protocols/module.js';
import { corpusFilesWhere, corpusPath, corpusPresent, truthOf } from '../../support/corpus.js';
import { parseTcp, parseUdp, tcpStreams, udpDatagrams } from './helpers.js';

interface TruthDns {
  frame: number;
  transport: 'udp' | 'tcp';
  stream: number;
  id: number;
  response: boolean;
  opcode: number;
  rcode: number | null;
  queries: { name: string; type: number }[];
  answers: { name: string; type: number }[];
  answer_values: { field: string; value: string }[];
}

const MODULES = [dnsModule, mdnsModule, llmnrModule];

/** The module whose probe claims the bytes, port-hinted modules first (as the registry orders them). */
function pick(ctx: ProbeContext, b: Uint8Array): ProtocolModule | null {
  const hinted = MODULES.filter((m) => m.ports[ctx.transport]?.includes(ctx.serverPort));
  for (const m of [...hinted, ...MODULES.filter((m) => !hinted.includes(m))]) {
    if (!m.transports.includes(ctx.transport)) continue;
    if (m.probe(b, 0, b.length, ctx) === Probe.MINE) return m;
  }
  return null;
}

function shown(name: string, truncated: boolean | undefined): string {
  if (truncated) return '<Name too long>';
  return name === '.' ? '<Root>' : name;
}

/** The values tshark reports for the RRs of a message, by its field names, in message order. */
function values(rrs: DnsResourceRecord[]): { field: string; value: string }[] {
  const byField = new Map<string, string[]>();
  const add = (f: string, v: string) => (byField.get(f) ?? byField.set(f, []).get(f)!).push(v);
  for (const rr of rrs) {
    const r = rr.rdata;
    if (r.kind === 'address') add(rr.type === 1 ? 'dns.a' : 'dns.aaaa', r.address);
    else if (r.kind === 'name' && rr.typeName === 'CNAME') add('dns.cname', shown(r.name, rr.rdataTruncated));
    else if (r.kind === 'name' && rr.typeName === 'NS') add('dns.ns', r.name);
    else if (r.kind === 'name' && rr.typeName === 'PTR') add('dns.ptr.domain_name', r.name);
    else if (r.kind === 'mx') add('dns.mx.mail_exchange', r.exchange);
    else if (r.kind === 'txt' && rr.typeName === 'TXT') for (const s of r.strings) add('dns.txt', s);
    else if (r.kind === 'soa') add('dns.soa.mname', r.mname);
  }
  const order = [
    'dns.a',
    'dns.aaaa',
    'dns.cname',
    'dns.txt',
    'dns.mx.mail_exchange',
    'dns.ns',
    'dns.ptr.domain_name',
    'dns.soa.mname',
  ];
  return order.flatMap((f) => (byField.get(f) ?? []).map((value) => ({ field: f, value })));
}

function sortedValues(v: { field: string; value: string }[]): string[] {
  return v.map((x) => `${x.field}=${x.value}`).sort();
}

// Test names come from the corpus's truth; empty without the corpus.
const files = corpusFilesWhere((t) => ((t.dns as TruthDns[] | undefined) ?? []).length > 0);

describe.skipIf(!corpusPresent)('DNS ground truth (tshark) on the shared corpus', () => {
  it('has captures with DNS truth', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s', async (file) => {
    const truth = truthOf(file)!.dns as TruthDns[];
    const path = corpusPath(file);

    // UDP: one parser per flow, chosen by the probe of the flow's first datagram; each datagram is one
    // message, so the records are put back in capture order by walking the datagrams again.
    const datagrams = udpDatagrams(path);
    const flows = new Map<string, typeof datagrams>();
    for (const d of datagrams) (flows.get(d.flow) ?? flows.set(d.flow, []).get(d.flow)!).push(d);
    const recordsByFlow = new Map<string, DnsMessage[]>();
    for (const [key, list] of flows) {
      const first = list[0]!;
      const m = pick(
        { transport: 'udp', direction: first.direction, serverPort: first.serverPort, clientPort: first.clientPort },
        first.payload,
      );
      if (m === null) continue;
      const rec = parseUdp(
        list.map((d) => ({ dir: d.direction, bytes: d.payload })),
        {},
        m.name as 'dns',
      );
      expect(rec.stops).toEqual([]);
      expect(rec.records.length).toBe(list.length);
      recordsByFlow.set(key, rec.records);
    }
    const udp: DnsMessage[] = [];
    const perFlowIndex = new Map<string, number>();
    for (const d of datagrams) {
      const recs = recordsByFlow.get(d.flow);
      if (recs === undefined) continue;
      const i = perFlowIndex.get(d.flow) ?? 0;
      perFlowIndex.set(d.flow, i + 1);
      udp.push(recs[i]!);
    }

    // TCP: one parser per flow whose first bytes (either side) a probe claims.
    const tcp: DnsMessage[] = [];
    for (const s of await tcpStreams(path)) {
      const first = s.steps.find((x) => x.kind === 'data');
      if (first === undefined || first.kind !== 'data') continue;
      const m = pick({ transport: 'tcp', direction: first.dir, serverPort: s.serverPort, clientPort: s.clientPort }, first.bytes);
      if (m === null) continue;
      const rec = parseTcp(s.steps, {}, undefined, m.name as 'dns');
      expect(rec.stops).toEqual([]);
      tcp.push(...rec.records);
    }

    // The (name, type) sets.
    const pairs = (qs: { name: string; type: number; nameTruncated?: boolean }[]) =>
      qs.map((q) => `${shown(q.name, q.nameTruncated)}/${q.type}`);
    const want = new Set(truth.flatMap((t) => t.queries.map((q) => `${q.name}/${q.type}`)));
    const got = new Set([...udp, ...tcp].flatMap((m) => pairs(m.questions)));
    expect([...got].sort()).toEqual([...want].sort());

    // UDP message by message.
    const truthUdp = truth.filter((t) => t.transport === 'udp').sort((a, b) => a.frame - b.frame);
    expect(udp.length).toBe(truthUdp.length);
    truthUdp.forEach((t, i) => {
      const m = udp[i]!;
      const rrs = [...m.answers, ...m.authorities, ...m.additionals];
      const mine = {
        id: m.id,
        response: m.type === 'response',
        opcode: m.opcode,
        rcode: m.type === 'response' ? m.flagBits & 0xf : null,
        queries: m.questions.map((q) => ({ name: shown(q.name, q.nameTruncated), type: q.type })),
        answers: rrs.map((r) => ({ name: shown(r.name, r.nameTruncated), type: r.type })),
        values: sortedValues(values(rrs)),
      };
      const theirs = {
        id: t.id,
        response: t.response,
        opcode: t.opcode,
        rcode: t.rcode,
        queries: t.queries,
        answers: t.answers,
        values: sortedValues(t.answer_values),
      };
      const nsec = rrs.findIndex((r) => r.type === 47 || r.type === 50);
      if (nsec >= 0) {
        mine.answers = mine.answers.map((a, j) => (j > nsec ? { name: a.name, type: -1 } : a));
        theirs.answers = theirs.answers.map((a, j) => (j > nsec ? { name: a.name, type: -1 } : a));
      }
      expect(mine, `UDP message ${i} (frame ${t.frame})`).toEqual(theirs);
    });

    // TCP: the ids of the messages tshark saw (several messages of one segment are one entry there).
    const truthTcpIds = new Set(truth.filter((t) => t.transport === 'tcp').map((t) => t.id));
    const tcpIds = new Set(tcp.map((m) => m.id));
    for (const id of truthTcpIds) expect(tcpIds.has(id), `TCP message id ${id}`).toBe(true);
  });
});
