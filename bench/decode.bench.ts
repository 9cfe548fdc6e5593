/**
 * Decode throughput: netsieve's Decoder against a baseline built with the `binary-parser` package (the
 * parser the design first named), in the same process so the ratio holds on a busy machine.
 *
 * Inputs (1000 distinct packets per case, so branch predictors and caches see variety, built with the
 * test builders): Ethernet/IPv4/TCP with the timestamps option and a payload (Linux's data segment shape),
 * 802.1Q VLAN/IPv4/TCP, Ethernet/IPv6/TCP, and VXLAN-wrapped Ethernet/IPv4/TCP; plus, when the shared
 * fixtures are present, every packet of ndpi_1kxun.pcap (a real mixed capture).
 *
 * The baseline parses the same Ethernet/IPv4/TCP headers with binary-parser: header fields, IPv4 options,
 * and the TCP options as a TLV array; it allocates an object per packet, which is the point of comparison.
 *
 * Run: npx tsx bench/decode.bench.ts
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
// The package's ESM entry ships no .d.mts; its CommonJS build has both the code and the types.
import { Parser } from 'binary-parser/dist/binary_parser.js';
import { Decoder, DecodedPacket, defaultOptions } from '../src/index.js';
import { eth, ipv4, ipv6, tcp, udp, vxlan } from '../test/helpers/packets.js';
import { FIXTURE_DIR, readCapture } from '../test/helpers/pcap.js';
import { machine, runSuite, type BenchCase } from './lib.js';

const N = 1000;

function dataSegment(i: number): Uint8Array {
  return tcp(
    { sport: 40000 + (i % 2000), dport: 443, seq: i * 1448, ack: 12345, flags: 'PA', options: { timestamp: [i, i + 1] } },
    new Uint8Array(100 + (i % 1300)),
  );
}

const PLAIN = Array.from({ length: N }, (_, i) =>
  eth({}, ipv4({ src: `10.0.${i >> 8}.${i & 255}`, dst: '10.1.0.1', id: i }, dataSegment(i))),
);
const VLAN = Array.from({ length: N }, (_, i) =>
  eth({ vlan: [100 + (i % 10)] }, ipv4({ src: `10.0.${i >> 8}.${i & 255}`, dst: '10.1.0.1' }, dataSegment(i))),
);
const V6 = Array.from({ length: N }, (_, i) => eth({}, ipv6({ src: `fd00::${i.toString(16)}`, dst: 'fd00::1' }, dataSegment(i))));
const VXLAN = Array.from({ length: N }, (_, i) =>
  eth(
    {},
    ipv4(
      { src: '172.16.0.1', dst: '172.16.0.2' },
      udp({ sport: 50000 + i, dport: 4789 }, vxlan({ vni: 1 + (i % 4) }, PLAIN[i]!)),
    ),
  ),
);

const decoder = new Decoder({ decode: defaultOptions().decode, fragments: defaultOptions().fragments });
const out = new DecodedPacket();
let sink = 0;

function decodeAll(packets: readonly Uint8Array[], linkType = 1): () => void {
  return () => {
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      if (decoder.decode(p, 0, p.length, p.length, linkType, 0, 0, out)) sink += out.srcPort;
    }
  };
}

// ---- baseline: binary-parser

const tcpOption = new Parser().uint8('kind').choice('body', {
  tag: 'kind',
  choices: { 0: new Parser(), 1: new Parser() },
  defaultChoice: new Parser().uint8('length').buffer('data', {
    length: function (this: { length: number }) {
      return Math.max(0, this.length - 2);
    },
  }),
});

const ethIpv4Tcp = new Parser()
  .endianness('big')
  .buffer('dstMac', { length: 6 })
  .buffer('srcMac', { length: 6 })
  .uint16('etherType')
  .uint8('versionIhl')
  .uint8('tos')
  .uint16('totalLength')
  .uint16('id')
  .uint16('flagsFragment')
  .uint8('ttl')
  .uint8('protocol')
  .uint16('ipChecksum')
  .uint32('src')
  .uint32('dst')
  .buffer('ipOptions', {
    length: function (this: { versionIhl: number }) {
      return (this.versionIhl & 0x0f) * 4 - 20;
    },
  })
  .uint16('srcPort')
  .uint16('dstPort')
  .uint32('seq')
  .uint32('ack')
  .uint16('offsetFlags')
  .uint16('window')
  .uint16('tcpChecksum')
  .uint16('urgent')
  .array('tcpOptions', {
    type: tcpOption,
    lengthInBytes: function (this: { offsetFlags: number }) {
      return (this.offsetFlags >> 12) * 4 - 20;
    },
  });

const PLAIN_BUFFERS = PLAIN.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));

function baseline(): void {
  for (let i = 0; i < PLAIN_BUFFERS.length; i++) {
    const r = ethIpv4Tcp.parse(PLAIN_BUFFERS[i]!) as { srcPort: number };
    sink += r.srcPort;
  }
}

// Sanity: both decoders agree on the ports of every plain packet before anything is timed.
for (let i = 0; i < N; i++) {
  const p = PLAIN[i]!;
  decoder.decode(p, 0, p.length, p.length, 1, 0, 0, out);
  const r = ethIpv4Tcp.parse(PLAIN_BUFFERS[i]!) as { srcPort: number; dstPort: number; tcpOptions: unknown[] };
  if (r.srcPort !== out.srcPort || r.dstPort !== out.dstPort || !out.tcpHasTimestamp)
    throw new Error(`decoders disagree on packet ${i}`);
}

const bytes = (ps: readonly Uint8Array[]) => ps.reduce((n, p) => n + p.length, 0);
const cases: BenchCase[] = [
  { name: 'binary-parser Ethernet/IPv4/TCP+ts (baseline)', fn: baseline, packets: N, bytes: bytes(PLAIN), baseline: true },
  { name: 'netsieve Ethernet/IPv4/TCP+ts', fn: decodeAll(PLAIN), packets: N, bytes: bytes(PLAIN) },
  { name: 'netsieve Ethernet/802.1Q/IPv4/TCP+ts', fn: decodeAll(VLAN), packets: N, bytes: bytes(VLAN) },
  { name: 'netsieve Ethernet/IPv6/TCP+ts', fn: decodeAll(V6), packets: N, bytes: bytes(V6) },
  { name: 'netsieve VXLAN Ethernet/IPv4/TCP+ts', fn: decodeAll(VXLAN), packets: N, bytes: bytes(VXLAN) },
];

const REAL = path.join(FIXTURE_DIR, 'ndpi_1kxun.pcap');
if (existsSync(REAL)) {
  const recs = readCapture(REAL);
  const packets = recs.map((r) => r.data);
  cases.push({
    name: `netsieve ndpi_1kxun.pcap (${packets.length} real packets)`,
    fn: decodeAll(packets, recs[0]!.linkType),
    packets: packets.length,
    bytes: bytes(packets),
  });
}

console.log(`# decode benchmark\n${machine()}`);
runSuite('decode', cases);
if (sink === 0) console.log('(sink)');
