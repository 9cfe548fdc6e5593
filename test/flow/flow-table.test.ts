import { describe, expect, it } from 'vitest';
import { DecodedPacket, IpProto } from '../../src/decode/packet.js';
import { Flow } from '../../src/flow/flow.js';
import {
  FlowTable,
  KEY_WORDS,
  TimeoutClass,
  fillPacketKey,
  flowIdOf,
  hashKey,
  sourceIsClient,
} from '../../src/flow/flow-table.js';
import { defaultOptions } from '../../src/options.js';
import { mulberry32 } from '../helpers/packets.js';

function pkt(src: number, sport: number, dst: number, dport: number, proto: number = IpProto.TCP, flags = 0): DecodedPacket {
  const p = new DecodedPacket();
  p.ipVersion = 4;
  p.src[0] = src;
  p.dst[0] = dst;
  p.srcPort = sport;
  p.dstPort = dport;
  p.ipProto = proto;
  p.tcpFlags = flags;
  return p;
}

describe('flow key', () => {
  it('is the same for both directions of a conversation and says which side is A', () => {
    const k1 = new Uint32Array(KEY_WORDS);
    const k2 = new Uint32Array(KEY_WORDS);
    const aIsA = fillPacketKey(pkt(0x0a000001, 40000, 0x0a000002, 80), k1);
    const bIsA = fillPacketKey(pkt(0x0a000002, 80, 0x0a000001, 40000), k2);
    expect([...k1]).toEqual([...k2]);
    expect(aIsA).toBe(true);
    expect(bIsA).toBe(false);
    expect(hashKey(k1)).toBe(hashKey(k2));
  });

  it('orders equal addresses by port (a loopback conversation)', () => {
    const k1 = new Uint32Array(KEY_WORDS);
    const k2 = new Uint32Array(KEY_WORDS);
    expect(fillPacketKey(pkt(0x7f000001, 50000, 0x7f000001, 6379), k1)).toBe(false);
    expect(fillPacketKey(pkt(0x7f000001, 6379, 0x7f000001, 50000), k2)).toBe(true);
    expect([...k1]).toEqual([...k2]);
  });

  it('keeps VLAN, tunnel id and protocol apart', () => {
    const base = new Uint32Array(KEY_WORDS);
    fillPacketKey(pkt(1, 2, 3, 4), base);
    const variants = [
      (p: DecodedPacket) => ((p.vlan[0] = 10), (p.vlanCount = 1)),
      (p: DecodedPacket) => (p.tunnelId = 42),
      (p: DecodedPacket) => (p.ipProto = IpProto.UDP),
      (p: DecodedPacket) => (p.ipVersion = 6),
    ];
    for (const change of variants) {
      const p = pkt(1, 2, 3, 4);
      change(p);
      const k = new Uint32Array(KEY_WORDS);
      fillPacketKey(p, k);
      expect([...k]).not.toEqual([...base]);
    }
  });

  it('pairs ICMP echo request and reply by identifier', () => {
    const req = pkt(1, 0, 2, 0, IpProto.ICMP);
    req.icmpType = 8;
    req.icmpId = 77;
    const rep = pkt(2, 0, 1, 0, IpProto.ICMP);
    rep.icmpType = 0;
    rep.icmpId = 77;
    const k1 = new Uint32Array(KEY_WORDS);
    const k2 = new Uint32Array(KEY_WORDS);
    fillPacketKey(req, k1);
    fillPacketKey(rep, k2);
    expect([...k1]).toEqual([...k2]);
    expect(sourceIsClient(req)).toBe(true);
    expect(sourceIsClient(rep)).toBe(false);
  });
});

describe('client side', () => {
  it('is the SYN sender, the SYN/ACK receiver, or decided by ports mid-stream', () => {
    expect(sourceIsClient(pkt(1, 80, 2, 40000, IpProto.TCP, 0x02))).toBe(true); // odd ports, but a SYN decides
    expect(sourceIsClient(pkt(1, 40000, 2, 80, IpProto.TCP, 0x12))).toBe(false);
    expect(sourceIsClient(pkt(1, 80, 2, 40000, IpProto.TCP, 0x18))).toBe(false);
    expect(sourceIsClient(pkt(1, 40000, 2, 443, IpProto.TCP, 0x18))).toBe(true);
    expect(sourceIsClient(pkt(1, 6379, 2, 51000, IpProto.TCP, 0x18))).toBe(false);
    expect(sourceIsClient(pkt(1, 53, 2, 33000, IpProto.UDP))).toBe(false);
    expect(sourceIsClient(pkt(1, 40000, 2, 40001, IpProto.UDP))).toBe(true);
  });
});

describe('flow id', () => {
  it('is a positive safe integer that changes with the start time and the first packet', () => {
    const k = new Uint32Array(KEY_WORDS);
    fillPacketKey(pkt(1, 2, 3, 4), k);
    const a = flowIdOf(k, 1000, 5, 1);
    expect(Number.isSafeInteger(a) && a > 0).toBe(true);
    expect(flowIdOf(k, 1000, 5, 1)).toBe(a);
    expect(flowIdOf(k, 1000, 6, 1)).not.toBe(a);
    expect(flowIdOf(k, 1001, 5, 1)).not.toBe(a);
    expect(flowIdOf(k, 1000, 5, 2)).not.toBe(a);
  });

  it('rarely collides over many flows', () => {
    const k = new Uint32Array(KEY_WORDS);
    const ids = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      fillPacketKey(pkt(0x0a000000 + (i >> 8), 1024 + (i & 0xff), 0x0a640001, 80), k);
      ids.add(flowIdOf(k, 1_700_000_000, 0, 1));
    }
    expect(ids.size).toBe(100_000);
  });
});

describe('FlowTable', () => {
  const timeouts = defaultOptions().flow.timeouts;

  function keyOf(i: number): Uint32Array {
    const k = new Uint32Array(KEY_WORDS);
    fillPacketKey(pkt(0x0a000000 + i, 1000 + (i % 50000), 0xc0a80001, 443), k);
    return k;
  }

  it('finds, removes and re-finds flows under heavy insert/remove churn (matches a Map)', () => {
    const rnd = mulberry32(7);
    const table = new FlowTable(512, timeouts);
    const model = new Map<number, Flow>();
    for (let step = 0; step < 50_000; step++) {
      const i = Math.floor(rnd() * 2000);
      const k = keyOf(i);
      const h = hashKey(k);
      const slot = table.lookup(k, h);
      const expected = model.get(i);
      if (expected === undefined) expect(slot).toBe(-1);
      else expect(table.flows[slot]).toBe(expected);
      if (slot >= 0 && rnd() < 0.5) {
        table.remove(slot);
        model.delete(i);
      } else if (slot < 0 && !table.full) {
        const f = new Flow();
        table.insert(k, h, f, step, TimeoutClass.UDP_NEW);
        model.set(i, f);
      }
      expect(table.size).toBe(model.size);
    }
  });

  it('expires flows in last-seen order per timeout class, and not before their time', () => {
    const table = new FlowTable(16, timeouts);
    const flows: Flow[] = [];
    for (let i = 0; i < 4; i++) {
      const k = keyOf(i);
      const f = new Flow();
      flows.push(f);
      table.insert(k, hashKey(k), f, 100 + i, TimeoutClass.UDP_NEW);
    }
    // Flow 0 is seen again later: it moves behind the others.
    table.touch(flows[0]!.slot, 110, TimeoutClass.UDP_NEW);
    const out = new Int32Array(16);
    expect(table.expired(100 + timeouts.udpNew, out)).toBe(0);
    const n = table.expired(103 + timeouts.udpNew + 0.5, out);
    expect([...out.slice(0, n)].map((s) => flows.indexOf(table.flows[s]!))).toEqual([1, 2, 3]);
  });

  it('chooses the flow closest to its timeout as the eviction victim', () => {
    const table = new FlowTable(4, timeouts);
    const mk = (i: number, t: number, c: number) => {
      const k = keyOf(i);
      const f = new Flow();
      table.insert(k, hashKey(k), f, t, c);
      return f;
    };
    mk(0, 100, TimeoutClass.TCP_ESTABLISHED); // expires at 700
    const closed = mk(1, 150, TimeoutClass.TCP_CLOSED); // expires at 210
    mk(2, 120, TimeoutClass.UDP_ESTABLISHED); // expires at 420
    mk(3, 180, TimeoutClass.UDP_NEW); // expires at 210.0 too, but later seen
    expect(table.full).toBe(true);
    expect(table.flows[table.victim()]).toBe(closed);
  });
});
