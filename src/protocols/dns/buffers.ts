/**
 * Inspection buffers of a DNS record, for `src/detect/` (rule keywords) and `src/policy/` (FQDN learning):
 * getters over a `DnsMessage`, in the spirit of Suricata's `dns.query` / `dns.answers.rrname` buffers.
 * Names are returned as the record holds them (presentation format, case as sent).
 */
import { textBuffer, textBuffers, type InspectionBuffer } from '../module.js';
import type { DnsMessage } from './events.js';

/** The question names (Suricata's `dns.query`, `dns.queries.rrname`). */
export function dnsQueryNames(msg: DnsMessage): string[] {
  return msg.questions.map((q) => q.name);
}

/** The owner names of the answer section (`dns.answers.rrname`). */
export function dnsAnswerNames(msg: DnsMessage): string[] {
  return msg.answers.map((rr) => rr.name);
}

/**
 * Name → addresses learnt from a response: every A/AAAA answer, under its owner name and under the
 * question's name when a CNAME chain leads there (what an FQDN policy needs: the name a client asked for
 * and the addresses it will connect to).
 */
export function dnsResolvedAddresses(msg: DnsMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (msg.type !== 'response') return out;
  const add = (name: string, addr: string) => {
    const key = name.toLowerCase();
    const list = out.get(key);
    if (list === undefined) out.set(key, [addr]);
    else if (!list.includes(addr)) list.push(addr);
  };
  // Aliases: each CNAME owner reaches its target; follow back to the question (bounded by the answer count).
  const aliasOf = new Map<string, string>();
  for (const rr of msg.answers)
    if (rr.rdata.kind === 'name' && rr.typeName === 'CNAME') aliasOf.set(rr.rdata.name.toLowerCase(), rr.name.toLowerCase());
  for (const rr of msg.answers) {
    if (rr.rdata.kind !== 'address') continue;
    let name = rr.name.toLowerCase();
    add(name, rr.rdata.address);
    for (let hops = 0; hops < msg.answers.length && aliasOf.has(name); hops++) {
      name = aliasOf.get(name)!;
      add(name, rr.rdata.address);
    }
  }
  return out;
}

/**
 * The DNS modules' inspection buffers (`dns`, `mdns` and `llmnr` share them, under the `dns.` names as
 * Suricata does). Each is of one message; a query's names are `to_server`, a response's `to_client`.
 */
export const DNS_BUFFERS: readonly InspectionBuffer<DnsMessage>[] = [
  {
    name: 'dns.query',
    direction: 'to_server',
    scope: 'message',
    description: 'each question name of a query',
    get: (m) => (m.type === 'query' ? textBuffers(dnsQueryNames(m)) : []),
  },
  {
    name: 'dns.queries.rrname',
    direction: 'to_client',
    scope: 'message',
    description: 'each question name of a response',
    get: (m) => (m.type === 'response' ? textBuffers(dnsQueryNames(m)) : []),
  },
  {
    name: 'dns.answers.rrname',
    direction: 'to_client',
    scope: 'message',
    description: 'each answer record owner name of a response',
    get: (m) => (m.type === 'response' ? textBuffers(dnsAnswerNames(m)) : []),
  },
  {
    name: 'dns.answers.address',
    direction: 'to_client',
    scope: 'message',
    description: 'each A/AAAA address of a response, as text',
    get: (m) => textBuffers(m.answers.flatMap((rr) => (rr.rdata.kind === 'address' ? [rr.rdata.address] : []))),
  },
  {
    name: 'dns.rcode',
    direction: 'to_client',
    scope: 'message',
    description: 'response code name of a response (NOERROR, NXDOMAIN, ...)',
    get: (m) => (m.type === 'response' ? textBuffer(m.rcodeName) : []),
  },
];
