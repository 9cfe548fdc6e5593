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
import { createEngine, openCaptureSync, type PolicyDocument } from '../src/index.js';
import { machine, runSuiteAsync } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const given = process.argv.slice(2);
const captures = (given.length > 0 ? given : ['http-bulk.pcap', 'mixed.pcap'].map((f) => path.join(here, 'captures', f))).filter(
  (f) => fs.existsSync(f),
);
if (captures.length === 0) {
  console.log('policy: no capture. Record bench/captures/http-bulk.pcap first (root, ~10 s): sudo bench/record-capture.sh');
  process.exit(0);
}

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1,000 rules over 300 CIDR groups (blocks the capture does not use) and 100 name groups of 100 names each. */
export function largePolicy(): PolicyDocument {
  const r = rng(11);
  const int = (n: number) => Math.floor(r() * n);
  const groups: NonNullable<PolicyDocument['groups']> = {};
  for (let g = 0; g < 300; g++) {
    const cidrs: string[] = [];
    for (let k = 0; k < 4; k++) {
      if (r() < 0.7) cidrs.push(`172.${16 + int(16)}.${int(256)}.0/${24 + int(5)}`);
      else cidrs.push(`2001:db8:${int(65536).toString(16)}:${int(65536).toString(16)}::/64`);
    }
    groups[`net-${g}`] = { cidrs };
  }
  for (let g = 0; g < 100; g++) {
    const fqdns: string[] = [];
    for (let k = 0; k < 100; k++)
      fqdns.push(`${r() < 0.5 ? '*.' : ''}svc${g}-${k}.${['example.com', 'example.net', 'corp.example'][int(3)]}`);
    groups[`names-${g}`] = { fqdns };
  }
  groups.everyone = { cidrs: ['0.0.0.0/0', '::/0'] };
  const names = Object.keys(groups).filter((n) => n !== 'everyone');
  const rules: NonNullable<PolicyDocument['rules']> = [];
  for (let i = 0; i < 999; i++) {
    const rule: NonNullable<PolicyDocument['rules']>[number] = {
      id: `r${i}`,
      from: names[int(names.length)]!,
      to: names[int(names.length)]!,
      action: r() < 0.5 ? 'allow' : 'deny',
    };
    if (r() < 0.6) rule.ports = [`tcp/${1 + int(60000)}`, `udp/${1 + int(60000)}-${60001 + int(5000)}`];
    if (r() < 0.3) rule.apps = [['http', 'tls', 'dns', 'redis'][int(4)]!];
    rules.push(rule);
  }
  rules.push({ id: 'allow-rest', from: 'everyone', to: 'everyone', action: 'allow' });
  return { mode: 'monitor', default: 'deny', groups, rules };
}

const doc = largePolicy();
const fqdnEntries = Object.values(doc.groups!).reduce((n, g) => n + (g.fqdns?.length ?? 0), 0);
console.log(`# policy: ${doc.rules!.length} rules, ${Object.keys(doc.groups!).length} groups, ${fqdnEntries} FQDN entries`);
console.log(`# ${machine()}`);

for (const capture of captures) {
  const counter = openCaptureSync(capture);
  let packets = 0;
  let bytes = 0;
  while (
    counter.pumpSync((p) => {
      packets++;
      bytes += p.caplen;
    })
  );
  counter.close();
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
