/**
 * Ground truth from real captures: every packet of every capture in ../shared/fixtures/pcaps is decoded and
 * checked against what tshark reported (truth/*.json): the TCP and UDP conversations it found, the DNS
 * messages over UDP (their ids, which for fragmented responses proves reassembly delivered the right bytes),
 * and ICMP/ICMPv6 types. Where tshark is installed, a field-by-field differential runs on a set of captures
 * covering every link type and the odd packets.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatAddress } from '../../src/decode/address.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { DecodedPacket, IpProto } from '../../src/decode/packet.js';
import { FIXTURE_DIR, readCapture, type PcapRecord } from '../helpers/pcap.js';
import { corpusFiles, corpusPresent } from '../support/corpus.js';
import { toolPresent } from '../support/tools.js';
import { makeDecoder } from './harness.js';

const HAVE_FIXTURES = corpusPresent;
const HAVE_TSHARK = toolPresent('tshark');

interface Truth {
  frames: number;
  streams: { transport: string; src: string; sport: number; dst: string; dport: number; first_frame: number }[];
  dns: { frame: number; transport: string; id: number }[];
  extras: Record<string, { rows: { frame: number; [k: string]: unknown }[] }>;
}

const files = corpusFiles();

/**
 * ndpi_ip_fragmented_garbage.pcap reassembles datagrams of 313 fragments, above the default cap of 256
 * (which the test below checks); the ground-truth run lifts the cap so those datagrams can be compared.
 */

function tuple(transport: string, a: string, ap: number, b: string, bp: number): string {
  return `${transport} ${a}:${ap} ${b}:${bp}`;
}

describe.skipIf(!HAVE_FIXTURES)('real captures against tshark truth (needs the shared corpus)', () => {
  for (const file of files) {
    it(`${file}: every packet decodes and matches the truth`, () => {
      const truth = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'truth', `${file}.json`), 'utf8')) as Truth;
      const recs = readCapture(path.join(FIXTURE_DIR, file));
      expect(recs.length).toBe(truth.frames);
      const d = makeDecoder();
      const p = new DecodedPacket();
      const seen = new Set<string>();
      const dnsIds = new Map<number, number>();
      const icmp = new Map<number, [number, number]>();
      for (const r of recs) {
        const ok = d.decode(r.data, 0, r.caplen, r.origlen, r.linkType, r.tsSec, r.tsNsec, p);
        if (!ok) continue;
        if (p.ipProto === IpProto.ICMP || p.ipProto === IpProto.ICMPV6) icmp.set(r.frame, [p.icmpType, p.icmpCode]);
        if ((p.ipProto !== IpProto.TCP && p.ipProto !== IpProto.UDP) || p.l4Offset === 0) continue;
        const t = p.ipProto === IpProto.TCP ? 'tcp' : 'udp';
        const src = formatAddress(p.src, p.ipVersion);
        const dst = formatAddress(p.dst, p.ipVersion);
        seen.add(tuple(t, src, p.srcPort, dst, p.dstPort));
        seen.add(tuple(t, dst, p.dstPort, src, p.srcPort));
        if (t === 'udp' && p.payloadLen >= 2) dnsIds.set(r.frame, (p.data[p.payloadOffset]! << 8) | p.data[p.payloadOffset + 1]!);
      }
      expect(d.stats.anomalies[DecodeAnomaly.internal_error]).toBe(0);
      const missing = truth.streams.filter((s) => !seen.has(tuple(s.transport, s.src, s.sport, s.dst, s.dport)));
      expect(missing).toEqual([]);
      // DNS over UDP: the frame tshark names (the last fragment for a fragmented response) is where we have it.
      for (const m of truth.dns.filter((x) => x.transport === 'udp'))
        expect([m.frame, dnsIds.get(m.frame)]).toEqual([m.frame, m.id]);
      for (const [kind, typeKey, codeKey] of [
        ['icmp', 'icmp.type', 'icmp.code'],
        ['icmpv6', 'icmpv6.type', 'icmpv6.code'],
      ] as const) {
        for (const row of truth.extras[kind]?.rows ?? []) {
          const type = Number((row[typeKey] as string[])[0]);
          const code = Number((row[codeKey] as string[])[0]);
          expect([row.frame, icmp.get(row.frame)]).toEqual([row.frame, [type, code]]);
        }
      }
    });
  }

  it('ndpi_ip_fragmented_garbage.pcap: a fragment cap below 313 drops its 313-fragment datagrams', () => {
    const recs = readCapture(path.join(FIXTURE_DIR, 'ndpi_ip_fragmented_garbage.pcap'));
    const d = makeDecoder({}, { maxFragmentsPerDatagram: 256 });
    const p = new DecodedPacket();
    let ok = 0;
    for (const r of recs) if (d.decode(r.data, 0, r.caplen, r.origlen, r.linkType, r.tsSec, r.tsNsec, p)) ok++;
    expect(ok).toBe(0);
    expect(d.stats.anomalies[DecodeAnomaly.frag_too_many_fragments]).toBe(4);
  });

  it('reassembles the IPv4 and IPv6 fragments of ndpi_dns_fragmented.pcap and zeek_ipv6-fragmented-dns.pcap', () => {
    for (const [file, expected] of [
      ['ndpi_dns_fragmented.pcap', 7],
      ['zeek_ipv6-fragmented-dns.pcap', 1],
    ] as const) {
      const recs = readCapture(path.join(FIXTURE_DIR, file));
      const d = makeDecoder();
      const p = new DecodedPacket();
      for (const r of recs) {
        if (d.decode(r.data, 0, r.caplen, r.origlen, r.linkType, r.tsSec, r.tsNsec, p) && p.reassembled) {
          // The reassembled UDP datagram is whole: its length field matches what was delivered.
          const udpLen = (p.data[p.l4Offset + 4]! << 8) | p.data[p.l4Offset + 5]!;
          expect(p.payloadLen).toBe(udpLen - 8);
        }
      }
      expect([file, d.stats.fragments.reassembled]).toEqual([file, expected]);
    }
  });
});

/** Captures for the tshark differential: every link type, VLAN/QinQ/MPLS, IPv6 extension headers, fragments, ICMP, fuzzed and cut packets. */
const DIFFERENTIAL = [
  'zeek_http-vlan-0.pcap',
  'zeek_http-qinq-0.pcap',
  'zeek_mixed-vlan-mpls.pcap',
  'ndpi_log4j-webapp-exploit.pcap',
  'zeek_tls-openjdk-sll2.pcap',
  'zeek_linux_dlt_sll2.pcap',
  'zeek_redis-pipelining-example.pcap',
  'zeek_http-basic-auth-with-colon.pcap',
  'zeek_ipv6-http-atomic-frag.pcap',
  'ndpi_dns_fragmented.pcap',
  'zeek_icmp6-nd-options.pcap',
  'ndpi_icmp-tunnel.pcap',
  'ndpi_fuzz-2006-09-29-28586.pcap',
  'zeek_tcp-truncated-header.pcap',
  'zeek_dns-mdns.pcap',
  'ndpi_sites.pcapng',
];
const FIELDS = [
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.timestamp.tsval',
  'tcp.len',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'vlan.id',
];

function tsharkRows(file: string): Record<string, string>[] {
  const args = ['-r', path.join(FIXTURE_DIR, file), '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=\t'];
  // Packet by packet: no reassembly, raw sequence numbers.
  args.push('-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.desegment_tcp_streams:FALSE');
  args.push('-o', 'tcp.relative_sequence_numbers:FALSE');
  for (const f of FIELDS) args.push('-e', f);
  const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => {
      const cols = line.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? '']));
    });
}

describe.skipIf(!HAVE_FIXTURES || !HAVE_TSHARK)(
  'field-by-field differential against tshark (needs the shared corpus and tshark)',
  () => {
    for (const file of DIFFERENTIAL) {
      it(`${file}: addresses, ports, TCP fields and options, ICMP types, VLAN ids agree`, () => {
        const rows = tsharkRows(file);
        const recs: PcapRecord[] = readCapture(path.join(FIXTURE_DIR, file));
        expect(rows.length).toBe(recs.length);
        const d = makeDecoder();
        const p = new DecodedPacket();
        const mismatches: string[] = [];
        let compared = 0;
        recs.forEach((r, i) => {
          const t = rows[i]!;
          const ok = d.decode(r.data, 0, r.caplen, r.origlen, r.linkType, r.tsSec, r.tsNsec, p);
          if (p.reassembled) return; // tshark was told not to reassemble
          const check = (name: string, ours: string, theirs: string | undefined) => {
            if (theirs !== undefined && theirs !== '' && ours !== theirs)
              mismatches.push(`frame ${r.frame} ${name}: ours ${ours}, tshark ${theirs}`);
          };
          if (p.ipVersion === 4) {
            check('ip.src', formatAddress(p.src, 4), t['ip.src']);
            check('ip.dst', formatAddress(p.dst, 4), t['ip.dst']);
          } else if (p.ipVersion === 6) {
            check('ipv6.src', formatAddress(p.src, 6), t['ipv6.src']);
            check('ipv6.dst', formatAddress(p.dst, 6), t['ipv6.dst']);
          }
          if (ok && p.ipProto === IpProto.TCP) {
            check('tcp.srcport', String(p.srcPort), t['tcp.srcport']);
            check('tcp.dstport', String(p.dstPort), t['tcp.dstport']);
            check('tcp.flags', String(p.tcpFlags), t['tcp.flags'] ? String(parseInt(t['tcp.flags'], 16) & 0xff) : '');
            check('tcp.seq', String(p.tcpSeq), t['tcp.seq_raw']);
            check('tcp.ack', String(p.tcpAck), t['tcp.ack_raw']);
            check('mss', p.tcpMss < 0 ? '-' : String(p.tcpMss), t['tcp.options.mss_val']);
            check('wscale', p.tcpWscale < 0 ? '-' : String(p.tcpWscale), t['tcp.options.wscale.shift']);
            check('tsval', p.tcpHasTimestamp ? String(p.tcpTsVal) : '-', t['tcp.options.timestamp.tsval']);
            if (!p.truncated) check('tcp.len', String(p.payloadLen), t['tcp.len']);
          }
          if (ok && p.ipProto === IpProto.UDP) {
            check('udp.srcport', String(p.srcPort), t['udp.srcport']);
            check('udp.dstport', String(p.dstPort), t['udp.dstport']);
          }
          if (ok && p.ipProto === IpProto.ICMP) {
            check('icmp.type', String(p.icmpType), t['icmp.type']);
            check('icmp.code', String(p.icmpCode), t['icmp.code']);
          }
          if (ok && p.ipProto === IpProto.ICMPV6) check('icmpv6.type', String(p.icmpType), t['icmpv6.type']);
          if (p.vlanCount > 0) check('vlan.id', String(p.vlan[0]), t['vlan.id']);
          compared++;
        });
        expect(mismatches).toEqual([]);
        expect(compared).toBeGreaterThan(0);
      });
    }
  },
);
