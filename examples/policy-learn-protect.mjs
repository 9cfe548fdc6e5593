// @ts-check
/**
 * The policy's life cycle: learn what a capture's workloads do (discover mode), review the result (here: we
 * take away the rule that lets clients reach Redis), then enforce it inline (protect mode), where the flows it
 * no longer allows get the drop verdict and a violation event saying which rule decided.
 *
 *   node examples/policy-learn-protect.mjs [capture.pcap]
 */
import { fileURLToPath } from 'node:url';
import { createEngine, readAllPackets } from 'netsieve';

const file = process.argv[2] ?? fileURLToPath(new URL('../fixtures/loopback-mixed.pcap', import.meta.url));
const packets = [...readAllPackets(file)];

// 1. Discover: everything allowed, every conversation learned.
const learner = createEngine({ policy: {} });
for (const p of packets) learner.process(p);
learner.close();
const policy = learner.learnedPolicy();
console.log(`learned: ${policy.rules?.length} rules over ${Object.keys(policy.groups ?? {}).length} groups`);
for (const r of policy.rules ?? [])
  console.log(`  ${r.id}: ${r.from} -> ${r.to} ${r.ports?.join(',')} ${r.apps?.join(',') ?? 'any app'}`);

// 2. Review: no more Redis.
policy.rules = (policy.rules ?? []).filter((r) => !r.apps?.includes('redis'));

// 3. Protect, inline: bytes reach the parsers as they arrive, so a flow is decided on the packet that shows it.
const engine = createEngine({ policy: { document: policy, mode: 'protect' }, tcp: { delivery: 'immediate' } });
// No rule allows this client to reach port 6379 any more, whatever the application: denied at the first packet.
engine.on('violation', (ev) =>
  console.log(
    `violation: ${ev.endpoints.srcIp} -> ${ev.endpoints.destIp}:${ev.endpoints.destPort} (rule ${ev.policy.rule}, packet ${ev.pcapCnt})`,
  ),
);
const verdicts = { accept: 0, drop: 0 };
for (const p of packets) verdicts[engine.process(p)]++;
engine.close();
const s = engine.stats().policy;
console.log(`verdicts: accept ${verdicts.accept}, drop ${verdicts.drop}`);
console.log(`flows: allowed ${s?.flowsAllowed}, denied ${s?.flowsDenied}`);
