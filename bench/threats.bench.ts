/**
 * The threat stage's cost: a replay with every detector on against the same replay without them, in one run
 * (the budget: at most 10 % of replay packets/s on the large capture). Also the stage under a flood
 * of distinct spoofed sources (one SYN each, fed through `process()`), where every packet is a new flow and
 * every detector's tables fill to their caps, against the same flood without the stage.
 *
 *   npx tsx bench/threats.bench.ts [capture.pcap...]
 *
 * Inputs: bench/captures/http-bulk.pcap (the large bulk-transfer capture, bench/record-capture.sh) and, when
 * present, bench/captures/mixed.pcap (many small transactions: ../shared/tools/record-mixed-capture.sh).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/index.js';
import { eth, ipv4, mulberry32, tcp } from '../test/helpers/packets.js';
import { countCapture, machine, median, runSuite, runSuiteAsync } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const given = process.argv.slice(2);
const captures = (given.length > 0 ? given : ['http-bulk.pcap', 'mixed.pcap'].map((f) => path.join(here, 'captures', f))).filter(
  (f) => fs.existsSync(f),
);
console.log(`# ${machine()}`);

for (const capture of captures) {
  const { packets, bytes } = countCapture(capture);
  console.log(`\n# ${path.basename(capture)}: ${packets} packets, ${(bytes / 1e6).toFixed(0)} MB`);

  // As `netsieve replay` runs by default: every event built (EVE writes them all), the parsers on.
  const replay = async (options: Parameters<typeof createEngine>[0]) => {
    const engine = createEngine(options);
    let events = 0;
    for await (const _ of engine.replay(capture)) events++;
    if (events === 0) throw new Error('no events');
    return engine;
  };
  const probe = await replay({ threats: {} });
  const t = probe.stats().threats!;
  console.log(`# threats on this capture: ${t.alerts} alerts (${JSON.stringify(t.byDetector)}), ${t.detectors.length} detectors`);

  // Interleaved passes (off, on, on, off, ...) timed in CPU time: the order of passes and a busy machine weigh
  // on both sides alike, so the ratio holds where the benchmark package's table above it may drift.
  const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let round = 0; round < 8; round++) {
    for (const side of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const t0 = process.cpuUsage();
      await replay(side === 'on' ? { threats: {} } : {});
      const t = process.cpuUsage(t0);
      cpu[side].push((t.user + t.system) / 1000);
    }
  }
  const off = median(cpu.off);
  const on = median(cpu.on);
  console.log(
    `# interleaved, CPU time (8 passes each): no threat stage ${off.toFixed(0)} ms (${Math.round((packets / off) * 1000).toLocaleString('en-US')} packets/s), ` +
      `every detector ${on.toFixed(0)} ms (${Math.round((packets / on) * 1000).toLocaleString('en-US')} packets/s): ` +
      `the stage costs ${(((on - off) / off) * 100).toFixed(1)} % of replay time`,
  );

  await runSuiteAsync(
    `threats on ${path.basename(capture)}`,
    [
      { name: 'replay with L7, no threat stage', baseline: true, packets, bytes, fn: () => replay({}).then(() => undefined) },
      {
        name: 'replay with L7, every detector (threats: {})',
        packets,
        bytes,
        fn: () => replay({ threats: {} }).then(() => undefined),
      },
    ],
    { minSamples: 10, maxTime: 8 },
  );
}

// A SYN flood from 200,000 distinct spoofed sources to one server: every packet is a new flow.
const FLOOD = 200_000;
const rand = mulberry32(13);
const frames: Uint8Array[] = [];
for (let i = 0; i < FLOOD; i++) {
  const src = `10.${(rand() * 256) | 0}.${(rand() * 256) | 0}.${1 + ((rand() * 254) | 0)}`;
  frames.push(eth({}, ipv4({ src, dst: '192.168.0.10' }, tcp({ sport: 1024 + (i % 60000), dport: 80, flags: 'S', seq: i }))));
}
const flood = (threats: boolean) => {
  const engine = createEngine({ eventTypes: [], ...(threats ? { threats: { maxTracked: 65_536 } } : {}) });
  let t = 1_767_225_600;
  for (let i = 0; i < FLOOD; i++) {
    if (i % 20_000 === 0) t++;
    engine.process({ data: frames[i]!, tsSec: t, tsNsec: (i % 20_000) * 50_000 });
  }
  engine.close();
};
runSuite(
  `threats under a SYN flood of ${FLOOD.toLocaleString('en-US')} distinct sources (process(), no events built)`,
  [
    { name: 'no threat stage', baseline: true, packets: FLOOD, fn: () => flood(false) },
    { name: 'every detector, maxTracked 65,536', packets: FLOOD, fn: () => flood(true) },
  ],
  { minSamples: 5, maxTime: 8 },
);
