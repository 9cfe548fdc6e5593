/**
 * `dns.query` against Suricata 7 on the corpus's DNS captures (runs only where `suricata` is installed and
 * the corpus is present): each query name becomes a rule matching exactly its bytes on its flow
 * (../http/suricata-compare.ts), and every rule must alert. The other DNS buffers are Suricata 8's
 * (`dns.queries.rrname`, `dns.answers.rrname`) or netsieve's own, and Suricata 7 refuses them.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_ABSENT, CORPUS_DIR, corpusPresent } from '../../support/corpus.js';
import { compareBuffers } from '../http/suricata-compare.js';
import { SURICATA_ABSENT, suricataInstalled } from '../http/suricata-run.js';

const CAPTURES = [
  'zeek_dns-long-connection.pcap',
  'tcpdump_dns_tcp.pcap',
  'deepflow_dns-tcp-multi.pcap',
  'tcpdump_edns-opts.pcap',
  'ndpi_dns_exfiltration.pcap',
  'ndpi_malformed_dns.pcap',
  'ndpi_dns_fragmented.pcap',
  'zeek_dnssec-rrsig.pcap',
];

describe('dns.query against Suricata 7', () => {
  it.for(CAPTURES)('%s', { timeout: 120_000 }, async (file, ctx) => {
    if (!suricataInstalled()) {
      ctx.skip(SURICATA_ABSENT);
      return;
    }
    if (!corpusPresent) {
      ctx.skip(CORPUS_ABSENT);
      return;
    }
    const r = await compareBuffers(path.join(CORPUS_DIR, file), 'dns', [
      { buffer: 'dns.query', keyword: 'dns.query', toClient: false },
    ]);
    expect(r.mismatches).toEqual([]);
    expect(r.rules).toBeGreaterThan(0);
  });
});
