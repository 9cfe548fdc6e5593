/**
 * Every real capture in ../shared/fixtures/pcaps reads completely, with tshark's frame count, and the
 * packets agree with two independent readers: pcap-parser (classic pcap) and libpcap through tcpdump
 * (pcapng converted to classic pcap with nanosecond timestamps).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture, readAllPackets, type RecordedPacket } from '../../src/capture/reader.js';
import { toolPresent } from '../support/tools.js';
import { drain, FIXTURES, fixtureFiles, HAVE_FIXTURES, mulberry32, truthOf } from './helpers.js';

const require = createRequire(import.meta.url);

function magicOf(file: string): string {
  const fd = fs.openSync(path.join(FIXTURES, file), 'r');
  const b = Buffer.alloc(4);
  fs.readSync(fd, b, 0, 4, 0);
  fs.closeSync(fd);
  return b.toString('hex');
}

const hasTcpdump = (): boolean => toolPresent('tcpdump');

describe.skipIf(!HAVE_FIXTURES)('fixture captures', () => {
  const files = fixtureFiles();

  it('the fixture set has both formats (ndpi_ssh.pcap is pcapng despite its name)', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(magicOf('ndpi_ssh.pcap')).toBe('0a0d0d0a');
  });

  for (const f of files) {
    it(`${f}: packet count equals tshark's frames`, async () => {
      const truth = truthOf(f);
      const { packets, error } = await drain(await openCapture(path.join(FIXTURES, f)));
      if (truth.tshark_stderr && /cut short/i.test(truth.tshark_stderr)) {
        // tshark stopped at a record cut short: every frame it shows, then a clean error.
        expect(packets.length).toBe(truth.frames);
        expect(error?.code).toBe('NS_ERR_CAPTURE_TRUNCATED');
      } else {
        expect(error).toBeNull();
        expect(packets.length).toBe(truth.frames);
      }
    });
  }
});

describe.skipIf(!HAVE_FIXTURES)('differential: classic pcap fixtures against pcap-parser', () => {
  const pcapp = require('pcap-parser') as { parse(f: string): NodeJS.EventEmitter };
  const classic = fixtureFiles().filter((f) => ['d4c3b2a1', 'a1b2c3d4'].includes(magicOf(f)));

  it(`all ${classic.length} classic files: same timestamps, lengths and bytes`, async () => {
    for (const f of classic) {
      const ours = readAllPackets(path.join(FIXTURES, f));
      const theirs = await new Promise<Array<{ header: Record<string, number>; data: Buffer }>>((resolve, reject) => {
        const out: Array<{ header: Record<string, number>; data: Buffer }> = [];
        const p = pcapp.parse(path.join(FIXTURES, f));
        p.on('packet', (pk: { header: Record<string, number>; data: Buffer }) => out.push(pk));
        p.on('end', () => resolve(out));
        p.on('error', reject);
      });
      expect(ours.length, f).toBe(theirs.length);
      ours.forEach((p, i) => {
        const t = theirs[i]!;
        expect([p.tsSec, p.tsNsec, p.caplen, p.origlen], `${f} #${i + 1}`).toEqual([
          t.header.timestampSeconds,
          t.header.timestampMicroseconds! * 1000,
          t.header.capturedLength,
          t.header.originalLength,
        ]);
        expect(Buffer.from(p.data).equals(t.data), `${f} #${i + 1} bytes`).toBe(true);
      });
    }
  });
});

describe.skipIf(!HAVE_FIXTURES || !hasTcpdump())('differential: pcapng fixtures against libpcap (tcpdump -w)', () => {
  const ng = fixtureFiles().filter((f) => magicOf(f) === '0a0d0d0a');

  it(`all ${ng.length} pcapng files: same timestamps (ns), lengths, link types and bytes`, () => {
    for (const f of ng) {
      const converted = execFileSync('tcpdump', ['-r', path.join(FIXTURES, f), '--time-stamp-precision=nano', '-w', '-'], {
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 << 20,
      });
      const ours = readAllPackets(path.join(FIXTURES, f));
      const ref: RecordedPacket[] = readAllPackets(new Uint8Array(converted));
      expect(ours.length, f).toBe(ref.length);
      ours.forEach((p, i) => {
        const r = ref[i]!;
        expect([p.tsSec, p.tsNsec, p.caplen, p.origlen, p.linkType], `${f} #${i + 1}`).toEqual([
          r.tsSec,
          r.tsNsec,
          r.caplen,
          r.origlen,
          r.linkType,
        ]);
        expect(Buffer.from(p.data).equals(r.data), `${f} #${i + 1} bytes`).toBe(true);
      });
    }
  });
});

describe.skipIf(!HAVE_FIXTURES || !hasTcpdump())('differential: real captures cut short, against libpcap', () => {
  it('cut at seeded positions: the packets before the cut agree with tcpdump, then NS_ERR_CAPTURE_TRUNCATED', async () => {
    const rnd = mulberry32(99);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-cut-'));
    try {
      for (const f of ['zeek_http-bro.org.pcap', 'ndpi_tls_with_huge_ch.pcapng', 'zeek_tls-openjdk-sll2.pcap']) {
        const whole = fs.readFileSync(path.join(FIXTURES, f));
        for (let k = 0; k < 4; k++) {
          const cutAt = 200 + Math.floor(rnd() * (whole.length - 400));
          const cutFile = path.join(dir, `cut-${k}-${f}`);
          fs.writeFileSync(cutFile, whole.subarray(0, cutAt));
          let converted: Buffer;
          try {
            converted = execFileSync('tcpdump', ['-r', cutFile, '--time-stamp-precision=nano', '-w', '-'], {
              stdio: ['ignore', 'pipe', 'ignore'],
            });
          } catch (e) {
            converted = (e as { stdout: Buffer }).stdout; // tcpdump exits 1 on a truncated file, after writing what it read
          }
          const ref = readAllPackets(new Uint8Array(converted));
          const { packets, error } = await drain(await openCapture(cutFile));
          expect(packets.length, `${f} cut at ${cutAt}`).toBe(ref.length);
          expect(packets.map((p) => `${p.tsSec}.${p.tsNsec}/${p.caplen}`)).toEqual(
            ref.map((p) => `${p.tsSec}.${p.tsNsec}/${p.caplen}`),
          );
          // A cut exactly at a record boundary is a complete (shorter) capture.
          if (error !== null) expect(error.code).toBe('NS_ERR_CAPTURE_TRUNCATED');
          else expect(packets.at(-1)!.fileOffset).toBeLessThan(cutAt);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
