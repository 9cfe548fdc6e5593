/**
 * The policy stage's cost: a replay with a large policy (1,000 rules, 10,000 FQDN entries, 300 CIDR groups)
 * against the same replay without a policy, in one run. Every rule but the last misses the capture's flows,
 * so each decision walks the whole list (the worst case of first match); the last allows everything.
 *
 *   npx tsx bench/policy.bench.ts [capture.pcap...]
 *
 * Inputs: bench/captures/http-bulk.pcap (the large bulk-transfer capture, bench/record-capture.sh) and, when
 * present, bench/captures/mixed.pcap (many small transactions: ../shared/tools/record-mixed-capture.sh), where
 * flows are short and decisions weigh the most. Also prints decisions per flow (at most two, never per packet).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/index.js';
import { countCapture, machine, runSuiteAsync } from './lib.js';
import { largePolicy } from './policy-doc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const given = process.argv.slice(2);
const captures = (given.length > 0 ? given : ['http-bulk.pcap', 'mixed.pcap'].map((f) => path.join(here, 'captures', f))).filter(
  (f) => fs.existsSync(f),
);
if (captures.length === 0) {
  console.log('policy: no capture. Record bench/captures/http-bulk.pcap first (root, ~10 s): sudo bench/record-capture.sh');
  process.exit(0);
}

const doc = largePolicy();
const fqdnEntries = Object.values(doc.groups!).reduce((n, g) => n + (g.fqdns?.length ?? 0), 0);
console.log(`# policy: ${doc.rules!.length} rules, ${Object.keys(doc.groups!).length} groups, ${fqdnEntries} FQDN entries`);
console.log(`# ${machine()}`);

for (const capture of captures) {
  const { packets, bytes } = countCapture(capture);
  console.log(`\n# ${path.basename(capture)}: ${packets} packets, ${(bytes / 1e6).toFixed(0)} MB`);

  const replay = async (options: Parameters<typeof createEngine>[0]) => {
    const engine = createEngine({ ...options, eventTypes: ['flow'] });
    let events = 0;
    for await (const _ of engine.replay(capture)) events++;
    if (events === 0) throw new Error('no events');
    return engine;
  };

  // How often flows were decided, and that the policy allowed them (the last rule).
  const probe = await replay({ policy: { document: doc, learn: false } });
  const s = probe.stats();
  const p = s.policy!;
  if (p.flowsDenied !== 0) throw new Error(`the benchmark policy denied ${p.flowsDenied} flows`);
  console.log(
    `# decisions: ${p.decisions} for ${s.flowsCreated} flows (${(p.decisions / s.flowsCreated).toFixed(2)} per flow, ` +
      `${(p.decisions / packets).toFixed(4)} per packet)`,
  );

  await runSuiteAsync(
    `policy on ${path.basename(capture)}`,
    [
      { name: 'replay with L7, no policy', baseline: true, packets, bytes, fn: () => replay({}).then(() => undefined) },
      {
        name: 'replay with L7, 1,000 rules + 10,000 FQDNs, monitor',
        packets,
        bytes,
        fn: () => replay({ policy: { document: doc, learn: false } }).then(() => undefined),
      },
      {
        name: 'same, protect (verdicts)',
        packets,
        bytes,
        fn: () => replay({ policy: { document: doc, mode: 'protect', learn: false } }).then(() => undefined),
      },
      {
        name: 'discover, learning (no rules)',
        packets,
        bytes,
        fn: () => replay({ policy: {} }).then(() => undefined),
      },
    ],
    { minSamples: 10, maxTime: 8 },
  );
}
