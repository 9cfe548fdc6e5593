/**
 * netsieve against Suricata 7 on every capture of the shared corpus: the rules of
 * fixtures/differential.rules (95 rules over the buffers and keywords of issue #10) must raise the same
 * alerts (capture, sid, count). Suricata's counts are kept in fixtures/differential.truth.json (netsieve's
 * own generated data: Suricata 7.0.10 with stream.midstream on and packet-alert-max 200, so that no alert
 * is lost to its per-packet queue); where `suricata` is installed the test re-runs it and checks the recorded
 * counts are still what it says (`NETSIEVE_RECORD=1` rewrites them).
 *
 * Every remaining difference must be explained below (`EXPLAINED`), and every explanation must still explain
 * something: a fix makes its entry stale and the test says so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { isNetsieveError } from '../../src/errors.js';
import type { NetsieveEvent } from '../../src/events.js';
import { CORPUS_ABSENT, corpusFiles, corpusPath, corpusPresent } from '../support/corpus.js';
import { toolPresent } from '../support/tools.js';

const RULES = path.join(__dirname, 'fixtures', 'differential.rules');
const TRUTH = path.join(__dirname, 'fixtures', 'differential.truth.json');

type Counts = Record<string, Record<string, number>>;

/** Rules on the raw TCP stream: compared on whether they fire in a capture, not how often (see EXPLAINED). */
const STREAM_RULES = new Set([9000090, 9000091, 9000092, 9000093, 9000094, 9000095]);
const HTTP_RULES = (sid: number) => sid >= 9000001 && sid <= 9000063;

interface Explanation {
  why: string;
  covers: (capture: string, sid: number, ours: number, theirs: number) => boolean;
}

const EXPLAINED: Explanation[] = [
  {
    why: 'HTTP/2: Suricata fills the http.* buffers from HTTP/2 streams; netsieve has no HTTP/2 parser yet',
    covers: (c, sid) => (c === 'ndpi_http2.pcapng' || c.startsWith('deepflow_grpc')) && HTTP_RULES(sid),
  },
  {
    why: 'Suricata 7 cannot read Linux SLL2 captures (link type 276); netsieve decodes them',
    covers: (c, _sid, _o, theirs) => c.includes('sll2') && theirs === 0,
  },
  {
    why: 'HTTP over IPv6 atomic fragments with reordered frames: netsieve does not reassemble this exchange (tshark does not either; the flow truth test lists it)',
    covers: (c) => c === 'zeek_ipv6-http-atomic-frag.pcap',
  },
  {
    why: 'malformed request lines (no space, binary bytes): libhtp makes HTTP/0.9-style transactions of them, netsieve reports them as anomalies and makes none',
    covers: (c, sid) =>
      (c === 'zeek_http-methods.pcap' || c === 'ndpi_fuzz-2006-09-29-28586.pcap') && (HTTP_RULES(sid) || sid === 9000088),
  },
  {
    why: 'libhtp and netsieve pair responses with requests differently on two 1kxun flows and on netflix bodies with lost segments (see test/protocols/http/suricata-buffers.test.ts)',
    covers: (c, sid, ours, theirs) =>
      (c === 'ndpi_1kxun.pcap' || c === 'ndpi_netflix.pcap') && HTTP_RULES(sid) && Math.abs(ours - theirs) <= 4,
  },
  {
    why: 'DNS over TCP: Suricata inspects a query and its response as one transaction, netsieve each message; its UDP counts agree',
    covers: (c, sid) =>
      (c === 'deepflow_dns-tcp-multi.pcap' || c === 'tcpdump_dns_tcp.pcap' || c === 'ndpi_dns_fragmented.pcap') &&
      sid >= 9000064 &&
      sid <= 9000072,
  },
  {
    why: 'IP fragments: Suricata inspects the reassembled datagram as a pseudo-packet of its own besides each fragment, and the fragments of unreassembled garbage differently',
    covers: (c, sid) =>
      (c === 'ndpi_dns_fragmented.pcap' || c === 'ndpi_ip_fragmented_garbage.pcap') && sid >= 9000082 && sid <= 9000089,
  },
  {
    why: 'raw stream rules: Suricata re-inspects its raw stream window as its reassembly progresses (an old match can alert again on a later packet), netsieve once per delivered chunk; both must fire in the same captures',
    covers: (_c, sid, ours, theirs) => STREAM_RULES.has(sid) && ours > 0 && theirs > 0,
  },
  {
    why: 'flows that begin before the capture: Suricata (midstream) and netsieve pick the client differently when the first packet seen is a server reply',
    covers: (c, sid, ours, theirs) =>
      c === 'ndpi_1kxun.pcap' && (sid === 9000089 || sid === 9000025 || sid === 9000044) && Math.abs(ours - theirs) <= 1,
  },
  {
    why: 'a truncated TCP header: Suricata drops the packet before detection, netsieve still tests its IP header and flags',
    covers: (c, sid) => c === 'zeek_tcp-truncated-header.pcap' && (sid === 9000082 || sid === 9000088),
  },
  {
    why: 'Suricata 7 inspects a response again when its body completes in a later packet, and a rule on the response headers can alert a second time for the same transaction; netsieve alerts once per transaction and direction',
    covers: (c, sid, ours, theirs) =>
      ['zeek_http-cooper-grill-dvwa.pcapng', 'zeek_http-100-continue.pcap', 'zeek_mixed-vlan-mpls.pcap'].includes(c) &&
      sid >= 9000025 &&
      sid <= 9000044 &&
      theirs > ours &&
      theirs <= 2 * ours + 1,
  },
  {
    why: 'overlapping TCP segments with different bytes (a capture made to test reassembly): the raw stream rule reads different bytes in the two reassemblers',
    covers: (c, sid) => c === 'zeek_tcp-reassembly.pcap' && STREAM_RULES.has(sid),
  },
];

async function netsieveCounts(file: string): Promise<Record<string, number>> {
  const engine = createEngine({ detect: { rules: [{ path: RULES }] } });
  const counts: Record<string, number> = {};
  try {
    for await (const ev of engine.replay(file) as AsyncIterable<NetsieveEvent>)
      if (ev.type === 'alert') counts[ev.alert.signatureId] = (counts[ev.alert.signatureId] ?? 0) + 1;
  } catch (e) {
    if (!isNetsieveError(e) || (e.code !== 'NS_ERR_CAPTURE_TRUNCATED' && e.code !== 'NS_ERR_CAPTURE_DAMAGED')) throw e;
  }
  return counts;
}

function suricataCounts(file: string): Record<string, number> | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-suricata-'));
  try {
    const run = spawnSync(
      'suricata',
      [
        '-r',
        file,
        '--runmode',
        'single',
        '-S',
        RULES,
        '-l',
        dir,
        '-k',
        'none',
        '--set',
        'stream.midstream=true',
        '--set',
        'packet-alert-max=200',
      ],
      { encoding: 'utf8' },
    );
    if (run.error !== undefined) return null;
    const counts: Record<string, number> = {};
    const eve = path.join(dir, 'eve.json');
    if (!fs.existsSync(eve)) return counts;
    for (const line of fs.readFileSync(eve, 'utf8').split('\n')) {
      if (!line.includes('"event_type":"alert"')) continue;
      const sid = (JSON.parse(line) as { alert: { signature_id: number } }).alert.signature_id;
      counts[sid] = (counts[sid] ?? 0) + 1;
    }
    return counts;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const suricataPresent = toolPresent('suricata');

describe.skipIf(!corpusPresent)(
  `alerts against Suricata 7 on the shared corpus${corpusPresent ? '' : ` (${CORPUS_ABSENT})`}`,
  () => {
    const files = corpusPresent ? corpusFiles() : [];

    // Suricata takes 2-3 s per capture (start-up and rule load): the whole corpus is re-run on request
    // (NETSIEVE_SURICATA_RECHECK=1, or NETSIEVE_RECORD=1 to rewrite the file), a few captures every time.
    const all = process.env.NETSIEVE_SURICATA_RECHECK === '1' || process.env.NETSIEVE_RECORD === '1';
    const sample = [
      'ndpi_WebattackSQLinj.pcap',
      'zeek_http-pipelined-requests.pcap',
      'tcpdump_edns-opts.pcap',
      'ndpi_tls_port_80.pcapng',
    ];
    it.runIf(suricataPresent)(
      `the recorded Suricata counts are what Suricata says today (${all ? 'every capture' : 'a sample'})`,
      () => {
        const recorded = JSON.parse(fs.readFileSync(TRUTH, 'utf8')) as Counts;
        const now: Counts = {};
        for (const f of all ? files : sample.filter((f) => files.includes(f))) now[f] = suricataCounts(corpusPath(f)) ?? {};
        if (process.env.NETSIEVE_RECORD === '1') fs.writeFileSync(TRUTH, `${JSON.stringify(now, null, 1)}\n`);
        for (const f of Object.keys(now)) expect(recorded[f], f).toEqual(now[f]);
      },
      600_000,
    );

    it('every difference from Suricata is explained, and every explanation is used', async () => {
      const truth = JSON.parse(fs.readFileSync(TRUTH, 'utf8')) as Counts;
      const unexplained: string[] = [];
      const used = new Set<number>();
      let pairs = 0;
      let equal = 0;
      for (const f of files) {
        const ours = await netsieveCounts(corpusPath(f));
        const theirs = truth[f] ?? {};
        for (const sid of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
          pairs++;
          const o = ours[sid] ?? 0;
          const t = theirs[sid] ?? 0;
          if (o === t) {
            equal++;
            continue;
          }
          const k = EXPLAINED.findIndex((e) => e.covers(f, Number(sid), o, t));
          if (k < 0) unexplained.push(`${f} sid ${sid}: netsieve ${o}, Suricata ${t}`);
          else used.add(k);
        }
      }
      expect(unexplained).toEqual([]);
      expect(EXPLAINED.filter((_, k) => !used.has(k)).map((e) => e.why)).toEqual([]);
      // Most (capture, rule) pairs agree exactly; the explanations cover a small remainder.
      expect(equal / pairs).toBeGreaterThan(0.85);
    }, 600_000);
  },
);
