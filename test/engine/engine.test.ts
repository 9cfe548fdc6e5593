import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { createEngine } from '../../src/engine.js';
import type { AnomalyEvent, FlowEvent, NetsieveEvent } from '../../src/events.js';
import { isNetsieveError, NetsieveError } from '../../src/errors.js';
import type { Direction, StreamChunkInfo, StreamConsumer } from '../../src/flow/stream.js';
import { eth, icmpError, ipv4, tcp, udp, vxlan } from '../helpers/packets.js';

const T0 = 1_700_000_000;

/** A client/server TCP conversation: handshake, a request, a response, FIN both ways. */
function conversation(opts: { client?: string; server?: string; sport?: number; dport?: number; isn?: number; t?: number } = {}) {
  const c = opts.client ?? '10.0.0.1';
  const s = opts.server ?? '10.0.0.2';
  const sport = opts.sport ?? 40000;
  const dport = opts.dport ?? 80;
  const ci = opts.isn ?? 1000;
  const si = 5000;
  const req = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  const res = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const cs = (flags: string, seq: number, ack: number, data?: string) =>
    eth({}, ipv4({ src: c, dst: s }, tcp({ sport, dport, flags, seq, ack }, data)));
  const sc = (flags: string, seq: number, ack: number, data?: string) =>
    eth({}, ipv4({ src: s, dst: c }, tcp({ sport: dport, dport: sport, flags, seq, ack }, data)));
  const frames = [
    cs('S', ci, 0),
    sc('SA', si, ci + 1),
    cs('A', ci + 1, si + 1),
    cs('PA', ci + 1, si + 1, req),
    sc('A', si + 1, ci + 1 + req.length),
    sc('PA', si + 1, ci + 1 + req.length, res),
    cs('A', ci + 1 + req.length, si + 1 + res.length),
    cs('FA', ci + 1 + req.length, si + 1 + res.length),
    sc('FA', si + 1 + res.length, ci + 2 + req.length),
    cs('A', ci + 2 + req.length, si + 2 + res.length),
  ];
  const t = opts.t ?? T0;
  return { frames: frames.map((f, i) => ({ data: f, tsSec: t, tsNsec: i * 1000 })), req, res };
}

function pcapOf(packets: { data: Uint8Array; tsSec: number; tsNsec: number }[], linkType = 1): Uint8Array {
  const w = new PcapWriter(undefined, { linkType, nanosecond: true });
  for (const p of packets) w.write(p.data, p.tsSec, p.tsNsec);
  return w.toUint8Array();
}

async function collect(iter: AsyncIterable<NetsieveEvent>): Promise<NetsieveEvent[]> {
  const out: NetsieveEvent[] = [];
  for await (const ev of iter) out.push(ev);
  return out;
}

class Recorder implements StreamConsumer {
  readonly data: string[] = ['', ''];
  readonly ended: string[] = [];
  onData(d: Uint8Array, start: number, end: number, info: StreamChunkInfo): void {
    this.data[info.direction] += Buffer.from(d.subarray(start, end)).toString('latin1');
  }
  onGap(): void {}
  onEnd(direction: Direction, reason: string): void {
    this.ended.push(`${direction}:${reason}`);
  }
}

describe('engine.process()', () => {
  it('tracks a TCP conversation, delivers its streams in order and ends it on close()', () => {
    const recorders: Recorder[] = [];
    const engine = createEngine({
      onStream: () => {
        const r = new Recorder();
        recorders.push(r);
        return r;
      },
    });
    const flows: FlowEvent[] = [];
    engine.on('flow', (ev) => flows.push(ev));
    const { frames, req, res } = conversation();
    for (const f of frames) expect(engine.process(f)).toBe('accept');
    expect(flows).toHaveLength(0);
    const final = engine.close();
    expect(final.filter((e) => e.type === 'flow')).toHaveLength(1);
    expect(flows).toHaveLength(1);
    const f = flows[0]!;
    expect(f.endpoints).toEqual({ srcIp: '10.0.0.1', srcPort: 40000, destIp: '10.0.0.2', destPort: 80, proto: 'TCP' });
    expect(f.flow).toMatchObject({ pktsToServer: 6, pktsToClient: 4, state: 'closed', reason: 'shutdown', age: 0 });
    expect(f.flow.bytesToServer).toBe(
      frames.filter((_, i) => [0, 2, 3, 6, 7, 9].includes(i)).reduce((a, x) => a + x.data.length, 0),
    );
    expect(f.tcp).toMatchObject({ state: 'closed', flags: 0x1b, flagsToServer: 0x1b, flagsToClient: 0x1b });
    expect(f.tcp!.toServer.bytesDelivered).toBe(req.length);
    expect(f.tcp!.toClient.bytesDelivered).toBe(res.length);
    expect(recorders).toHaveLength(1);
    expect(recorders[0]!.data).toEqual([req, res]);
    expect(recorders[0]!.ended.sort()).toEqual(['0:fin', '1:fin']);
  });

  it('decides the client from the SYN even when the server port is the higher one', () => {
    const engine = createEngine();
    for (const f of conversation({ sport: 80, dport: 50000 }).frames) engine.process(f);
    const f = engine.close().find((e): e is FlowEvent => e.type === 'flow')!;
    expect([f.endpoints.srcPort, f.endpoints.destPort]).toEqual([80, 50000]);
  });

  it('refuses packets after close() and buffers that do not hold the packet', () => {
    const engine = createEngine();
    expect(() => engine.process({ data: new Uint8Array(10), offset: 8, caplen: 4 })).toThrowError(NetsieveError);
    engine.close();
    try {
      engine.process({ data: new Uint8Array(60) });
      expect.unreachable();
    } catch (e) {
      expect(isNetsieveError(e) && e.code).toBe('NS_ERR_STATE');
    }
  });

  it('starts a new flow when a SYN reuses the ports of a finished connection (reason tcp_reuse)', () => {
    const engine = createEngine();
    const flows: FlowEvent[] = [];
    engine.on('flow', (e) => flows.push(e));
    for (const f of conversation({ isn: 1000, t: T0 }).frames) engine.process(f);
    for (const f of conversation({ isn: 900_000, t: T0 + 5 }).frames) engine.process(f);
    engine.close();
    expect(flows.map((f) => f.flow.reason)).toEqual(['tcp_reuse', 'shutdown']);
    expect(flows.map((f) => f.flow.pktsToServer + f.flow.pktsToClient)).toEqual([10, 10]);
    expect(new Set(flows.map((f) => f.flowId)).size).toBe(2);
  });

  it('gives two flows with the same key and start time different ids', () => {
    const engine = createEngine();
    const flows: FlowEvent[] = [];
    engine.on('flow', (e) => flows.push(e));
    const a = conversation({ isn: 1000, t: T0 }).frames;
    const b = conversation({ isn: 900_000, t: T0 }).frames; // same timestamps: port reuse within one tick
    for (const f of [...a, ...b]) engine.process({ ...f, tsNsec: 0 });
    engine.close();
    expect(flows).toHaveLength(2);
    expect(flows[0]!.flowId).not.toBe(flows[1]!.flowId);
  });

  it('counts an ICMP error in the flow whose packet it quotes', () => {
    const engine = createEngine();
    const query = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.9' }, udp({ sport: 33333, dport: 53 }, 'query')));
    engine.process({ data: query, tsSec: T0 });
    const quoted = ipv4({ src: '10.0.0.1', dst: '10.0.0.9' }, udp({ sport: 33333, dport: 53 }, 'query'));
    const unreachable = eth({}, ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmpError({ type: 3, code: 3 }, quoted)));
    engine.process({ data: unreachable, tsSec: T0 });
    const flows = engine.close().filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows).toHaveLength(1);
    expect(flows[0]!.endpoints.proto).toBe('UDP');
    expect([flows[0]!.flow.pktsToServer, flows[0]!.flow.pktsToClient]).toEqual([1, 1]);
  });

  it('ends an idle flow at its timeout, with the time of its last packet', () => {
    const engine = createEngine({ flow: { timeouts: { udpNew: 30 } } });
    const flows: FlowEvent[] = [];
    engine.on('flow', (e) => flows.push(e));
    const dgram = (src: string, t: number) => ({
      data: eth({}, ipv4({ src, dst: '10.0.0.9' }, udp({ sport: 4000, dport: 4001 }, 'x'))),
      tsSec: t,
    });
    engine.process(dgram('10.0.0.1', T0));
    engine.process(dgram('10.0.0.2', T0 + 29));
    expect(flows).toHaveLength(0);
    engine.process(dgram('10.0.0.3', T0 + 31)); // the clock moves: the first flow has been idle 31 s
    expect(flows.map((f) => [f.endpoints.srcIp, f.flow.reason, f.flow.end.sec])).toEqual([['10.0.0.1', 'timeout', T0]]);
    expect(engine.stats().flowsTimedOut).toBe(1);
  });

  it('keeps flows inside overlays apart by VNI and reports the outer header', () => {
    const engine = createEngine();
    const inner = eth({}, ipv4({ src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 1234, dport: 80, flags: 'S', seq: 1 })));
    for (const vni of [100, 200]) {
      const frame = eth(
        {},
        ipv4({ src: '172.16.0.1', dst: '172.16.0.2' }, udp({ sport: 51000, dport: 4789 }, vxlan({ vni }, inner))),
      );
      engine.process({ data: frame, tsSec: T0 });
    }
    const flows = engine.close().filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows).toHaveLength(2);
    for (const f of flows) {
      expect(f.endpoints).toMatchObject({ srcIp: '192.168.1.1', destIp: '192.168.1.2', proto: 'TCP' });
      expect(f.tunnel).toMatchObject({
        type: 'vxlan',
        depth: 1,
        srcIp: '172.16.0.1',
        destIp: '172.16.0.2',
        proto: 'UDP',
        destPort: 4789,
      });
    }
    expect(flows.map((f) => f.tunnel!.id).sort()).toEqual([100, 200]);
  });

  it('writes an anomaly once per flow however often it repeats, and counts every occurrence', () => {
    const engine = createEngine();
    const anomalies: AnomalyEvent[] = [];
    engine.on('anomaly', (e) => anomalies.push(e));
    for (let i = 0; i < 50; i++) {
      // SYN and FIN together: decode.tcp_syn_fin on every packet of the same flow.
      engine.process({ data: eth({}, ipv4({}, tcp({ sport: 1, dport: 2, flags: 'SF', seq: i }))), tsSec: T0 + i });
    }
    expect(anomalies.filter((a) => a.anomaly.event === 'decode.tcp_syn_fin')).toHaveLength(1);
    expect(engine.stats().anomalies['decode.tcp_syn_fin']).toBe(50);
    expect(anomalies[0]!.flowId).toBeGreaterThan(0);
    expect(anomalies[0]!.pcapCnt).toBe(1);
  });

  it('writes anomalies of packets without a flow at most once per name per second', () => {
    const engine = createEngine();
    const anomalies: AnomalyEvent[] = [];
    engine.on('anomaly', (e) => anomalies.push(e));
    const junk = new Uint8Array([1, 2, 3]); // shorter than an Ethernet header
    for (let i = 0; i < 100; i++) engine.process({ data: junk, tsSec: T0 + Math.floor(i / 25) });
    expect(anomalies).toHaveLength(4);
    expect(anomalies.every((a) => a.anomaly.event === 'decode.ethernet_too_short' && a.flowId === undefined)).toBe(true);
    expect(engine.stats().anomalies['decode.ethernet_too_short']).toBe(100);
  });
});

describe('engine.replay()', () => {
  it('yields the events of a capture and ends its flows at the end of input', async () => {
    const { frames } = conversation();
    const engine = createEngine();
    const events = await collect(engine.replay(pcapOf(frames)));
    // The HTTP transaction when its response is complete, the flow when the input ends.
    expect(events.map((e) => e.type)).toEqual(['http', 'flow']);
    expect((events[1] as FlowEvent).pcapCnt).toBe(1);
    expect((events[1] as FlowEvent).appProto).toBe('http');
    expect(engine.stats()).toMatchObject({ packets: 10, ipPackets: 10, flowsCreated: 1, flowsEnded: 1, flowsActive: 0 });
  });

  it('with flush: false, continues flows into the next input; close() ends them', async () => {
    const { frames } = conversation();
    const engine = createEngine();
    expect(await collect(engine.replay(pcapOf(frames.slice(0, 5)), { flush: false }))).toEqual([]);
    // The second half completes the HTTP transaction (its record comes out), not the flow.
    expect((await collect(engine.replay(pcapOf(frames.slice(5)), { flush: false }))).map((e) => e.type)).toEqual(['http']);
    const flows = engine.close().filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows).toHaveLength(1);
    expect(flows[0]!.flow.pktsToServer + flows[0]!.flow.pktsToClient).toBe(10);
  });

  it('on a capture cut in the middle of a packet: yields and flushes everything before it, then throws where', async () => {
    const { frames } = conversation();
    const whole = pcapOf(frames);
    // Cut inside the 6th record's bytes: 24-byte header, then 16-byte record headers plus frames.
    let offset = 24;
    for (let i = 0; i < 5; i++) offset += 16 + frames[i]!.data.length;
    const cut = whole.subarray(0, offset + 16 + 10);
    const engine = createEngine();
    const events: NetsieveEvent[] = [];
    let error: unknown;
    try {
      for await (const ev of engine.replay(cut, { name: 'cut.pcap' })) events.push(ev);
    } catch (e) {
      error = e;
    }
    expect(isNetsieveError(error)).toBe(true);
    const err = error as NetsieveError;
    expect([err.code, err.file, err.packet, err.offset]).toEqual(['NS_ERR_CAPTURE_TRUNCATED', 'cut.pcap', 6, offset]);
    expect(err.message).toMatch(/^cut\.pcap, packet 6, byte offset \d+: /);
    const flows = events.filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows).toHaveLength(1);
    expect(flows[0]!.flow.pktsToServer + flows[0]!.flow.pktsToClient).toBe(5);
    // The engine is still usable for the next input.
    expect((await collect(engine.replay(whole))).map((e) => e.type)).toEqual(['http', 'flow']);
  });

  it('refuses a classic capture whose link type it cannot decode, with one clear error', async () => {
    const bytes = pcapOf([{ data: new Uint8Array(40), tsSec: T0, tsNsec: 0 }], 147);
    const engine = createEngine();
    await expect(collect(engine.replay(bytes, { name: 'user0.pcap' }))).rejects.toMatchObject({
      code: 'NS_ERR_CAPTURE_LINKTYPE',
      message: expect.stringContaining('link type 147'),
    });
  });

  it('reports odd records the reader could still read as capture anomalies, once per kind', async () => {
    const { frames } = conversation();
    const bytes = pcapOf(frames);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(16, 60, true); // snaplen 60: every frame above it
    const engine = createEngine();
    const events = await collect(engine.replay(bytes));
    const capture = events.filter((e): e is AnomalyEvent => e.type === 'anomaly' && e.anomaly.layer === 'capture');
    expect(capture.map((e) => e.anomaly.event)).toEqual(['capture.caplen_above_snaplen']);
    expect(engine.stats().anomalies['capture.caplen_above_snaplen']).toBe(frames.filter((f) => f.data.length > 60).length);
    expect(events.filter((e) => e.type === 'flow')).toHaveLength(1);
  });

  it('refuses garbage instead of a capture, naming the input', async () => {
    const engine = createEngine();
    await expect(
      collect(engine.replay(new TextEncoder().encode('<!DOCTYPE html><html>'), { name: 'page.html' })),
    ).rejects.toMatchObject({
      code: 'NS_ERR_CAPTURE_FORMAT',
      message: expect.stringContaining('page.html'),
    });
  });

  it('refuses a second replay while one is running', async () => {
    const engine = createEngine();
    const first = engine.replay(pcapOf(conversation().frames))[Symbol.asyncIterator]();
    const pending = first.next();
    await expect(collect(engine.replay(pcapOf(conversation().frames)))).rejects.toMatchObject({ code: 'NS_ERR_STATE' });
    await pending;
    await first.return?.(undefined);
  });
});

describe('bounded state', () => {
  /** One million SYNs to distinct ports, as a stream of pcap bytes (never all in memory at once). */
  async function* synFlood(count: number): AsyncGenerator<Uint8Array> {
    const header = new PcapWriter(undefined, { linkType: 1 }).toUint8Array();
    yield header;
    const template = eth({}, ipv4({ src: '198.51.100.7', dst: '10.0.0.1' }, tcp({ sport: 40000, dport: 1, flags: 'S', seq: 7 })));
    const rec = 16 + template.length;
    const batch = 10_000;
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const buf = new Uint8Array(rec * n);
      const dv = new DataView(buf.buffer);
      for (let j = 0; j < n; j++) {
        const k = i + j;
        const o = j * rec;
        dv.setUint32(o, T0 + Math.floor(k / 100_000), true);
        dv.setUint32(o + 4, k % 100_000, true);
        dv.setUint32(o + 8, template.length, true);
        dv.setUint32(o + 12, template.length, true);
        buf.set(template, o + 16);
        // Distinct flows: vary the source port and the destination port (checksums are not verified).
        dv.setUint16(o + 16 + 34, 1024 + (k % 60000));
        dv.setUint16(o + 16 + 36, 1 + Math.floor(k / 60000));
      }
      yield buf;
    }
  }

  it('one million SYNs to distinct ports keep the flow table at its cap and report every eviction', async () => {
    const cap = 1000;
    const engine = createEngine({ flow: { maxFlows: cap } });
    let flows = 0;
    let forced = 0;
    let evictedAnomalies = 0;
    let maxActive = 0;
    // Heap after a full collection, at a fifth of the flood and at its end: bounded state does not grow.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let heapAtFifth = 0;
    let activeAtFifth = -1;
    for await (const ev of engine.replay(synFlood(1_000_000), { flush: false })) {
      if (ev.type === 'flow') {
        flows++;
        if (ev.flow.reason === 'forced') forced++;
        if (flows === 200_000) {
          gc();
          heapAtFifth = process.memoryUsage().heapUsed;
          activeAtFifth = engine.stats().flowsActive;
        }
      } else if (ev.type === 'anomaly' && ev.anomaly.event === 'flow.evicted') evictedAnomalies++;
      maxActive = Math.max(maxActive, engine.stats().flowsActive);
    }
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapAtFifth;
    const st = engine.stats();
    expect(st.packets).toBe(1_000_000);
    expect(st.flowsCreated).toBe(1_000_000);
    expect(maxActive).toBeLessThanOrEqual(cap);
    expect(st.flowsActive).toBe(cap);
    expect(st.flowsEvicted).toBe(1_000_000 - cap);
    expect(forced).toBe(1_000_000 - cap);
    expect(evictedAnomalies).toBe(1_000_000 - cap);
    expect(flows).toBe(1_000_000 - cap);
    // 800,000 more flows came and went: the heap holds the same bounded table (a few MB of slack).
    console.log(`heap growth over the last 800k flows: ${(heapGrowth / 1e6).toFixed(2)} MB`);
    // The heap was sampled with the table already full: the growth below is measured on a full table.
    expect(activeAtFifth).toBe(cap);
    expect(heapGrowth).toBeLessThan(8 * 1024 * 1024);
    expect(engine.close().filter((e) => e.type === 'flow')).toHaveLength(cap);
  }, 120_000);

  it('a flood of fragments that never complete stays inside the fragment memory cap and is reported', () => {
    const memcap = 256 * 1024;
    const engine = createEngine({ fragments: { memcap } });
    let maxHeld = 0;
    for (let id = 0; id < 50_000; id++) {
      const frag = eth(
        {},
        ipv4({ src: '203.0.113.5', dst: '10.0.0.1', id: id & 0xffff, mf: true, proto: 17 }, new Uint8Array(512)),
      );
      engine.process({ data: frag, tsSec: T0 + Math.floor(id / 1000) });
      if (id % 1000 === 0) maxHeld = Math.max(maxHeld, engine.stats().fragments.bytesHeld);
    }
    const st = engine.stats();
    expect(st.flowsCreated).toBe(0);
    expect(maxHeld).toBeGreaterThan(memcap / 2);
    expect(maxHeld).toBeLessThanOrEqual(memcap);
    expect(st.fragments.fragments).toBe(50_000);
    expect(st.fragments.dropped).toBeGreaterThan(49_000);
    expect(st.anomalies['decode.frag_memory_full']).toBe(st.fragments.dropped);
  });

  it('fragments left incomplete time out and are reported', () => {
    const engine = createEngine({ fragments: { timeout: 5 } });
    const anomalies: AnomalyEvent[] = [];
    engine.on('anomaly', (e) => anomalies.push(e));
    const frag = eth({}, ipv4({ src: '203.0.113.5', dst: '10.0.0.1', id: 7, mf: true, proto: 17 }, new Uint8Array(64)));
    engine.process({ data: frag, tsSec: T0 });
    engine.process({ data: eth({}, ipv4({}, udp({}, 'x'))), tsSec: T0 + 6 });
    expect(engine.stats().fragments).toMatchObject({ timedOut: 1, datagramsHeld: 0, bytesHeld: 0 });
    expect(anomalies.map((a) => a.anomaly.event)).toEqual(['decode.frag_timeout']);
  });
});
