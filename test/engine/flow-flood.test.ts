/**
 * The flow table under floods, in the default configuration and at a small `flow.memcap`: accounted memory
 * stays under the cap, flows are evicted (embryonic first) and reported, and the process heap stays bounded.
 * Every loop is bounded by packet counts, never by time.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine.js';
import type { FlowEvent } from '../../src/events.js';
import { FLOW_BYTES } from '../../src/flow/flow-memory.js';
import type { StreamConsumer } from '../../src/flow/stream.js';
import { eth, ipv4, tcp } from '../helpers/packets.js';

const T0 = 1_700_000_000;

/** A full collection, when this process lets us force one (else null, and the heap assertions skip). */
function forcedGc(): (() => void) | null {
  const direct = (globalThis as { gc?: () => void }).gc;
  if (typeof direct === 'function') return direct;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** One SYN frame rewritten in place: source 10.0.0.0 + i, port 40000 → 192.168.0.1:80. */
class SynFlood {
  readonly frame = eth(
    {},
    ipv4({ src: '10.0.0.0', dst: '192.168.0.1' }, tcp({ sport: 40000, dport: 80, flags: 'S', seq: 1000 })),
  );
  private readonly view = new DataView(this.frame.buffer, this.frame.byteOffset, this.frame.byteLength);
  send(engine: Engine, i: number, tsSec: number): void {
    this.view.setUint32(26, (0x0a000000 + i) >>> 0);
    engine.process({ data: this.frame, tsSec, tsNsec: i % 1_000_000_000 });
  }
}

/** Handshake and a request on 10.9.9.9:5555 → 192.168.0.1:80, left open. */
function establishedFlow(engine: Engine, tsSec: number): void {
  const c = (flags: string, seq: number, ack: number, data?: string) =>
    engine.process({
      data: eth({}, ipv4({ src: '10.9.9.9', dst: '192.168.0.1' }, tcp({ sport: 5555, dport: 80, flags, seq, ack }, data))),
      tsSec,
    });
  const s = (flags: string, seq: number, ack: number) =>
    engine.process({
      data: eth({}, ipv4({ src: '192.168.0.1', dst: '10.9.9.9' }, tcp({ sport: 80, dport: 5555, flags, seq, ack }))),
      tsSec,
    });
  const req = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  c('S', 100, 0);
  s('SA', 900, 101);
  c('A', 101, 901);
  c('PA', 101, 901, req);
  s('A', 901, 101 + req.length);
}

describe('flow table under a SYN flood, default configuration', () => {
  const gc = forcedGc();
  const FLOOD = 1_000_000;
  const heap: { before: number; full: number; at200k: number; end: number } = { before: 0, full: 0, at200k: 0, end: 0 };

  it('a million SYNs from distinct sources: accounted flow memory under flow.memcap, every eviction reported', () => {
    const engine = createEngine();
    const { maxFlows, memcap } = engine.options.flow;
    const fixed = engine.stats().flowMemory.used;
    let forced = 0;
    let evictedAnomalies = 0;
    engine.on('flow', (ev) => {
      if (ev.flow.reason === 'forced') forced++;
    });
    engine.on('anomaly', (ev) => {
      if (ev.anomaly.event === 'flow.evicted') evictedAnomalies++;
    });
    const flood = new SynFlood();
    gc?.();
    heap.before = process.memoryUsage().heapUsed;
    let maxUsed = 0;
    for (let i = 0; i < FLOOD; i++) {
      flood.send(engine, i, T0 + Math.floor(i / 100_000));
      if (i % 25_000 === 0 || i === maxFlows - 1) {
        maxUsed = Math.max(maxUsed, engine.stats().flowMemory.used);
        if (gc !== null && i === maxFlows - 1) {
          gc();
          heap.full = process.memoryUsage().heapUsed;
        }
        if (gc !== null && i === 200_000) {
          gc();
          heap.at200k = process.memoryUsage().heapUsed;
        }
      }
    }
    gc?.();
    heap.end = process.memoryUsage().heapUsed;
    const st = engine.stats();
    expect(st.packets).toBe(FLOOD);
    expect(st.flowsCreated).toBe(FLOOD);
    expect(st.flowsActive).toBe(maxFlows);
    expect(st.flowsEvicted).toBe(FLOOD - maxFlows);
    expect(forced).toBe(FLOOD - maxFlows);
    expect(evictedAnomalies).toBe(FLOOD - maxFlows);
    // SYN-only flows are embryonic: each accounts FLOW_BYTES, no reassembly or parser state.
    expect(st.flowMemory.used).toBe(fixed + maxFlows * FLOW_BYTES);
    expect(maxUsed).toBeLessThanOrEqual(memcap);
    expect(st.flowMemory.peak).toBeLessThanOrEqual(memcap);
    expect(st.reassembly.memoryPeak).toBe(0);
    expect(engine.close().filter((e) => e.type === 'flow')).toHaveLength(maxFlows);
    expect(engine.stats().flowMemory.used).toBe(fixed);
  }, 300_000);

  it.skipIf(gc === null)(
    'heap (after a forced GC): a full default table of embryonic flows under 1 KiB a flow, flat after that',
    () => {
      expect(heap.full).toBeGreaterThan(0);
      const perFlow = (heap.full - heap.before) / 65_536;
      const lateGrowth = heap.end - heap.at200k;
      console.log(
        `heap per embryonic flow: ${perFlow.toFixed(0)} B; growth over the last 800k SYNs: ${(lateGrowth / 1e6).toFixed(2)} MB`,
      );
      // Before the streams and application state were made lazily, this was ~3,500 B.
      expect(perFlow).toBeLessThan(1024);
      expect(lateGrowth).toBeLessThan(8 * 1024 * 1024);
    },
  );
});

describe('flow.memcap: emergency eviction', () => {
  it('at a small cap, embryonic flows are evicted before an established one; reported once per episode', () => {
    const fixed = createEngine().stats().flowMemory.used;
    const memcap = fixed + 2 * 1024 * 1024;
    const engine = createEngine({ flow: { memcap } });
    const flows: FlowEvent[] = [];
    let memcapEvents = 0;
    engine.on('flow', (ev) => flows.push(ev));
    engine.on('anomaly', (ev) => {
      if (ev.anomaly.event === 'flow.memcap_reached') {
        memcapEvents++;
        expect(ev.anomaly.layer).toBe('flow');
      }
    });
    establishedFlow(engine, T0);
    const flood = new SynFlood();
    let maxUsed = 0;
    for (let i = 0; i < 20_000; i++) {
      flood.send(engine, i, T0 + 1);
      if (i % 500 === 0) maxUsed = Math.max(maxUsed, engine.stats().flowMemory.used);
    }
    let st = engine.stats();
    expect(memcapEvents).toBe(1);
    expect(st.anomalies['flow.memcap_reached']).toBe(1);
    expect(st.flowMemory.emergencies).toBe(1);
    expect(st.flowMemory.emergency).toBe(true);
    expect(st.flowMemory.memcapEvictions).toBeGreaterThan(15_000);
    expect(st.flowMemory.memcapHits).toBeGreaterThanOrEqual(st.flowMemory.memcapEvictions);
    expect(maxUsed).toBeLessThanOrEqual(memcap);
    expect(st.flowMemory.peak).toBeLessThanOrEqual(memcap);
    // The cap, not maxFlows, bounded the table.
    expect(st.flowsActive).toBeLessThan((2 * 1024 * 1024) / FLOW_BYTES + 1);
    expect(st.flowsEvicted).toBe(st.flowMemory.memcapEvictions);
    // Only SYN-only flows were evicted; the established flow with data is still open.
    expect(flows.length).toBe(st.flowMemory.memcapEvictions);
    expect(flows.every((f) => f.flow.reason === 'forced' && f.flow.pktsToServer === 1 && f.flow.pktsToClient === 0)).toBe(true);
    expect(flows.some((f) => f.endpoints.srcPort === 5555)).toBe(false);

    // The embryonic flows time out (tcp new: 60 s): usage falls, the episode ends; the next flood is a new one.
    flood.send(engine, 5_000_000, T0 + 70);
    st = engine.stats();
    expect(st.flowMemory.emergency).toBe(false);
    for (let i = 0; i < 20_000; i++) flood.send(engine, 6_000_000 + i, T0 + 71);
    st = engine.stats();
    expect(memcapEvents).toBe(2);
    expect(st.flowMemory.emergencies).toBe(2);
    const end = engine.close().filter((e): e is FlowEvent => e.type === 'flow');
    const established = end.find((f) => f.endpoints.srcPort === 5555);
    expect(established?.flow.reason).toBe('shutdown');
    expect(established?.appProto).toBe('http');
  });

  it("a flow's first data at a full cap evicts embryonic flows for its stream state, never itself", () => {
    const fixed = createEngine().stats().flowMemory.used;
    const K = 100;
    const memcap = fixed + K * FLOW_BYTES;
    const engine = createEngine({ flow: { memcap } });
    const forced: FlowEvent[] = [];
    engine.on('flow', (ev) => forced.push(ev));
    const c = (flags: string, seq: number, ack: number, data?: string) =>
      engine.process({
        data: eth({}, ipv4({ src: '10.9.9.9', dst: '192.168.0.1' }, tcp({ sport: 5555, dport: 80, flags, seq, ack }, data))),
        tsSec: T0 + 1,
      });
    // The SYN first (oldest), then the table fills to the cap with other SYNs.
    c('S', 100, 0);
    const flood = new SynFlood();
    for (let i = 0; i < K - 1; i++) flood.send(engine, i, T0 + 1);
    expect(engine.stats().flowMemory.used).toBe(memcap);
    c('PA', 101, 0, 'GET / HTTP/1.1\r\n\r\n');
    const st = engine.stats();
    expect(st.flowMemory.used).toBeLessThanOrEqual(memcap);
    expect(st.flowMemory.memcapEvictions).toBeGreaterThan(0);
    expect(st.anomalies['flow.memcap_reached']).toBe(1);
    expect(forced.length).toBe(st.flowMemory.memcapEvictions);
    expect(forced.every((f) => f.endpoints.srcPort === 40000 && f.flow.reason === 'forced')).toBe(true);
    const own = engine
      .close()
      .filter((e): e is FlowEvent => e.type === 'flow')
      .find((f) => f.endpoints.srcPort === 5555);
    expect(own?.flow.reason).toBe('shutdown');
    expect(own?.tcp?.toServer.segments).toBe(1);
  });

  it('a flow whose end opens its streams (a trailing gap) does not evict others at shutdown', () => {
    const fixed = createEngine().stats().flowMemory.used;
    const K = 100;
    const engine = createEngine({ flow: { memcap: fixed + K * FLOW_BYTES } });
    // Handshake, then a pure ACK from 40 bytes further: the client sent bytes the capture lost. Its streams
    // stay unopened until the end, where the lost bytes become a trailing gap.
    const c = (flags: string, seq: number, ack: number) =>
      engine.process({
        data: eth({}, ipv4({ src: '10.9.9.9', dst: '192.168.0.1' }, tcp({ sport: 5555, dport: 80, flags, seq, ack }))),
        tsSec: T0,
      });
    c('S', 100, 0);
    engine.process({
      data: eth(
        {},
        ipv4({ src: '192.168.0.1', dst: '10.9.9.9' }, tcp({ sport: 80, dport: 5555, flags: 'SA', seq: 900, ack: 101 })),
      ),
      tsSec: T0,
    });
    c('A', 141, 901);
    const flood = new SynFlood();
    for (let i = 0; i < K - 1; i++) flood.send(engine, i, T0);
    expect(engine.stats().flowMemory.used).toBe(fixed + K * FLOW_BYTES);
    const events = engine.close();
    const flows = events.filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows).toHaveLength(K);
    expect(flows.every((f) => f.flow.reason === 'shutdown')).toBe(true);
    expect(events.some((e) => e.type === 'anomaly' && e.anomaly.event === 'flow.memcap_reached')).toBe(false);
    const gapped = flows.find((f) => f.endpoints.srcPort === 5555);
    expect(gapped?.tcp?.toServer.gapBytes).toBe(40);
  });

  it('refuses a cap below what the table itself needs, and a cap of 0', () => {
    expect(() => createEngine({ flow: { memcap: 4096 } })).toThrow(/flow\.memcap/);
    expect(() => createEngine({ flow: { memcap: 0 } })).toThrow(/flow\.memcap/);
    expect(() => createEngine({ flow: { maxFlows: 100, memcap: 1 << 20 } })).not.toThrow();
  });
});

describe('SYN-only flows without stream state', () => {
  it('still end with the port-based appProto guess, as flows that carried data', () => {
    const engine = createEngine();
    new SynFlood().send(engine, 1, T0);
    const [ev] = engine.close().filter((e): e is FlowEvent => e.type === 'flow');
    expect(ev?.appProto).toBe('http');
    expect(ev?.appProtoConfidence).toBe('port');
    expect(ev?.tcp?.toServer.segments).toBe(0);
  });
});

describe('onStream: a read-only FlowView', () => {
  it('carries flow id, endpoints, vlan, tunnel, start and appProto; consumers may leave out onGap and onEnd', () => {
    const seen: {
      keys: string[];
      flowId: number;
      endpoints: unknown;
      start: unknown;
      appProto: () => string | null;
      vlan: readonly number[];
      tunnel: unknown;
    }[] = [];
    let bytes = 0;
    const engineWithStreams = createEngine({
      onStream: (view): StreamConsumer => {
        seen.push({
          keys: Object.keys(view),
          flowId: view.flowId,
          endpoints: view.endpoints,
          start: view.start,
          appProto: () => view.appProto,
          vlan: view.vlan,
          tunnel: view.tunnel,
        });
        return {
          onData(_data, start, end) {
            bytes += end - start;
          },
        };
      },
    });
    establishedFlow(engineWithStreams, T0);
    const [flow] = engineWithStreams.close().filter((e): e is FlowEvent => e.type === 'flow');
    expect(seen).toHaveLength(1);
    const v = seen[0]!;
    expect(v.flowId).toBe(flow!.flowId);
    expect(v.endpoints).toEqual({ srcIp: '10.9.9.9', srcPort: 5555, destIp: '192.168.0.1', destPort: 80, proto: 'TCP' });
    expect(v.start).toEqual(flow!.flow.start);
    expect(v.vlan).toEqual([]);
    expect(v.tunnel).toBeNull();
    expect(v.appProto()).toBe('http');
    // Nothing internal is reachable by name: no table slot, no addresses as typed arrays.
    expect(v.keys.some((k) => /slot|Addr|tcp/.test(k))).toBe(false);
    expect(bytes).toBe('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.length);
  });
});
