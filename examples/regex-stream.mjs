// @ts-check
/**
 * A regex database scanning TCP streams: patterns compiled once in stream mode, one regex stream per flow
 * direction fed the reassembled chunks as they come, so a match split across packets is still found.
 * Here: HTTP request lines, Redis AUTH commands and HTML responses (`L`: with where the match starts).
 *
 *   node examples/regex-stream.mjs [capture.pcap]
 */
import { fileURLToPath } from 'node:url';
import { compile, createEngine, Direction } from 'netsieve';

const file = process.argv[2] ?? fileURLToPath(new URL('../fixtures/loopback-mixed.pcap', import.meta.url));

const RULES = [
  { id: 1, name: 'http request line', expression: '^(GET|POST|PUT|DELETE|HEAD) /\\S* HTTP/1\\.[01]\\r$', flags: 'm' },
  { id: 2, name: 'redis AUTH', expression: '\\*[23]\\r\\n\\$4\\r\\nAUTH\\r\\n|^AUTH ', flags: 'im' },
  { id: 3, name: 'html response', expression: '^content-type:[ \\t]*text/html', flags: 'imL' },
];
const names = new Map(RULES.map((r) => [r.id, r.name]));
// Compiling is the expensive step: do it once and share the database between all streams.
const db = compile(RULES, { mode: 'stream', somHorizon: 256 });

/** Matches per rule name, over all streams. */
const counts = new Map();
const engine = createEngine({
  onStream: (flow) => {
    const streams = [db.openStream(), db.openStream()];
    const report =
      (/** @type {number} */ direction) => (/** @type {number} */ id, /** @type {number} */ from, /** @type {number} */ to) => {
        const name = names.get(id);
        counts.set(name, (counts.get(name) ?? 0) + 1);
        const side = direction === Direction.TO_SERVER ? 'client' : 'server';
        console.log(`port ${flow.endpoints.destPort} ${side} ${from >= 0 ? `bytes ${from}-${to}` : `end ${to}`}: ${name}`);
      };
    return {
      onData(data, start, end, info) {
        streams[info.direction].scan(data.subarray(start, end), report(info.direction));
      },
      onGap(direction) {
        // Bytes are missing: a match cannot span the hole, so start the direction's scan again.
        streams[direction].reset();
      },
      onEnd(direction) {
        streams[direction].close(report(direction)); // patterns ending with `$` are decided at the end
        streams[direction].free(); // stream state lives in the kernel's memory until freed
      },
    };
  },
});
for await (const ev of engine.replay(file)) void ev;
console.log(`matches: ${[...counts].map(([name, n]) => `${name} ${n}`).join(', ')}`);
