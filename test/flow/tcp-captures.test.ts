/**
 * Differential test on real captures: the streams TcpSession reassembles against tshark's
 * `follow,tcp,raw` (an independent reassembler), for every TCP connection of each capture, in both
 * delivery modes.
 *
 * Where a capture lost bytes the two legitimately part ways: tshark holds what follows a hole that is
 * never filled (or marks "[N bytes missing in capture file]" where it decides so), while netsieve gives
 * the hole up as a gap when the peer acknowledges past it or the flow ends. For those directions only
 * the bytes before the first missing byte are compared (one side's must be a prefix of the other's);
 * every clean direction must match byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodedPacket, TcpFlag } from '../../src/decode/packet.js';
import { ReassemblyMemory } from '../../src/flow/reassembly-memory.js';
import type { Direction, StreamConsumer } from '../../src/flow/stream.js';
import { TcpOutcome, TcpSession, type TcpContext } from '../../src/flow/tcp-session.js';
import { defaultOptions } from '../../src/options.js';
import { CORPUS_DIR, corpusPresent } from '../support/corpus.js';
import { toolPresent } from '../support/tools.js';
import { fillPacket, readPcapTcp } from './tcp-harness.js';

const PCAPS = CORPUS_DIR;
const CAPTURES = [
  'zeek_tcp-reassembly.pcap', // retransmissions, overlaps, out-of-order, lost segments
  'zeek_tcp-ssh-dups.pcap', // many duplicates
  'zeek_tcp-handshake-reorder.pcap',
  'sv_http-evader-110.pcap',
  'zeek_http-post-large.pcap',
  'zeek_http-methods.pcap', // 49 connections
  'zeek_http-bro.org.pcap',
  'zeek_redis-pipelining-example.pcap', // IPv6
  'zeek_psql-greenhouse-app.pcap',
  'ndpi_smtp.pcap',
  'ndpi_netflix.pcap', // lossy
  'ndpi_bittorrent.pcap', // lossy, one-sided
  'ndpi_1kxun.pcap', // 98 connections, a one-sided hole
];

const available = corpusPresent && toolPresent('tshark');

/** "[N bytes missing in capture file]" followed by a NUL, as tshark writes it in raw follow output. */
const MISSING = /5b(?:3[0-9])+206279746573206d697373696e6720696e20636170747572652066696c655d00/;

interface Conn {
  key: string;
  client: string;
  session: TcpSession;
  bytes: [number[], number[]];
  firstGap: [number, number]; // stream offset of the first gap, -1 without one
}

function reassemble(file: Uint8Array, delivery: 'acked' | 'immediate'): { conns: Conn[]; memory: ReassemblyMemory } {
  const options = { ...defaultOptions().tcp, depth: 0, delivery };
  const memory = new ReassemblyMemory(options.memcap);
  const ctx: TcpContext = { options, memory, sink: { anomaly() {}, gap() {} } };
  const conns: Conn[] = [];
  const byKey = new Map<string, Conn>();
  const open = (key: string, client: string): Conn => {
    const c: Conn = { key, client, session: new TcpSession(ctx, key), bytes: [[], []], firstGap: [-1, -1] };
    const consumer: StreamConsumer = {
      onData(d, s, e, info) {
        const out = c.bytes[info.direction];
        for (let i = s; i < e; i++) out.push(d[i]!);
      },
      onGap(dir: Direction, offset: number) {
        if (c.firstGap[dir] < 0) c.firstGap[dir] = offset;
      },
      onEnd() {},
    };
    c.session.consumer = consumer;
    conns.push(c);
    byKey.set(key, c);
    return c;
  };
  const pkt = new DecodedPacket();
  for (const seg of readPcapTcp(file)) {
    const key = seg.src < seg.dst ? `${seg.src}|${seg.dst}` : `${seg.dst}|${seg.src}`;
    const synAck = (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
    const c = byKey.get(key) ?? open(key, synAck ? seg.dst : seg.src);
    const out = c.session.onPacket(fillPacket(pkt, seg), (seg.src === c.client ? 0 : 1) as Direction);
    if ((out & TcpOutcome.NEW_CONNECTION) !== 0) {
      c.session.close();
      open(key, seg.src).session.onPacket(fillPacket(pkt, seg), 0);
    }
  }
  for (const c of conns) c.session.close();
  return { conns, memory };
}

interface Followed {
  nodes: [string, string];
  hex: [string, string];
}

function tsharkFollow(file: string, streams: number): Followed[] {
  const args = ['-r', file, '-q'];
  for (let i = 0; i < streams; i++) args.push('-z', `follow,tcp,raw,${i}`);
  const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  return text
    .split('===================================================================\nFollow: tcp,raw\n')
    .slice(1)
    .map((block) => {
      const lines = block.split('\n');
      const f: Followed = { nodes: [lines[1]!.slice('Node 0: '.length), lines[2]!.slice('Node 1: '.length)], hex: ['', ''] };
      for (const l of lines.slice(3)) {
        if (l === '' || l.startsWith('=')) continue;
        if (l.startsWith('\t')) f.hex[1] += l.trim();
        else f.hex[0] += l.trim();
      }
      return f;
    });
}

describe.skipIf(!available)('TCP reassembly on real captures, against tshark follow (needs the shared corpus and tshark)', () => {
  for (const name of CAPTURES) {
    it(`${name}: every connection's streams match tshark's`, () => {
      const file = path.join(PCAPS, name);
      const truth = JSON.parse(readFileSync(path.join(PCAPS, 'truth', `${name}.json`), 'utf8')) as { tcp_streams: number };
      const followed = tsharkFollow(file, truth.tcp_streams);
      expect(followed.length).toBe(truth.tcp_streams);
      const bytes = readFileSync(file);
      for (const delivery of ['acked', 'immediate'] as const) {
        const { conns, memory } = reassemble(bytes, delivery);
        expect(memory.used).toBe(0);
        const used = new Set<Conn>();
        let exact = 0;
        for (const f of followed) {
          const key = f.nodes[0] < f.nodes[1] ? `${f.nodes[0]}|${f.nodes[1]}` : `${f.nodes[1]}|${f.nodes[0]}`;
          const c = conns.find((x) => x.key === key && !used.has(x));
          expect(c, `${name}: connection ${key}`).toBeDefined();
          used.add(c!);
          for (const node of [0, 1] as const) {
            const dir = f.nodes[node] === c!.client ? 0 : 1;
            const mine = Buffer.from(c!.bytes[dir]).toString('hex');
            const theirs = f.hex[node];
            const marker = MISSING.exec(theirs);
            const label = `${name} ${delivery} ${f.nodes[node]} → ${f.nodes[node ^ 1]}`;
            if (c!.firstGap[dir] < 0 && marker === null) {
              expect(mine, label).toBe(theirs);
              exact++;
            } else {
              const a = c!.firstGap[dir] < 0 ? mine : mine.slice(0, 2 * c!.firstGap[dir]);
              const b = marker === null ? theirs : theirs.slice(0, marker.index);
              const n = Math.min(a.length, b.length);
              expect(a.slice(0, n), label).toBe(b.slice(0, n));
            }
          }
        }
        expect(exact).toBeGreaterThan(0);
      }
    });
  }
});
