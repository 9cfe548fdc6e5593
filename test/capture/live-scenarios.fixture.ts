/**
 * Child-process half of live.test.ts. `cap` polls the main thread's event loop, so live capture cannot
 * run inside vitest's worker threads; this script runs the scenarios on a main thread and prints what
 * it observed as one JSON object for the test to check.
 *
 * Usage: node --import tsx live-scenarios.fixture.ts <base-port>
 */
import dgram from 'node:dgram';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isNetsieveError } from '../../src/errors.js';
import { listDevices, openLive, type LiveCapture } from '../../src/capture/live.js';
import type { CapturedPacket } from '../../src/capture/packet.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const basePort = Number(process.argv[2] ?? 40000);

async function sendUdp(port: number, payloads: string[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const p of payloads)
    await new Promise<void>((resolve, reject) => s.send(p, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  s.close();
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

/** The UDP payload of an Ethernet/IPv4/UDP frame on Linux `lo`. */
function udpPayload(p: CapturedPacket): string {
  const ip = p.offset + 14;
  const ihl = (p.data[ip]! & 0x0f) * 4;
  return Buffer.from(p.data.subarray(ip + ihl + 8, p.offset + p.caplen)).toString();
}

function errorOf(f: () => unknown): { code: string; message: string } | null {
  try {
    const r = f();
    if (r && typeof (r as LiveCapture).stop === 'function') (r as LiveCapture).stop();
    return null;
  } catch (e) {
    return { code: isNetsieveError(e) ? e.code : 'not-netsieve', message: (e as Error).message };
  }
}

const out: Record<string, unknown> = {};

let first: LiveCapture;
try {
  first = openLive('lo', { filter: `udp and port ${basePort}` });
} catch (e) {
  if (isNetsieveError(e) && (e.code === 'NS_ERR_LIVE_PERMISSION' || e.code === 'NS_ERR_LIVE_UNAVAILABLE')) {
    process.stdout.write(JSON.stringify({ skipped: e.message }));
    process.exit(0);
  }
  throw e;
}

// 1. Datagrams to the filtered port come back, in order; another port does not pass the filter.
{
  const got: string[] = [];
  const stamps: Array<[number, number]> = [];
  const lens: Array<[number, number]> = [];
  const before = Date.now() / 1000;
  first.start((p) => {
    got.push(udpPayload(p));
    stamps.push([p.tsSec, p.tsNsec]);
    lens.push([p.caplen, p.origlen]);
  });
  const payloads = Array.from({ length: 5 }, (_, i) => `netsieve-live-${basePort}-${i}`);
  await sendUdp(basePort, payloads);
  await sendUdp(basePort + 1, ['other port']);
  await waitFor(() => got.length >= 5, 3000);
  await new Promise((r) => setTimeout(r, 100));
  first.stop();
  first.stop();
  const after = Date.now() / 1000;
  out.udp = {
    linkType: first.linkType,
    payloads,
    got,
    stampsInRange: stamps.every(
      ([s, ns]) => s + ns / 1e9 >= before - 0.01 && s + ns / 1e9 <= after + 0.01 && ns >= 0 && ns < 1e9,
    ),
    lengthsEqual: lens.every(([c, o]) => c === o && c > 42),
    stats: first.stats(),
  };
}

// 2. The caller keeps no reference to the capture; the collector runs between packets.
{
  const port = basePort + 2;
  const got: string[] = [];
  let stop: () => void = () => {};
  {
    const cap = openLive('lo', { filter: `udp and port ${port}` });
    cap.start((p) => got.push(udpPayload(p)));
    stop = () => cap.stop();
  }
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5; i++) gc();
    let junk: Uint8Array[] | null = [];
    for (let i = 0; i < 200; i++) junk.push(new Uint8Array(65536));
    junk = null;
    await sendUdp(port, [`gc-${round}`]);
    await waitFor(() => got.length > round, 2000);
  }
  stop();
  out.gc = got;
}

// 3. snaplen cuts a long datagram.
{
  const port = basePort + 3;
  const cap = openLive('lo', { filter: `udp and port ${port}`, snaplen: 100 });
  const lens: number[] = [];
  cap.start((p) => lens.push(p.caplen));
  await sendUdp(port, ['x'.repeat(1000)]);
  await waitFor(() => lens.length >= 1, 2000);
  cap.stop();
  out.snaplen = { lens, stats: cap.stats() };
}

// 4. A throwing callback stops the capture and reaches onError.
{
  const port = basePort + 4;
  const cap = openLive('lo', { filter: `udp and port ${port}` });
  const errors: string[] = [];
  let calls = 0;
  cap.start(
    () => {
      calls++;
      throw new Error('consumer failed');
    },
    (e) => errors.push((e as Error).message),
  );
  await sendUdp(port, ['a', 'b', 'c']);
  await waitFor(() => errors.length >= 1, 2000);
  await new Promise((r) => setTimeout(r, 100));
  out.throwing = { calls, errors, restart: errorOf(() => cap.start(() => {})) };
}

// 5. Errors, and a failed open that must not abort the process when collected.
out.unknownDevice = errorOf(() => openLive('no-such-if0'));
out.badFilter = errorOf(() => openLive('lo', { filter: 'udp and and' }));
out.notPromiscuous = errorOf(() => openLive('lo', { promiscuous: false }));
for (let i = 0; i < 5; i++) gc();
await new Promise((r) => setTimeout(r, 50));
for (let i = 0; i < 5; i++) gc();
out.devices = listDevices().map((d) => ({ name: d.name, loopback: d.loopback }));
out.survivedGc = true;

process.stdout.write(JSON.stringify(out));
