/**
 * The flow table: finding a packet's flow from its decoded fields (key fill, hash, probe, LRU touch), against
 * the obvious JavaScript way of doing it — a `Map` keyed by a string built from the 5-tuple — as baseline.
 *
 *   npx tsx bench/flow.bench.ts
 *
 * Input: 65,536 active flows (the default cap) and a packet sequence that visits them in a bursty order
 * (a flow sends 8 packets in a row, as bulk TCP does, then another flow). One operation = 1 M lookups.
 */
import { DecodedPacket, IpProto, defaultOptions } from '../src/index.js';
import { Flow } from '../src/flow/flow.js';
import { FlowTable, KEY_WORDS, TimeoutClass, fillPacketKey, hashKey } from '../src/flow/flow-table.js';
import { machine, runSuite } from './lib.js';
import { mulberry32 } from '../test/helpers/packets.js';

const FLOWS = 65_536;
const LOOKUPS = 1_000_000;
const BURST = 8;


// Flow tuples: clients in 10.0.0.0/16 talking to a few servers; packets come from either side.
const rnd = mulberry32(42);
const src = new Uint32Array(FLOWS);
const dst = new Uint32Array(FLOWS);
const sport = new Uint16Array(FLOWS);
const dport = new Uint16Array(FLOWS);
for (let i = 0; i < FLOWS; i++) {
  src[i] = (0x0a000000 + Math.floor(rnd() * 65536)) >>> 0;
  dst[i] = (0xc0a80000 + Math.floor(rnd() * 16)) >>> 0;
  sport[i] = 1024 + Math.floor(rnd() * 60000);
  dport[i] = [80, 443, 6379, 5432][i & 3]!;
}
const order = new Int32Array(LOOKUPS);
const reverse = new Uint8Array(LOOKUPS);
for (let i = 0; i < LOOKUPS; i += BURST) {
  const f = Math.floor(rnd() * FLOWS);
  for (let j = 0; j < BURST && i + j < LOOKUPS; j++) {
    order[i + j] = f;
    reverse[i + j] = rnd() < 0.4 ? 1 : 0;
  }
}

const pkt = new DecodedPacket();
pkt.ipVersion = 4;
pkt.ipProto = IpProto.TCP;
function setPacket(i: number): void {
  const f = order[i]!;
  if (reverse[i] === 0) {
    pkt.src[0] = src[f]!;
    pkt.dst[0] = dst[f]!;
    pkt.srcPort = sport[f]!;
    pkt.dstPort = dport[f]!;
  } else {
    pkt.src[0] = dst[f]!;
    pkt.dst[0] = src[f]!;
    pkt.srcPort = dport[f]!;
    pkt.dstPort = sport[f]!;
  }
}

// netsieve's table, filled with every flow.
const table = new FlowTable(FLOWS, defaultOptions().flow.timeouts);
const key = new Uint32Array(KEY_WORDS);
for (let f = 0; f < FLOWS; f++) {
  pkt.src[0] = src[f]!;
  pkt.dst[0] = dst[f]!;
  pkt.srcPort = sport[f]!;
  pkt.dstPort = dport[f]!;
  fillPacketKey(pkt, key);
  const h = hashKey(key);
  if (table.lookup(key, h) < 0) table.insert(key, h, new Flow(), 0, TimeoutClass.TCP_ESTABLISHED);
}

// The baseline: a Map from a canonical string key.
function stringKey(): string {
  const a = `${pkt.src[0]}:${pkt.srcPort}`;
  const b = `${pkt.dst[0]}:${pkt.dstPort}`;
  return a < b ? `${pkt.ipProto}|${a}|${b}` : `${pkt.ipProto}|${b}|${a}`;
}
const map = new Map<string, Flow>();
for (let f = 0; f < FLOWS; f++) {
  pkt.src[0] = src[f]!;
  pkt.dst[0] = dst[f]!;
  pkt.srcPort = sport[f]!;
  pkt.dstPort = dport[f]!;
  const k = stringKey();
  if (!map.has(k)) map.set(k, new Flow());
}

let sink = 0;
console.log(`# flow table: ${table.size} flows, ${LOOKUPS} lookups per operation in bursts of ${BURST}`);
console.log(`# ${machine()}`);
runSuite('flow table lookup', [
  {
    name: 'Map<string, Flow> (5-tuple string key)',
    baseline: true,
    packets: LOOKUPS,
    fn: () => {
      for (let i = 0; i < LOOKUPS; i++) {
        setPacket(i);
        const f = map.get(stringKey());
        if (f !== undefined) sink++;
      }
    },
  },
  {
    name: 'FlowTable: key fill + hash + lookup',
    packets: LOOKUPS,
    fn: () => {
      for (let i = 0; i < LOOKUPS; i++) {
        setPacket(i);
        fillPacketKey(pkt, key);
        if (table.lookup(key, hashKey(key)) >= 0) sink++;
      }
    },
  },
  {
    name: 'FlowTable: lookup + LRU touch (what the engine does per packet)',
    packets: LOOKUPS,
    fn: () => {
      for (let i = 0; i < LOOKUPS; i++) {
        setPacket(i);
        fillPacketKey(pkt, key);
        const slot = table.lookup(key, hashKey(key));
        if (slot >= 0) {
          table.touch(slot, i, TimeoutClass.TCP_ESTABLISHED);
          sink++;
        }
      }
    },
  },
]);
if (sink === 0) throw new Error('no lookups hit');
