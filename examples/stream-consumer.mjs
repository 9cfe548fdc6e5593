// @ts-check
/**
 * Reassembled TCP byte streams: one consumer per TCP flow receives each direction's bytes in order, with
 * lost bytes marked as gaps, as a file carver or an external parser would want them. Here each consumer
 * counts bytes and keeps the first line the client sent.
 *
 *   node examples/stream-consumer.mjs [capture.pcap]
 */
import { fileURLToPath } from 'node:url';
import { createEngine, Direction } from 'netsieve';

const file = process.argv[2] ?? fileURLToPath(new URL('../fixtures/loopback-mixed.pcap', import.meta.url));
const decoder = new TextDecoder('latin1');

/** @type {import('netsieve').CreateEngineOptions['onStream']} */
const onStream = (flow) => {
  const bytes = [0, 0];
  let firstLine = '';
  let gaps = 0;
  return {
    onData(data, start, end, info) {
      bytes[info.direction] += end - start;
      if (info.direction === Direction.TO_SERVER && info.offset === 0) {
        // The chunk is only valid during this call: copy what is kept (here, as a string).
        const text = decoder.decode(data.subarray(start, Math.min(end, start + 200)));
        firstLine = text.split(/\r?\n/, 1)[0] ?? '';
      }
    },
    onGap() {
      gaps++;
    },
    onEnd(direction, reason) {
      if (direction !== Direction.TO_CLIENT) return; // one line per flow, when its server side ends
      const shown = /^[\x20-\x7e]*$/.test(firstLine) ? JSON.stringify(firstLine.slice(0, 40)) : '(binary)';
      console.log(
        `tcp ${flow.endpoints.destPort} client ${bytes[0]} B, server ${bytes[1]} B, gaps ${gaps}, end ${reason}: ${shown}`,
      );
    },
  };
};

const engine = createEngine({ onStream, app: { enabled: false } });
for await (const ev of engine.replay(file)) void ev; // the consumers do the work; events are not needed here
