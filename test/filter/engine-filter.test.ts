/**
 * The `filter` engine option and `netsieve replay --filter`: packets the filter does not select are skipped
 * before decoding, so replaying with a filter gives the same flows as replaying the capture that holds only
 * the selected packets; they are counted in `stats().packetsFiltered`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import { readAllPackets } from '../../src/capture/reader.js';
import { createEngine } from '../../src/engine.js';
import { NetsieveError } from '../../src/errors.js';
import type { NetsieveEvent } from '../../src/events.js';
import { compileFilter } from '../../src/filter/index.js';
import { toEve } from '../../src/output/eve.js';
import { eth, ipv4, sll, udp } from '../helpers/packets.js';
import { REPO_ROOT } from '../support/corpus.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures', 'loopback-mixed.pcap');
const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

async function events(engine: ReturnType<typeof createEngine>, input: string | Uint8Array): Promise<NetsieveEvent[]> {
  const out: NetsieveEvent[] = [];
  for await (const ev of engine.replay(input)) out.push(ev);
  return out;
}

/** An event as EVE without what depends on the input's numbering (pcap_cnt) or identity (flow_id is per input). */
function comparable(ev: NetsieveEvent): string {
  const e = toEve(ev) as Record<string, unknown>;
  delete e.pcap_cnt;
  delete e.flow_id;
  return JSON.stringify(e);
}

describe('engine option filter', () => {
  it.each(['udp port 53', 'tcp port 6379 or icmp', 'not tcp', 'tcp and not port 80'])(
    '`%s`: the same events as replaying only the selected packets',
    async (expr) => {
      const packets = readAllPackets(FIXTURE);
      const filter = compileFilter(expr);
      const w = new PcapWriter(undefined, { linkType: packets[0]!.linkType });
      let selected = 0;
      for (const p of packets) {
        if (!filter.matches(p.linkType, p.data, p.caplen, p.origlen)) continue;
        w.write(p.data, p.tsSec, p.tsNsec, p.origlen);
        selected++;
      }
      expect(selected).toBeGreaterThan(0);
      expect(selected).toBeLessThan(packets.length);

      const filtered = createEngine({ filter: expr });
      const got = await events(filtered, FIXTURE);
      const plain = createEngine();
      const want = await events(plain, w.toUint8Array());
      expect(got.map(comparable)).toEqual(want.map(comparable));
      expect(got.length).toBeGreaterThan(0);

      const s = filtered.stats();
      expect(s.packets).toBe(packets.length);
      expect(s.packetsFiltered).toBe(packets.length - selected);
      expect(s.ipPackets + s.otherPackets).toBe(selected);
      expect(s.bytes).toBe(plain.stats().bytes);
      expect(plain.stats().packetsFiltered).toBe(0);
    },
  );

  it('pcap_cnt keeps the packet number in the file (as tcpdump --number shows it)', async () => {
    const got = await events(createEngine({ filter: 'udp port 53' }), FIXTURE);
    const packets = readAllPackets(FIXTURE);
    const dnsNumbers = packets
      .filter((p) => compileFilter('udp port 53').matches(p.linkType, p.data, p.caplen, p.origlen))
      .map((p) => p.index);
    const cnts = got.map((e) => (toEve(e) as { pcap_cnt?: number }).pcap_cnt).filter((c): c is number => c !== undefined);
    expect(cnts.length).toBeGreaterThan(0);
    for (const c of cnts) expect(dnsNumbers).toContain(c);
  });

  it('the public API exports the compiler', async () => {
    const api = await import('../../src/index.js');
    const f = api.compileFilter('udp port 53', api.LinkType.ETHERNET);
    expect(f.matches(api.LinkType.ETHERNET, eth({}, ipv4({}, udp({ dport: 53 }))))).toBe(true);
    expect(api.FILTER_LINK_TYPES.has(api.LinkType.LINUX_SLL2)).toBe(true);
  });

  it('process(): a filtered packet is accepted, counted, and creates no flow', () => {
    const engine = createEngine({ filter: 'udp port 53' });
    expect(engine.process({ data: eth({}, ipv4({}, udp({ sport: 1, dport: 9 }))) })).toBe('accept');
    expect(engine.process({ data: eth({}, ipv4({}, udp({ sport: 1, dport: 53 }))) })).toBe('accept');
    const s = engine.stats();
    expect([s.packets, s.packetsFiltered, s.flowsCreated]).toEqual([2, 1, 1]);
  });

  it('a bad expression is refused by createEngine with its position; an empty one filters nothing', () => {
    let err: unknown;
    try {
      createEngine({ filter: 'tcp port 80 and nto host 10.0.0.1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetsieveError);
    expect((err as NetsieveError).code).toBe('NS_ERR_USAGE');
    expect((err as NetsieveError).position).toBe(16);
    expect(() => createEngine({ filter: 42 as unknown as string })).toThrow(/filter must be a string/);
    const all = createEngine({ filter: '' });
    all.process({ data: eth({}, ipv4({}, udp({}))) });
    expect(all.stats().packetsFiltered).toBe(0);
  });

  it('an expression the capture link cannot carry fails before the first packet, naming the file', async () => {
    const w = new PcapWriter(undefined, { linkType: LinkType.LINUX_SLL });
    w.write(sll({}, ipv4({}, udp({ dport: 53 }))), 1, 0);
    const engine = createEngine({ filter: 'vlan and udp' });
    const seen: NetsieveEvent[] = [];
    await expect(async () => {
      for await (const ev of engine.replay(w.toUint8Array(), { name: 'cooked.pcap' })) seen.push(ev);
    }).rejects.toThrow(/cooked\.pcap.*'vlan' needs Ethernet frames; link type 113/);
    expect(engine.stats().packets).toBe(0);
  });
});

describe('netsieve replay --filter', () => {
  const built = fs.existsSync(CLI);

  it.skipIf(!built)(
    'the CLI (needs dist/, which npm test builds) writes only the flows of the selected packets; a bad expression exits 2 with its position',
    () => {
      const r = spawnSync(process.execPath, [CLI, 'replay', FIXTURE, '--filter', 'udp port 53'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const lines = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event_type: string; proto?: string; src_port?: number; dest_port?: number });
      const flows = lines.filter((l) => l.event_type === 'flow');
      expect(flows.length).toBeGreaterThan(0);
      for (const f of flows) {
        expect(f.proto).toBe('UDP');
        expect([f.src_port, f.dest_port]).toContain(53);
      }
      const bad = spawnSync(process.execPath, [CLI, 'replay', FIXTURE, '--filter', 'port 80 or'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/position 10: filter: the expression ends where a primitive was expected/);
      expect(bad.stdout).toBe('');
    },
  );
});
