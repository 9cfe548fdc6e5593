/**
 * The whole pipeline: a large capture of real traffic replayed through the engine (read, decode, flows,
 * TCP reassembly), against reading the same file alone as the baseline; then the cost of the application
 * layer (detection and the HTTP, DNS, TLS and Redis parsers) against the same replay without it; and
 * Suricata on the same capture when it is installed.
 *
 *   npx tsx bench/pipeline.bench.ts [capture.pcap]
 *
 * Input: bench/captures/http-bulk.pcap, recorded by bench/record-capture.sh (3000 HTTP connections between
 * curl and nginx over a 1500-byte-MTU loopback with offloads off: about 413k packets, 453 MB). Without it
 * the suite says how to record it and stops.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, openCapture } from '../src/index.js';
import { countCapture, machine, median, runSuiteAsync } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const capture = process.argv[2] ?? path.join(here, 'captures', 'http-bulk.pcap');
if (!fs.existsSync(capture)) {
  console.log(`pipeline: ${capture} is missing. Record it first (root, ~10 s): sudo bench/record-capture.sh`);
  process.exit(0);
}

// Count once what one pass covers.
const { packets, bytes } = countCapture(capture);
const fileBytes = fs.statSync(capture).size;

console.log(
  `# pipeline on ${path.basename(capture)}: ${packets} packets, ${(bytes / 1e6).toFixed(0)} MB of packets, ${(fileBytes / 1e6).toFixed(0)} MB file`,
);
console.log(`# ${machine()}`);

async function replay(options: Parameters<typeof createEngine>[0]): Promise<void> {
  const engine = createEngine(options);
  let events = 0;
  for await (const _ of engine.replay(capture)) events++;
  if (events === 0) throw new Error('no events');
}

await runSuiteAsync(
  'pipeline (replay, no L7)',
  [
    {
      name: 'read only (openCapture, same async loop)',
      baseline: true,
      packets,
      bytes,
      fn: async () => {
        const r = await openCapture(capture);
        let n = 0;
        while (await r.pump(() => void n++));
        r.close();
      },
    },
    {
      name: 'replay, no L7, defaults (depth 1 MiB, acked delivery)',
      packets,
      bytes,
      fn: () => replay({ app: { enabled: false } }),
    },
    { name: 'replay, no L7, unlimited depth', packets, bytes, fn: () => replay({ app: { enabled: false }, tcp: { depth: 0 } }) },
    {
      name: 'replay, no L7, unlimited depth, immediate delivery',
      packets,
      bytes,
      fn: () => replay({ app: { enabled: false }, tcp: { depth: 0, delivery: 'immediate' } }),
    },
  ],
  { minSamples: 12, maxTime: 8 },
);

// The application layer's cost: the same replay with detection and every parser on (the defaults).
await runSuiteAsync(
  'pipeline (replay with L7)',
  [
    { name: 'replay, no L7 (app.enabled false)', baseline: true, packets, bytes, fn: () => replay({ app: { enabled: false } }) },
    { name: 'replay with L7: detection + HTTP, DNS, TLS, Redis parsers (defaults)', packets, bytes, fn: () => replay({}) },
  ],
  { minSamples: 12, maxTime: 8 },
);

// Suricata on the same capture, same machine, one worker thread: its own "time elapsed" (packet
// processing, without its start-up), median of 7 runs. Default configuration, no rules: it also parses
// HTTP and writes EVE flow/http records, which netsieve does not do yet.
const suricata = spawnSync('suricata', ['-V'], { encoding: 'utf8' });
if (suricata.status === 0) {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-suricata-'));
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync('suricata', ['-r', capture, '-l', logDir, '--runmode', 'single', '-k', 'none', '-S', '/dev/null'], {
      encoding: 'utf8',
    });
    const log = fs.readFileSync(path.join(logDir, 'suricata.log'), 'utf8');
    const m = [...log.matchAll(/time elapsed ([\d.]+)s/g)].at(-1);
    if (r.status !== 0 || !m) {
      console.log(`suricata failed: ${r.stderr.slice(0, 500)}`);
      break;
    }
    times.push(Number(m[1]));
  }
  fs.rmSync(logDir, { recursive: true, force: true });
  if (times.length > 0) {
    const t = median(times);
    console.log(
      `\n${suricata.stdout.trim()} (--runmode single, default config, no rules): median ${(t * 1000).toFixed(0)} ms, ` +
        `${Math.round(packets / t).toLocaleString('en-US')} packets/s, ${(bytes / t / 1e6).toFixed(0)} MB/s`,
    );
  }
} else {
  console.log('\nSuricata is not installed: no comparison (Debian: apt-get install -t bookworm-backports suricata).');
}
