/**
 * The filter's cost per packet: reading a capture from memory without a filter (the baseline), then the same
 * read with each packet offered to a compiled filter, simple and elaborate. The difference between a case and
 * the baseline, divided by the packets, is what the filter costs per packet.
 *
 * Input: fixtures/loopback-mixed.pcap (real HTTP, DNS, Redis and TLS traffic), repeated to 20 copies in one
 * buffer so that one operation reads a few thousand packets.
 *
 * Run: npx tsx bench/filter.bench.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureSync } from '../src/capture/reader.js';
import type { CapturedPacket } from '../src/capture/packet.js';
import { compileFilter, type PacketFilter } from '../src/filter/index.js';
import { runSuite, type BenchCase } from './lib.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const one = fs.readFileSync(path.join(root, 'fixtures', 'loopback-mixed.pcap'));
const COPIES = 20;
// One pcap header, then the records of every copy.
const input = Buffer.concat([one, ...Array.from({ length: COPIES - 1 }, () => one.subarray(24))]);

let packets = 0;
let selected = 0;
const count = (): void => {
  packets++;
};
function read(onPacket: (p: CapturedPacket) => void): () => void {
  return () => {
    const r = openCaptureSync(input);
    while (r.pumpSync(onPacket)) {
      // every packet goes to onPacket
    }
    r.close();
  };
}
function withFilter(f: PacketFilter): () => void {
  return read((p) => {
    packets++;
    if (f.matchesAt(p.linkType, p.data, p.offset, p.caplen, p.origlen)) selected++;
  });
}

read(count)();
const perOp = packets;
const EXPRS = [
  'tcp port 80',
  'tcp port 80 and not host 10.0.0.1',
  'udp port 53 or tcp portrange 6000-6500 or (ip6 and icmp6) or net 192.168.0.0/16',
  'vlan 100 and tcp or not (src net 10.0.0.0/8 and dst port 443)',
];
const cases: BenchCase[] = [
  { name: `read, no filter (baseline; ${perOp} packets)`, fn: read(count), packets: perOp, bytes: input.length, baseline: true },
  ...EXPRS.map((e) => ({
    name: `read + filter \`${e}\``,
    fn: withFilter(compileFilter(e)),
    packets: perOp,
    bytes: input.length,
  })),
];
const rows = runSuite('filter', cases);
const base = rows[0]!.medianMs;
for (const r of rows.slice(1)) {
  console.log(`${r.name}: ${(((r.medianMs - base) * 1e6) / perOp).toFixed(1)} ns per packet over the read`);
}
if (selected === 0) throw new Error('no packet selected: the bench measured nothing useful');
