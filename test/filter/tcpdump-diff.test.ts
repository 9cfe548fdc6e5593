/**
 * Differential test of netsieve's filter against libpcap (through tcpdump), on every capture of the shared
 * corpus, the project's own fixtures, and synthetic captures of every link type with libpcap's quirks.
 *
 * Cheap by design: `tcpdump -ddd` compiles each expression once per (link type, byte order), and a small BPF
 * interpreter (bpf-vm.ts) runs libpcap's program on every packet; real `tcpdump -r FILE -w - EXPR` runs on
 * the synthetic captures and one corpus capture per link type check both netsieve and the interpreter
 * against tcpdump itself. The packet numbers selected must be equal: there are no exceptions.
 *
 * One deliberate difference cannot show here: on BSD loopback (link type 0) libpcap compares the address
 * family in the byte order of the machine that wrote the file, which a frame alone does not tell; netsieve
 * accepts both orders. The two differ only for a family value that reads as AF_INET/AF_INET6 byte-swapped
 * (0x02000000, 0x18000000, ...), which no system writes. The synthetic captures hold both byte orders.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllPackets, type RecordedPacket } from '../../src/capture/reader.js';
import { isNetsieveError } from '../../src/errors.js';
import { compileFilter, type PacketFilter } from '../../src/filter/index.js';
import { corpusFiles, corpusPath, corpusPresent, OWN_FIXTURES_DIR } from '../support/corpus.js';
import { toolPresent } from '../support/tools.js';
import { parseDdd, runBpf, type BpfInsn } from './bpf-vm.js';
import { writeSyntheticCaptures } from './synthetic.js';

// Probed once per run by the global setup (which also prints what is absent).
const tcpdumpPresent = toolPresent('tcpdump');

/** Every primitive, and/or/not and their precedence, the shorthand, VLAN offsets, IPv6 and fragments. */
export const EXPRESSIONS = [
  'ip',
  'ip6',
  'arp',
  'rarp',
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'sctp',
  'igmp',
  'host 10.0.0.1',
  'src host 10.0.0.1',
  'dst host 10.0.0.2',
  'host 10.0.0.1 or 192.168.1.5',
  'ip host 10.0.0.2',
  'arp host 10.0.0.2',
  'src and dst host 10.0.0.1',
  'host 2001:db8::1',
  'ip6 dst host 2001:db8::2',
  'net 10.0.0.0/8',
  'net 192.168.0.0 mask 255.255.0.0',
  'net 10',
  'src net 2001:db8::/32',
  'dst net ff02::/16',
  'net 127.0.0.0/8 or 192.168.0.0/16',
  'port 80',
  'tcp port 80',
  'udp port 53',
  'port 53 or 443',
  'src port 80',
  'dst port 80 or 1234',
  'tcp dst port 80',
  'portrange 50-100',
  'udp portrange 1000-6000',
  'sctp port 80',
  'proto 17',
  'ip proto 2',
  'ip6 proto 58',
  'ip proto \\tcp',
  'less 60',
  'greater 100',
  'less 80 and greater 60',
  'vlan',
  'vlan 100',
  'vlan and tcp port 80',
  'vlan 20 and vlan 10',
  'tcp or vlan 100 and udp',
  'not vlan and tcp',
  'vlan and vlan and ip',
  'ether host 02:00:00:00:00:01',
  'ether src 02:00:00:00:00:01',
  'ether dst ff:ff:ff:ff:ff:ff',
  'tcp and not host 10.0.0.1',
  'not tcp',
  '!(udp || arp)',
  'ip6 or ip and udp',
  'not port 80',
  'host 10.0.0.1 and not 10.0.0.2',
  '(tcp port 80 or udp port 53) and not src net 192.168.0.0/16',
  'tcp && port 80 || icmp6',
  'tcp port 6379 or udp port 53 or port 443',
  'host 127.0.0.1 and tcp',
  'tcp[tcpflags] & tcp-syn != 0',
  'tcp[13] & (tcp-syn|tcp-ack) = tcp-syn',
  'ip[0] & 0xf != 5',
  'udp[0:2] = 53 or udp[2:2] = 53',
  'ip6[6] = 17',
  'icmp6[icmp6type] = icmp6-echo',
  'icmp[icmptype] = icmp-echo',
  'len - 14 > 100',
  'ether[0] & 1 != 0',
  'link[0:4] != 0',
  '(tcp[12] >> 4) * 4 > 20',
  'tcp[(tcp[12] >> 4) * 4 - 1] = 0',
  'ip[2:2] / 4 % 7 = 3',
  'vlan and ip[9] = 6',
  'not ip[6:2] & 0x1fff = 0',
  'ip[0] ^ 1 & 3 = 0x44',
  'arp[7] = 1',
  'tcp[100:4] = 0 or not tcp[20:2] > 1000',
  'sctp[0:2] = 80 or igmp[0] = 0x11',
];

interface Expected {
  /** libpcap refused the expression for this link type (other than "rejects all packets"). */
  error: string | null;
  prog: BpfInsn[] | null;
}

function run(cmd: string, args: string[], binary: boolean): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
      void binary;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

/** Runs `jobs` with at most `limit` at once. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

interface Capture {
  name: string;
  path: string;
  linkType: number;
  bigEndian: boolean;
  packets: RecordedPacket[];
}

function loadCapture(name: string, file: string): Capture {
  const bytes = fs.readFileSync(file);
  const packets = readAllPackets(bytes);
  const magic = bytes.readUInt32LE(0);
  // Classic pcap written big-endian reads as a1b2c3d4/a1b23c4d swapped.
  const bigEndian = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const linkType = packets[0]?.linkType ?? -1;
  return { name, path: file, linkType, bigEndian, packets };
}

function netsieveVerdicts(filter: PacketFilter, c: Capture): number[] {
  const out: number[] = [];
  for (const p of c.packets) if (filter.matches(p.linkType, p.data, p.caplen, p.origlen)) out.push(p.index);
  return out;
}

function libpcapVerdicts(prog: BpfInsn[], c: Capture): number[] {
  const out: number[] = [];
  for (const p of c.packets) if (runBpf(prog, p.data, p.caplen, p.origlen) !== 0) out.push(p.index);
  return out;
}

/** netsieve's verdict set, or the error message when the filter refuses the expression for this link type. */
function netsieveOrError(expr: string, c: Capture): number[] | string {
  try {
    return netsieveVerdicts(compileFilter(expr, c.linkType), c);
  } catch (e) {
    if (isNetsieveError(e) && e.code === 'NS_ERR_USAGE') return e.message;
    throw e;
  }
}

describe('filter: netsieve selects the packets libpcap selects', () => {
  let tmp = '';
  const captures: Capture[] = [];
  /** `${linkType}/${be}` → expression → libpcap's program or refusal. */
  const programs = new Map<string, Map<string, Expected>>();
  const templateKey = (c: Capture) => `${c.linkType}/${c.bigEndian ? 'be' : 'le'}`;

  beforeAll(async () => {
    if (!tcpdumpPresent) return;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-filter-'));
    for (const s of writeSyntheticCaptures(tmp)) captures.push(loadCapture(s.name, s.path));
    for (const dir of [OWN_FIXTURES_DIR, path.join(OWN_FIXTURES_DIR, 'redis')]) {
      for (const f of fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.pcap'))
        .sort())
        captures.push(loadCapture(`fixtures/${f}`, path.join(dir, f)));
    }
    for (const f of corpusFiles()) captures.push(loadCapture(f, corpusPath(f)));
    // One header-only template per (link type, byte order): libpcap's program depends on nothing else.
    const jobs: (() => Promise<void>)[] = [];
    for (const c of captures) {
      const key = templateKey(c);
      if (programs.has(key) || c.linkType < 0) continue;
      const perExpr = new Map<string, Expected>();
      programs.set(key, perExpr);
      const header = Buffer.alloc(24);
      const w32 = (v: number, o: number) => (c.bigEndian ? header.writeUInt32BE(v, o) : header.writeUInt32LE(v, o));
      const w16 = (v: number, o: number) => (c.bigEndian ? header.writeUInt16BE(v, o) : header.writeUInt16LE(v, o));
      w32(0xa1b2c3d4, 0);
      w16(2, 4);
      w16(4, 6);
      w32(262144, 16);
      w32(c.linkType, 20);
      const template = path.join(tmp, `template-${c.linkType}-${c.bigEndian ? 'be' : 'le'}.pcap`);
      fs.writeFileSync(template, header);
      for (const expr of EXPRESSIONS) {
        jobs.push(async () => {
          const r = await run('tcpdump', ['-r', template, '-ddd', expr], false);
          if (r.code === 0) perExpr.set(expr, { error: null, prog: parseDdd(r.stdout.toString('utf8')) });
          else if (r.stderr.includes('rejects all packets')) perExpr.set(expr, { error: null, prog: null });
          else perExpr.set(expr, { error: r.stderr.trim(), prog: null });
        });
      }
    }
    await pool(jobs, 4);
  }, 120_000);

  afterAll(() => {
    if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.skipIf(!tcpdumpPresent)('covers at least 30 expressions and every capture', (ctx) => {
    expect(EXPRESSIONS.length).toBeGreaterThanOrEqual(30);
    if (!corpusPresent) ctx.skip('shared corpus absent: only the synthetic captures and own fixtures are compared');
    expect(captures.length).toBeGreaterThanOrEqual(90);
  });

  it.skipIf(!tcpdumpPresent)('every expression on every capture: the same packets as libpcap compiled by tcpdump', () => {
    const differences: string[] = [];
    let compared = 0;
    let selected = 0;
    for (const c of captures) {
      const perExpr = programs.get(templateKey(c));
      if (perExpr === undefined) continue;
      for (const expr of EXPRESSIONS) {
        const want = perExpr.get(expr)!;
        const got = netsieveOrError(expr, c);
        compared++;
        if (want.error !== null) {
          // libpcap refuses the expression for this link type (vlan or ether on a cooked capture): so must we.
          if (typeof got !== 'string')
            differences.push(`${c.name} \`${expr}\`: tcpdump refuses (${want.error}), netsieve accepts`);
          continue;
        }
        if (typeof got === 'string') {
          differences.push(`${c.name} \`${expr}\`: netsieve refuses (${got}), tcpdump accepts`);
          continue;
        }
        const expected = want.prog === null ? [] : libpcapVerdicts(want.prog, c);
        selected += expected.length;
        if (expected.join(',') !== got.join(',')) {
          const only = (a: number[], b: number[]) => a.filter((x) => !b.includes(x)).slice(0, 10);
          differences.push(`${c.name} \`${expr}\`: libpcap only ${only(expected, got)}; netsieve only ${only(got, expected)}`);
        }
      }
    }
    expect(differences).toEqual([]);
    // Without the shared corpus, the synthetic captures and the project's own fixtures (a dozen) are compared.
    expect(compared).toBeGreaterThanOrEqual(EXPRESSIONS.length * (corpusPresent ? 90 : 12));
    expect(selected).toBeGreaterThan(corpusPresent ? 1000 : 100);
  });

  it.skipIf(!tcpdumpPresent)(
    'real tcpdump runs agree with the interpreter and with netsieve (synthetic captures, one corpus capture per link type)',
    async () => {
      const chosen: Capture[] = [];
      const seen = new Set<string>();
      for (const c of captures) {
        // The own fixtures are Ethernet captures like many in the corpus: the interpreter's verdicts on them
        // are trusted once it agrees with tcpdump on the captures chosen here.
        if (c.name.startsWith('fixtures/')) continue;
        if (c.name.startsWith('synthetic-')) chosen.push(c);
        else if (!seen.has(templateKey(c))) {
          chosen.push(c);
          seen.add(templateKey(c));
        }
      }
      if (corpusPresent) expect(seen.size).toBeGreaterThanOrEqual(5); // Ethernet, SLL, SLL2, null, raw IPv4
      const differences: string[] = [];
      const jobs: (() => Promise<void>)[] = [];
      for (const c of chosen) {
        for (const expr of EXPRESSIONS) {
          jobs.push(async () => {
            const r = await run('tcpdump', ['-r', c.path, '-w', '-', expr], true);
            const got = netsieveOrError(expr, c);
            if (r.code !== 0) {
              if (!r.stderr.includes('rejects all packets')) {
                if (typeof got !== 'string')
                  differences.push(`${c.name} \`${expr}\`: tcpdump fails (${r.stderr.trim()}), netsieve accepts`);
                return;
              }
              if (typeof got === 'string' || got.length !== 0)
                differences.push(`${c.name} \`${expr}\`: tcpdump rejects all, netsieve ${got}`);
              return;
            }
            // tcpdump wrote the selected packets in order: find each in the input to learn its number.
            const out = readAllPackets(new Uint8Array(r.stdout));
            const want: number[] = [];
            let i = 0;
            for (const o of out) {
              while (i < c.packets.length && !samePacket(c.packets[i]!, o)) i++;
              if (i === c.packets.length) throw new Error(`${c.name} \`${expr}\`: a packet tcpdump wrote is not in the input`);
              want.push(c.packets[i]!.index);
              i++;
            }
            const prog = programs.get(templateKey(c))!.get(expr)!;
            const vm = prog.prog === null ? [] : libpcapVerdicts(prog.prog, c);
            if (vm.join(',') !== want.join(',')) differences.push(`${c.name} \`${expr}\`: interpreter ${vm} vs tcpdump ${want}`);
            if (typeof got === 'string' || got.join(',') !== want.join(','))
              differences.push(`${c.name} \`${expr}\`: netsieve ${got} vs tcpdump ${want}`);
          });
        }
      }
      await pool(jobs, 4);
      expect(differences).toEqual([]);
      expect(jobs.length).toBeGreaterThanOrEqual(EXPRESSIONS.length * (corpusPresent ? 10 : 9));
    },
    180_000,
  );
});

function samePacket(a: RecordedPacket, b: RecordedPacket): boolean {
  if (a.caplen !== b.caplen || a.origlen !== b.origlen || a.tsSec !== b.tsSec) return false;
  for (let k = 0; k < a.caplen; k++) if (a.data[k] !== b.data[k]) return false;
  return true;
}
