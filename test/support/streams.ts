/**
 * Shared by the protocol tests: the TCP streams of a real capture as the engine's reassembly delivers them,
 * and the seeded generator every split and fuzz test draws from.
 */
import { createEngine } from '../../src/engine.js';
import type { Direction } from '../../src/flow/stream.js';

export { mulberry32 } from '../helpers/packets.js';

/** One delivery of a stream consumer: bytes (copied), a gap, or the end of a direction. */
export type StreamStep =
  | { kind: 'data'; dir: Direction; bytes: Uint8Array }
  | { kind: 'gap'; dir: Direction; length: number }
  | { kind: 'end'; dir: Direction };

export interface CapturedStream {
  clientPort: number;
  serverPort: number;
  steps: StreamStep[];
}

/**
 * Every TCP flow of a capture as stream steps, in the order the engine delivered them. The application
 * layer is off (the protocol under test is fed by the test); `depth` is the reassembly depth (0: whole).
 * A damaged capture gives what came before the damage.
 */
export async function captureStreams(file: string, options: { depth?: number } = {}): Promise<CapturedStream[]> {
  const flows: CapturedStream[] = [];
  const engine = createEngine({
    app: { enabled: false },
    ...(options.depth !== undefined ? { tcp: { depth: options.depth } } : {}),
    onStream: (flow) => {
      const f: CapturedStream = { clientPort: flow.endpoints.srcPort, serverPort: flow.endpoints.destPort, steps: [] };
      flows.push(f);
      return {
        onData(data, start, end, info) {
          f.steps.push({ kind: 'data', dir: info.direction, bytes: data.slice(start, end) });
        },
        onGap(dir, _offset, length) {
          f.steps.push({ kind: 'gap', dir, length });
        },
        onEnd(dir) {
          f.steps.push({ kind: 'end', dir });
        },
      };
    },
  });
  try {
    for await (const _ev of engine.replay(file)) {
      // the flows' streams are all this needs
    }
  } catch {
    // a damaged capture still delivered its streams up to the fault
  }
  return flows;
}
