/**
 * Issue #8 item 16: the `rrtype` of mDNS and LLMNR queries in EVE is the upper-case mnemonic ("A", "PTR",
 * "ANY"), as in `dns` events and Suricata, never "a"/"ptr"/"any". Checked on real traffic of the corpus
 * (zeek_dns-mdns.pcap: mDNS PTR and ANY queries; ndpi_1kxun.pcap: LLMNR A and ANY queries, one mDNS PTR),
 * replayed through the whole engine and the EVE encoder, against the query types tshark decoded
 * (`truth/<file>.json`, `dns[].queries`), mapped to names by a table written here.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { toEve } from '../../../src/output/eve.js';
import { corpusPath, corpusPresent, truthOf } from '../../support/corpus.js';

/** The mnemonics of the types these captures query (RFC 1035 §3.2.2–3.2.3, RFC 3596). */
const MNEMONIC: Record<number, string> = { 1: 'A', 12: 'PTR', 28: 'AAAA', 255: 'ANY' };

interface EveQuery {
  rrname: string;
  rrtype: string;
}

async function eveQueries(file: string): Promise<Record<'dns' | 'mdns' | 'llmnr', EveQuery[]>> {
  const out: Record<'dns' | 'mdns' | 'llmnr', EveQuery[]> = { dns: [], mdns: [], llmnr: [] };
  for await (const ev of createEngine().replay(corpusPath(file))) {
    if (ev.type !== 'dns' && ev.type !== 'mdns' && ev.type !== 'llmnr') continue;
    const line = JSON.parse(JSON.stringify(toEve(ev))) as Record<string, { queries?: EveQuery[] }>;
    out[ev.type].push(...(line[ev.type]!.queries ?? []));
  }
  return out;
}

describe('mDNS and LLMNR rrtype in EVE (real captures)', () => {
  it.for([
    ['zeek_dns-mdns.pcap', 'mdns'],
    ['ndpi_1kxun.pcap', 'llmnr'],
    ['ndpi_1kxun.pcap', 'mdns'],
  ] as const)('%s: %s queries carry the upper-case mnemonic tshark names', async ([file, kind], ctx) => {
    if (!corpusPresent) ctx.skip();
    const truth = truthOf(file)!.dns as { queries: { name: string; type: number }[] }[];
    const typeOf = new Map<string, number>();
    for (const t of truth) for (const q of t.queries) typeOf.set(q.name, q.type);
    const queries = (await eveQueries(file))[kind];
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      const want = MNEMONIC[typeOf.get(q.rrname)!];
      expect(want, `tshark's type of ${q.rrname}`).toBeDefined();
      expect(q.rrtype, q.rrname).toBe(want);
    }
  });
});
