/**
 * ping_of_death, fragment_overlap, land_attack, tcp_split_handshake, stratum_mining, brute_force and
 * unusual_upload through the engine (`createEngine({ threats })`): each project capture raises its own
 * detector and none of the others of this family, with the values it measured; thresholds set through the
 * engine option; state stays bounded under a flood of distinct sources; truncated and garbage frames never
 * throw. That the benign captures, the other attack captures and the shared corpus raise none of them is
 * test/threats/fixtures.test.ts's and corpus.test.ts's part (the one corpus capture that does, a fuzzer's
 * land packet, is listed there).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { OWN_FIXTURES_DIR } from '../support/corpus.js';
import { eth, ipv4, mulberry32, tcp } from '../helpers/packets.js';

const MINE = [
  'ping_of_death',
  'fragment_overlap',
  'land_attack',
  'tcp_split_handshake',
  'stratum_mining',
  'brute_force',
  'unusual_upload',
];
const TECHNIQUE: Record<string, string> = {
  ping_of_death: 'T1499',
  fragment_overlap: 'T1499',
  land_attack: 'T1499',
  tcp_split_handshake: 'T1499',
  stratum_mining: 'T1496.001',
  brute_force: 'T1110',
  unusual_upload: 'T1048',
};

const THREAT_DIR = path.join(OWN_FIXTURES_DIR, 'threats');

/** Project captures and the one detector of this file each must raise. */
const POSITIVE: Record<string, string> = {
  'ping-of-death.pcap': 'ping_of_death',
  'teardrop.pcap': 'fragment_overlap',
  'land-attack.pcap': 'land_attack',
  'tcp-split-handshake.pcap': 'tcp_split_handshake',
  'stratum-mining.pcap': 'stratum_mining',
  'brute-force-ssh.pcap': 'brute_force',
  'ssh-brute-force.pcap': 'brute_force',
  'unusual-upload.pcap': 'unusual_upload',
};

interface Raised {
  name: string;
  count: number;
  attacker: string | null;
  target: string | null;
  techniques: string[];
  details: Record<string, unknown>;
}

async function threatsOf(file: string, threats: object = {}): Promise<Raised[]> {
  const engine = createEngine({ threats, eventTypes: ['threat'] } as Parameters<typeof createEngine>[0]);
  const out: Raised[] = [];
  for await (const ev of engine.replay(file)) {
    if (ev.type === 'threat') out.push(ev.threat as unknown as Raised);
  }
  return out;
}

function mine(list: Raised[]): Raised[] {
  return list.filter((t) => MINE.includes(t.name));
}

describe('project captures', () => {
  for (const [file, detector] of Object.entries(POSITIVE)) {
    it(`${file} raises ${detector} (${TECHNIQUE[detector]}) and no other detector of this family`, async (ctx) => {
      const p = path.join(THREAT_DIR, file);
      if (!fs.existsSync(p)) {
        ctx.skip(`fixtures/threats/${file} is not on this branch yet`);
        return;
      }
      const raised = mine(await threatsOf(p));
      expect(raised.length).toBeGreaterThan(0);
      expect([...new Set(raised.map((t) => t.name))]).toEqual([detector]);
      for (const t of raised) expect(t.techniques).toEqual([TECHNIQUE[detector]]);
    });
  }

  it('what each capture raises, with its measured values', async (ctx) => {
    const p = (f: string) => path.join(THREAT_DIR, f);
    if (!fs.existsSync(p('ping-of-death.pcap'))) {
      ctx.skip('fixtures/threats absent');
      return;
    }
    const pod = mine(await threatsOf(p('ping-of-death.pcap')));
    expect(pod).toEqual([expect.objectContaining({ name: 'ping_of_death', attacker: '10.30.0.66', target: '10.30.0.20' })]);
    expect(pod[0]!.details).toMatchObject({ proto: 'ICMP' });
    const tear = mine(await threatsOf(p('teardrop.pcap')));
    expect(tear).toEqual([
      expect.objectContaining({ name: 'fragment_overlap', attacker: '10.30.0.66', target: '10.30.0.20', count: 3 }),
    ]);
    const split = mine(await threatsOf(p('tcp-split-handshake.pcap')));
    expect(split).toEqual([
      expect.objectContaining({ name: 'tcp_split_handshake', attacker: '10.30.7.80', target: '10.30.0.20' }),
    ]);
    const up = mine(await threatsOf(p('unusual-upload.pcap')));
    expect(up).toEqual([expect.objectContaining({ name: 'unusual_upload', attacker: '10.30.0.50', target: '203.0.113.80' })]);
    // 60 MB on the wire although the capture kept 54 bytes of each bulk segment.
    expect(up[0]!.details.bytesOut as number).toBeGreaterThan(60_000_000);
    expect(up[0]!.details.capturedBytesOut as number).toBeLessThan(5_000_000);
    const bf = mine(await threatsOf(p('brute-force-ssh.pcap')));
    expect(bf).toEqual([expect.objectContaining({ name: 'brute_force', attacker: '10.30.0.66', target: '10.30.0.22' })]);
    expect(bf[0]!.details).toMatchObject({ service: 'ssh', port: 22 });
  });

  it('thresholds from the engine option: a raised brute_force threshold silences the capture', async (ctx) => {
    const p = path.join(THREAT_DIR, 'brute-force-ssh.pcap');
    if (!fs.existsSync(p)) {
      ctx.skip('fixtures/threats/brute-force-ssh.pcap absent');
      return;
    }
    expect(mine(await threatsOf(p, { detectors: { brute_force: { minSessions: 100, burstSessions: 0 } } }))).toEqual([]);
    expect(mine(await threatsOf(p, { detectors: { brute_force: false } }))).toEqual([]);
  });
});

describe('through the engine: bounded state, malformed frames', () => {
  it('200,000 distinct sources (land SYNs, oversize and misaligned fragments) keep every table under its cap', () => {
    const max = 1000;
    const engine = createEngine({ threats: { maxTracked: max }, eventTypes: ['threat'] } as Parameters<typeof createEngine>[0]);
    const rand = mulberry32(1234);
    const land = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.1' }, tcp({ sport: 7, dport: 7, flags: 'S' })));
    const big = eth({}, ipv4({ src: '10.0.0.1', dst: '192.0.2.1', proto: 1, id: 1, fragOffset: 65528 }, new Uint8Array(100)));
    const odd = eth({}, ipv4({ src: '10.0.0.1', dst: '192.0.2.1', proto: 17, id: 2, mf: true }, new Uint8Array(12)));
    const views = [land, big, odd].map((b) => new DataView(b.buffer, b.byteOffset));
    let threats = 0;
    engine.on('threat', () => {
      threats++;
    });
    for (let i = 0; i < 200_000; i++) {
      const a = (rand() * 0xffffffff) >>> 0 || 1;
      const tsSec = 1_700_000_000 + Math.floor(i / 2000);
      const tsNsec = (i % 2000) * 400_000;
      views[0]!.setUint32(26, a);
      views[0]!.setUint32(30, a);
      views[1]!.setUint32(26, a);
      views[2]!.setUint32(26, a);
      for (const data of [land, big, odd]) engine.process({ data, tsSec, tsNsec });
    }
    const st = engine.stats().threats!;
    for (const name of MINE) expect(st.state[name], name).toBeLessThanOrEqual(name === 'unusual_upload' ? 2 * max : max);
    expect(st.state.land_attack).toBeGreaterThan(0);
    expect(st.evictions).toBeGreaterThan(100_000);
    // Alerts are one per attacker and target per window, not one per packet, and bounded by what was seen.
    expect(threats).toBeGreaterThan(0);
    expect(threats).toBeLessThanOrEqual(st.alerts);
  });

  it('truncated and mutated attack frames never throw', async (ctx) => {
    const p = path.join(THREAT_DIR, 'teardrop.pcap');
    if (!fs.existsSync(p)) {
      ctx.skip('fixtures/threats/teardrop.pcap absent');
      return;
    }
    const rand = mulberry32(77);
    const engine = createEngine({ threats: {} } as Parameters<typeof createEngine>[0]);
    const frames = [
      eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.1' }, tcp({ sport: 7, dport: 7, flags: 'S' }))),
      eth({}, ipv4({ src: '10.0.0.2', dst: '192.0.2.1', proto: 1, id: 1, fragOffset: 65528 }, new Uint8Array(100))),
      eth({}, ipv4({ src: '10.0.0.3', dst: '192.0.2.1', proto: 17, id: 2, mf: true }, new Uint8Array(12))),
      eth({}, ipv4({ src: '192.0.2.9', dst: '10.0.0.4' }, tcp({ sport: 80, dport: 4000, flags: 'S' }))),
    ];
    for (let i = 0; i < 20_000; i++) {
      const base = frames[i % frames.length]!;
      const len = Math.floor(rand() * (base.length + 1));
      const data = base.slice(0, len);
      for (let k = 0; k < 3 && len > 0; k++) data[Math.floor(rand() * len)] = Math.floor(rand() * 256);
      expect(() => engine.process({ data, tsSec: 1_700_000_000 + (i >> 6), tsNsec: 0 })).not.toThrow();
    }
    engine.close?.();
  });
});
