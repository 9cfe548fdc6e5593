/**
 * The flow table: finding a packet's flow from its decoded fields (key fill, hash, probe, LRU touch), against
 * the obvious JavaScript way of doing it — a `Map` keyed by a string built from the 5-tuple — as baseline.
 *
 *   npx tsx bench/flow.bench.ts
 *
 * Input: 65,536 active flows (the default cap) and a packet sequence that visits them in a bursty order
 * (a flow sends 8 packets in a row, as bulk TCP does, then another flow). One operation = 1 M lookups.
 *
 * Then the memory side: heap bytes per embryonic TCP flow (SYN only, distinct sources) in the default
 * engine, heap growth over 65,536 such flows after a forced collection, with and without the application
 * layer, and the engine's own accounting of them (`stats().flowMemory`).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { DecodedPacket, IpProto, createEngine, defaultOptions } from '../src/index.js';
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

// ---- bytes per embryonic flow ----

function forcedGc(): () => void {
  const direct = (globalThis as { gc?: () => void }).gc;
  if (typeof direct === 'function') return direct;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Heap bytes per SYN-only flow over a full default table (65,536 flows), and the engine's accounting. */
function embryonicBytes(appEnabled: boolean): { heap: number; accounted: number } {
  const gc = forcedGc();
  const frame = new Uint8Array(54);
  const dv = new DataView(frame.buffer);
  dv.setUint16(12, 0x0800);
  frame[14] = 0x45;
  dv.setUint16(16, 40);
  frame[22] = 64;
  frame[23] = IpProto.TCP;
  dv.setUint32(30, 0xc0a80001);
  dv.setUint16(34, 40000);
  dv.setUint16(36, 80);
  dv.setUint32(38, 1000);
  frame[46] = 0x50;
  frame[47] = 0x02; // SYN
  const engine = createEngine(appEnabled ? {} : { app: { enabled: false } });
  const fixed = engine.stats().flowMemory.used;
  const n = engine.options.flow.maxFlows;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) {
    dv.setUint32(26, (0x0a000000 + i) >>> 0);
    engine.process({ data: frame, tsSec: 1_700_000_000, tsNsec: i });
  }
  gc();
  const heap = (process.memoryUsage().heapUsed - before) / n;
  const accounted = (engine.stats().flowMemory.used - fixed) / n;
  engine.close();
  return { heap, accounted };
}

console.log('\n## bytes per embryonic TCP flow (SYN only), default engine, 65,536 flows, heap after a forced GC\n');
console.log('| case | heap bytes per flow | accounted (flow.memcap) |');
console.log('|---|---:|---:|');
for (const app of [true, false]) {
  const r = embryonicBytes(app);
  console.log(
    `| ${app ? 'application layer on (default)' : 'app.enabled false'} | ${r.heap.toFixed(0)} | ${r.accounted.toFixed(0)} |`,
  );
}
