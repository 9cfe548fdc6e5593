// @ts-check
/**
 * Inline use: packets handed to the engine one at a time, as an inline sensor or a userspace firewall
 * would, each answered with a verdict at once. The events a packet causes reach the listeners during its
 * process() call, so a listener can overrule that packet's verdict: here, a policy of our own drops the
 * packet that completes an HTTP transaction with an error status (the engine itself drops only under
 * `tcp.memcapPolicy: 'drop'`).
 *
 *   node examples/inline-verdicts.mjs [capture.pcap]
 */
import { fileURLToPath } from 'node:url';
import { createEngine, readAllPackets } from 'netsieve';

const file = process.argv[2] ?? fileURLToPath(new URL('../fixtures/loopback-mixed.pcap', import.meta.url));
// `immediate`: bytes reach the parsers as soon as they are in order, not when acknowledged, as inline use needs.
const engine = createEngine({ tcp: { delivery: 'immediate' } });

let dropCurrent = false;
engine.on('http', (ev) => {
  if ((ev.http.status ?? 0) >= 400) {
    dropCurrent = true;
    console.log(`drop: ${ev.http.method} ${ev.http.uri} answered ${ev.http.status} (flow ${ev.flowId})`);
  }
});
const flowsByApp = new Map();
engine.on('flow', (ev) => flowsByApp.set(ev.appProto ?? 'unknown', (flowsByApp.get(ev.appProto ?? 'unknown') ?? 0) + 1));

const verdicts = { accept: 0, drop: 0 };
// readAllPackets suits a file this size; a sensor hands over frames as its capture yields them.
for (const packet of readAllPackets(file)) {
  dropCurrent = false;
  const verdict = engine.process(packet);
  verdicts[dropCurrent ? 'drop' : verdict]++;
}
engine.close(); // ends every open flow; their events go to the listeners
console.log(`verdicts: accept ${verdicts.accept}, drop ${verdicts.drop}`);
console.log(`flows: ${[...flowsByApp].map(([app, n]) => `${app} ${n}`).join(', ')}`);
