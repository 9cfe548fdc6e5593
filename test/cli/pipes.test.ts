/**
 * `netsieve` in pipes: a reader that closes early (`| head -1`), a slow reader (backpressure), and input that
 * arrives over time (`tcpdump -w - | netsieve replay -`). Runs the built CLI (dist/, `npm run build`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LineSink } from '../../src/cli/sink.js';
import { eth, ipv4, udp } from '../helpers/packets.js';
import { REPO_ROOT } from '../support/corpus.js';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
let tmp = '';
let big = '';
/**
 * Flows in the large capture: one UDP datagram each, one second apart, so that they time out (and their
 * lines are written) during the replay rather than all at its end: one EVE flow line each (~450 bytes).
 */
const FLOWS = 20_000;

/** One UDP datagram from 10.0.x.y:port to 10.1.0.1:53. */
function datagram(i: number): Uint8Array {
  return eth(
    {},
    ipv4({ src: `10.0.${(i >> 8) & 0xff}.${i & 0xff}`, dst: '10.1.0.1' }, udp({ sport: 1024 + (i % 60000), dport: 53 }, 'x')),
  );
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-pipes-'));
  const w = new PcapWriter();
  for (let i = 0; i < FLOWS; i++) w.write(datagram(i), 1_700_000_000 + i, 0);
  big = path.join(tmp, 'many-flows.pcap');
  fs.writeFileSync(big, w.toUint8Array());
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  stderr: string;
}

function exitOf(child: ReturnType<typeof spawn>, stderr: string[]): Promise<Exit> {
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr: stderr.join('') })));
}

describe('a reader that closes standard output early', () => {
  it('ends the run quietly with exit 0 (as `netsieve replay big.pcap | head -1`)', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', big], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    let first = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (first.includes('\n')) return;
      first += d.toString();
      // As head does: one line read, then the pipe is closed with most of the output still to come.
      if (first.includes('\n')) child.stdout!.destroy();
    });
    const exit = await exitOf(child, stderr);
    expect(JSON.parse(first.slice(0, first.indexOf('\n')))).toMatchObject({ event_type: 'flow' });
    expect(exit).toEqual({ code: 0, stderr: '' });
  }, 60_000);

  it('through a real shell pipe into head -1', async () => {
    // netsieve's exit status is echoed to stderr by the subshell: POSIX sh has no PIPESTATUS.
    const wrapped = spawn(
      'sh',
      ['-c', `("${process.execPath}" "${CLI}" replay "${big}"; echo "netsieve exit $?" >&2) | head -1`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out: string[] = [];
    const stderr: string[] = [];
    wrapped.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    wrapped.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const exit = await exitOf(wrapped, stderr);
    expect(exit.code).toBe(0);
    expect(out.join('').split('\n').filter(Boolean)).toHaveLength(1);
    expect(exit.stderr).toBe('netsieve exit 0\n');
  }, 60_000);
});

describe('a slow reader', () => {
  it('holds the same listeners on the stream however often the sink waits for it to drain', async () => {
    // A stream that takes one write at a time and completes it later: every flush must wait for 'drain'.
    const slow = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, done) {
        setImmediate(done);
      },
    });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const sink = LineSink.over(slow);
      const before = sink.listenerCount();
      for (let i = 0; i < 50; i++) {
        sink.write(`{"n":${i}}`);
        await sink.flush(true);
        expect(sink.listenerCount()).toBe(before);
      }
      await sink.close();
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('a CLI run into a reader that pauses gets every line and no warning', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', big], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    let lines = 0;
    let reads = 0;
    child.stdout!.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) lines++;
      // Pause after every read so that the pipe fills and netsieve waits for it to drain, many times over.
      reads++;
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), 10);
    });
    const exit = await exitOf(child, stderr);
    expect(exit).toEqual({ code: 0, stderr: '' });
    expect(lines).toBe(FLOWS);
    expect(reads).toBeGreaterThan(11);
  }, 120_000);
});

describe('input that arrives over time', () => {
  it('writes a line while standard input is still open (tcpdump -w - | netsieve replay -)', async () => {
    // Two datagrams of one flow, then one 400 s later: the first flow times out (UDP: 300 s) and its line is
    // due. The input stays open until that line has been read; without a timed flush it never would be.
    const w = new PcapWriter();
    w.write(datagram(1), 1_700_000_000, 0);
    w.write(datagram(1), 1_700_000_001, 0);
    w.write(datagram(2), 1_700_000_400, 0);
    const child = spawn(process.execPath, [CLI, 'replay', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const exited = exitOf(child, stderr);
    child.stdin!.write(w.toUint8Array());
    const first = await new Promise<string>((resolve) => {
      let text = '';
      const onData = (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) {
          child.stdout!.off('data', onData);
          resolve(text);
        }
      };
      child.stdout!.on('data', onData);
    });
    expect(child.exitCode).toBeNull(); // still running: its input has not ended
    expect(JSON.parse(first.split('\n')[0]!)).toMatchObject({
      event_type: 'flow',
      flow: { reason: 'timeout', pkts_toserver: 2 },
    });
    child.stdout!.resume();
    child.stdin!.end();
    expect(await exited).toEqual({ code: 0, stderr: '' });
  }, 30_000);

  it('a closed stdout ends the run even while standard input stays open', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const exited = exitOf(child, stderr);
    child.stdin!.on('error', () => undefined); // netsieve may be gone before the test stops writing
    // Three flows, then a packet 400 s later that times them out: three lines while the input stays open.
    const w = new PcapWriter();
    for (let i = 0; i < 3; i++) w.write(datagram(i), 1_700_000_000, i);
    w.write(datagram(10), 1_700_000_400, 0);
    child.stdin!.write(w.toUint8Array());
    await new Promise<void>((resolve) => {
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) {
          child.stdout!.destroy(); // as head -1 does
          resolve();
        }
      });
    });
    // One more packet times out the fourth flow: writing its line finds the pipe closed, while netsieve
    // waits for more input that is never coming (a live tcpdump's). It must stop waiting and exit.
    const more = new PcapWriter();
    more.write(datagram(11), 1_700_000_800, 0);
    child.stdin!.write(more.toUint8Array().subarray(24)); // the record only: the file header was sent
    expect(await exited).toEqual({ code: 0, stderr: '' });
    expect(child.stdin!.writableEnded).toBe(false);
    child.stdin!.destroy();
  }, 30_000);

  it('--count N ends the run after N packets without waiting for the input to end (as tcpdump -c)', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', '-', '--count', '3', '--format', 'summary'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    const out: string[] = [];
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    child.stdin!.on('error', () => undefined);
    child.stdin!.write(fs.readFileSync(big));
    expect(await exitOf(child, stderr)).toEqual({ code: 0, stderr: '' });
    expect(out.join('')).toMatch(/packets\s+3 \(/);
    child.stdin!.destroy();
  }, 30_000);
});
