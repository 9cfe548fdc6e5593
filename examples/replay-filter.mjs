// @ts-check
/**
 * Replays a capture and keeps the events a person asks about: HTTP requests, DNS questions and flows that
 * carried more than a few packets, printed one line each.
 *
 *   node examples/replay-filter.mjs [capture.pcap]
 */
import { fileURLToPath } from 'node:url';
import { createEngine, dnsQueryNames, isNetsieveError } from 'netsieve';

const file = process.argv[2] ?? fileURLToPath(new URL('../fixtures/loopback-mixed.pcap', import.meta.url));
const engine = createEngine();
try {
  for await (const ev of engine.replay(file)) {
    if (ev.type === 'http') {
      console.log(`http ${ev.http.method} ${ev.http.host}${ev.http.uri} -> ${ev.http.status}`);
    } else if (ev.type === 'dns' && !ev.dns.flags.qr) {
      console.log(`dns query ${dnsQueryNames(ev.dns).join(',')}`);
    } else if (ev.type === 'flow' && ev.flow.pktsToServer + ev.flow.pktsToClient > 20) {
      const { srcIp, srcPort, destIp, destPort } = ev.endpoints;
      console.log(
        `flow ${srcIp}:${srcPort} -> ${destIp}:${destPort} ${ev.appProto ?? '-'} packets ${ev.flow.pktsToServer}/${ev.flow.pktsToClient}`,
      );
    }
  }
  console.log(`done: ${engine.stats().packets} packets`);
} catch (e) {
  // replay() throws only when the capture as a whole is unusable; the events before the fault were seen.
  console.error(isNetsieveError(e) ? `${e.code}: ${e.message}` : e);
  process.exitCode = 1;
}
