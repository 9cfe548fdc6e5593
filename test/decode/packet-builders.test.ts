/**
 * The test packet builders checked against an independent reference: tshark decodes what they build,
 * verifies every checksum, and reassembles what fragmentIpv4/fragmentIpv6 split. Other stages' tests rely on
 * these builders, so a builder bug must not hide behind a decoder that shares it.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  eth,
  fragmentIpv4,
  fragmentIpv6,
  geneve,
  gre,
  icmpEcho,
  icmpError,
  icmpv6Echo,
  icmpv6Error,
  ipv4,
  ipv6,
  tcp,
  udp,
  vxlan,
} from '../helpers/packets.js';
import { toolPresent } from '../support/tools.js';

const HAVE_TSHARK = toolPresent('tshark');

function pcap(frames: Uint8Array[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f));
  });
  return Buffer.concat(parts);
}

function tshark(frames: Uint8Array[], fields: string[], prefs: string[] = []): string[][] {
  const dir = mkdtempSync(path.join(tmpdir(), 'netsieve-builders-'));
  try {
    const file = path.join(dir, 'built.pcap');
    writeFileSync(file, pcap(frames));
    const args = ['-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
    for (const p of prefs) args.push('-o', p);
    for (const f of fields) args.push('-e', f);
    const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return text
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => l.split('\t'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CHECKSUMS = ['ip.check_checksum:TRUE', 'tcp.check_checksum:TRUE', 'udp.check_checksum:TRUE'];

describe.skipIf(!HAVE_TSHARK)('packet builders against tshark (needs tshark)', () => {
  it('every checksum the builders write verifies', () => {
    const frames = [
      eth(
        {},
        ipv4(
          { options: new Uint8Array([1, 1, 1, 0]) },
          tcp({ flags: 'PA', options: { mss: 1460, sack: [[1, 2]], timestamp: [3, 4] } }, 'abc'),
        ),
      ),
      eth(
        { vlan: [1, 2] },
        ipv6({ ext: [{ type: 'hop' }, { type: 'routing' }, { type: 'dst' }] }, udp({ dport: 9 }, 'odd length')),
      ),
      eth({}, ipv4({}, udp({ dport: 9 }, ''))),
      eth({}, ipv4({}, icmpEcho({ id: 3 }, 'ping'))),
      eth({}, ipv6({}, icmpv6Echo({ id: 3 }, 'ping6'))),
      eth({}, ipv4({}, icmpError({}, ipv4({}, udp({ dport: 9 }, 'quoted'))))),
      eth({}, ipv6({}, icmpv6Error({}, ipv6({}, tcp({}))))),
    ];
    const rows = tshark(
      frames,
      ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status'],
      CHECKSUMS,
    );
    expect(rows).toHaveLength(frames.length);
    // 1 is good, 0 bad, 2 unverified (tshark does not verify the transport checksum inside an ICMP quote).
    for (const [i, row] of rows.entries()) {
      const statuses = row
        .join(',')
        .split(',')
        .filter((s) => s !== '');
      expect([i, statuses.includes('1') && statuses.every((s) => s === '1' || s === '2')]).toEqual([i, true]);
    }
  });

  it('tshark reads the fields the builders were given, through tunnels', () => {
    const inner = eth(
      {},
      ipv4({ src: '192.168.0.1', dst: '192.168.0.2' }, tcp({ sport: 1111, dport: 2222, seq: 77, flags: 'S' })),
    );
    const frames = [
      eth({ vlan: [100, 200] }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1234, dport: 80, flags: 'S', seq: 1 }))),
      eth({}, ipv4({}, udp({ sport: 5000, dport: 4789 }, vxlan({ vni: 4242 }, inner)))),
      eth({}, ipv6({}, udp({ sport: 5000, dport: 6081 }, geneve({ vni: 99 }, inner)))),
      eth({}, ipv4({}, gre({ key: 0x1234, seq: 5 }, ipv6({ src: 'fd00::1', dst: 'fd00::2' }, udp({ sport: 1, dport: 2 }))))),
    ];
    const rows = tshark(
      frames,
      ['ieee8021ad.id', 'vxlan.vni', 'geneve.vni', 'gre.key', 'tcp.srcport', 'tcp.seq_raw', 'udp.dstport', 'ipv6.src'],
      ['tcp.relative_sequence_numbers:FALSE'],
    );
    expect(rows[0]![0]).toBe('100'); // the 802.1ad outer tag; the inner 802.1Q one is checked by the decoder tests
    expect(rows[0]![4]).toBe('1234');
    expect(rows[1]![1]).toBe('4242');
    expect(rows[1]![4]).toBe('1111');
    expect(rows[1]![5]).toBe('77');
    expect(rows[2]![2]).toBe('0x000063'); // 99
    expect(rows[3]![3]).toBe('0x00001234');
    expect(rows[3]![7]).toBe('fd00::1');
  });

  it('tshark reassembles what fragmentIpv4 and fragmentIpv6 split', () => {
    const body = 'x'.repeat(3000);
    const frames = [
      ...fragmentIpv4(ipv4({ id: 9 }, udp({ sport: 7, dport: 9 }, body)), 1000).map((f) => eth({}, f)),
      ...fragmentIpv6(ipv6({ ext: [{ type: 'hop' }] }, udp({ sport: 7, dport: 9 }, body)), 1000, 0x55).map((f) => eth({}, f)),
    ];
    const rows = tshark(
      frames,
      ['udp.length', 'udp.checksum.status'],
      ['ip.defragment:TRUE', 'ipv6.defragment:TRUE', 'udp.check_checksum:TRUE'],
    );
    const done = rows.filter((r) => r[0] !== '');
    expect(done.map((r) => r[0])).toEqual(['3008', '3008']);
    expect(done.map((r) => r[1])).toEqual(['1', '1']);
  });
});
