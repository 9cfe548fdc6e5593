/**
 * `netsieve streams`: each TCP flow's reassembled bytes per direction, as tcpflow writes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createEngine } from '../engine.js';
import type { FlowView } from '../engine.js';
import { isNetsieveError, NetsieveError } from '../errors.js';
import type { Direction, StreamChunkInfo, StreamConsumer } from '../flow/stream.js';
import { EXIT_INPUT, EXIT_OK, HELP, loadConfig, parse, UsageError } from './main.js';
import { Progress } from './progress.js';

/** Bytes a flow direction buffers before appending to its file: few writes, bounded memory. */
const FLUSH_AT = 256 * 1024;

class FlowFiles implements StreamConsumer {
  readonly bytes = [0, 0];
  gaps = 0;
  private readonly pending: Uint8Array[][] = [[], []];
  private readonly pendingSize = [0, 0];

  constructor(
    private readonly dir: string,
    readonly flow: FlowView,
  ) {}

  onData(data: Uint8Array, start: number, end: number, info: StreamChunkInfo): void {
    const d = info.direction;
    this.pending[d]!.push(data.slice(start, end));
    this.pendingSize[d]! += end - start;
    this.bytes[d]! += end - start;
    if (this.pendingSize[d]! >= FLUSH_AT) this.flushDirection(d);
  }

  onGap(): void {
    this.gaps++;
  }

  onEnd(direction: Direction): void {
    this.flushDirection(direction);
  }

  finish(): void {
    this.flushDirection(0);
    this.flushDirection(1);
  }

  private flushDirection(d: number): void {
    const chunks = this.pending[d]!;
    if (chunks.length === 0) return;
    const file = path.join(this.dir, `${this.flow.flowId}.${d === 0 ? 'client' : 'server'}`);
    try {
      fs.appendFileSync(file, Buffer.concat(chunks));
    } catch (e) {
      throw new NetsieveError('NS_ERR_OUTPUT', `cannot write ${file}: ${(e as Error).message}`);
    }
    this.pending[d] = [];
    this.pendingSize[d] = 0;
  }

  indexLine(): string {
    const f = this.flow;
    return JSON.stringify({
      flow_id: f.flowId,
      src_ip: f.endpoints.srcIp,
      src_port: f.endpoints.srcPort,
      dest_ip: f.endpoints.destIp,
      dest_port: f.endpoints.destPort,
      client_bytes: this.bytes[0],
      server_bytes: this.bytes[1],
      gaps: this.gaps,
    });
  }
}

export async function streamsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('streams', argv, {
    out: { type: 'string' },
    config: { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP.streams!);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('streams takes exactly one capture file (or -)\nRun `netsieve streams --help`.');
  const outDir = values.out as string | undefined;
  if (outDir === undefined) throw new UsageError('streams needs --out DIR');
  try {
    fs.mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new NetsieveError('NS_ERR_OUTPUT', `cannot create ${outDir}: ${(e as Error).message}`);
  }
  const indexPath = path.join(outDir, 'index.jsonl');
  const index = fs.openSync(indexPath, 'w');
  const open = new Map<number, FlowFiles>();
  const engine = createEngine({
    ...loadConfig(values.config as string | undefined),
    onStream: (flow) => {
      const files = new FlowFiles(outDir, flow);
      open.set(flow.flowId, files);
      return files;
    },
  });
  const finish = (flowId: number) => {
    const files = open.get(flowId);
    if (files === undefined) return;
    open.delete(flowId);
    files.finish();
    fs.writeSync(index, files.indexLine() + '\n');
  };
  engine.on('flow', (ev) => finish(ev.flowId));
  const file = positionals[0]!;
  const forceProgress = values.progress ? true : values['no-progress'] ? false : undefined;
  const progress = new Progress(process.stderr, path.basename(file), forceProgress);
  let exit = EXIT_OK;
  try {
    for await (const _ of engine.replay(file === '-' ? process.stdin : file, {
      name: file,
      onProgress: (b, t, n) => progress.update(b, t, n),
    })) {
      // Events are handled by the listener above; the iteration drives the replay.
    }
  } catch (e) {
    progress.done();
    if (!isNetsieveError(e) || e.code === 'NS_ERR_OUTPUT') throw e;
    process.stderr.write(`netsieve: ${e.message}\n`);
    exit = EXIT_INPUT;
  }
  progress.done();
  engine.close();
  for (const id of [...open.keys()]) finish(id);
  fs.closeSync(index);
  return exit;
}
