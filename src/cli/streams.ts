/**
 * `netsieve streams`: each TCP flow's reassembled bytes per direction, as tcpflow writes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createEngine } from '../engine.js';
import type { FlowView } from '../engine.js';
import { isNetsieveError, NetsieveError } from '../errors.js';
import type { Direction, StreamChunkInfo, StreamConsumer } from '../flow/stream.js';
import { type Command, EXIT_CODES_HELP, EXIT_INPUT, EXIT_OK, loadConfig, parse, progressChoice, UsageError } from './common.js';
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

const HELP = `Usage: netsieve streams <file|->... --out DIR [--force] [--config FILE]

Writes each TCP flow's reassembled bytes, per direction, as tcpflow does. Several inputs are
read in order as one capture, as replay does.
  DIR/<flow_id>.client   what the client sent, in order
  DIR/<flow_id>.server   what the server sent, in order
  DIR/index.jsonl        one line per TCP flow: flow_id, src_ip, src_port, dest_ip,
                         dest_port, client_bytes, server_bytes, gaps
Bytes the capture lost (gaps) are left out; the index counts them. A direction that
carried no bytes has no file. The reassembly depth (default 1 MiB per direction) applies:
raise it with a config file {"tcp": {"depth": 0}} for whole streams.

Options:
  --out DIR             output directory (created if missing; required). A directory that
                        is not empty is refused unless --force is given
  --force               write into a non-empty directory: first remove the files of the
                        previous run that its index.jsonl lists (other files are kept)
  --config FILE         engine options as JSON
  --progress / --no-progress
  -h, --help            this text

${EXIT_CODES_HELP}`;

/** Stream files a previous run listed in DIR/index.jsonl, and the index itself. */
function previousRunFiles(dir: string): string[] {
  const indexPath = path.join(dir, 'index.jsonl');
  let text: string;
  try {
    text = fs.readFileSync(indexPath, 'utf8');
  } catch {
    return [];
  }
  const files = [indexPath];
  for (const line of text.split('\n')) {
    try {
      const id = (JSON.parse(line) as { flow_id?: unknown }).flow_id;
      // Only names this command makes: a damaged index cannot point outside the directory.
      if (typeof id === 'number' && Number.isSafeInteger(id))
        files.push(path.join(dir, `${id}.client`), path.join(dir, `${id}.server`));
    } catch {
      // not a line of ours (an empty last line, damage): nothing to remove for it
    }
  }
  return files;
}

/** Makes DIR ready: created when missing; a non-empty one refused, or with --force cleared of the last run. */
function prepareDirectory(dir: string, force: boolean): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new NetsieveError('NS_ERR_OUTPUT', `cannot create ${dir}: ${(e as Error).message}`);
  }
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    throw new NetsieveError('NS_ERR_OUTPUT', `cannot read ${dir}: ${(e as Error).message}`);
  }
  if (entries.length === 0) return;
  if (!force) {
    throw new UsageError(
      `${dir} is not empty (${entries.length} entries); give an empty or new directory, or --force to replace a previous run's files`,
    );
  }
  for (const f of previousRunFiles(dir)) {
    try {
      fs.rmSync(f, { force: true });
    } catch (e) {
      throw new NetsieveError('NS_ERR_OUTPUT', `cannot remove ${f}: ${(e as Error).message}`);
    }
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('streams', argv, {
    out: { type: 'string' },
    config: { type: 'string' },
    force: { type: 'boolean' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('streams needs at least one capture file (or -); see netsieve help streams');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const outDir = values.out as string | undefined;
  if (outDir === undefined) throw new UsageError('streams needs --out DIR');
  const config = loadConfig(values.config as string | undefined);
  prepareDirectory(outDir, values.force === true);
  const indexPath = path.join(outDir, 'index.jsonl');
  let index: number;
  try {
    index = fs.openSync(indexPath, 'w');
  } catch (e) {
    throw new NetsieveError('NS_ERR_OUTPUT', `cannot write ${indexPath}: ${(e as Error).message}`);
  }
  const open = new Map<number, FlowFiles>();
  const engine = createEngine({
    ...config,
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
    try {
      fs.writeSync(index, `${files.indexLine()}\n`);
    } catch (e) {
      throw new NetsieveError('NS_ERR_OUTPUT', `cannot write ${indexPath}: ${(e as Error).message}`);
    }
  };
  engine.on('flow', (ev) => finish(ev.flowId));
  const forceProgress = progressChoice(values);
  let exit = EXIT_OK;
  try {
    for (const file of positionals) {
      const progress = new Progress(process.stderr, path.basename(file), forceProgress);
      try {
        for await (const _ of engine.replay(file === '-' ? process.stdin : file, {
          flush: false,
          name: file,
          onProgress: (b, t, n) => progress.update(b, t, n),
        })) {
          // Events are handled by the listener above; the iteration drives the replay.
        }
      } catch (e) {
        progress.done();
        if (!isNetsieveError(e) || e.code === 'NS_ERR_OUTPUT') throw e;
        process.stderr.write(`netsieve: ${e.message}\n`);
        if (positionals.length > 1) process.stderr.write('netsieve: going on with the next input\n');
        exit = EXIT_INPUT;
      }
      progress.done();
    }
    engine.close();
    for (const id of [...open.keys()]) finish(id);
  } finally {
    fs.closeSync(index);
  }
  return exit;
}

export const streamsCommand: Command = {
  name: 'streams',
  usage: ['streams <file|->... --out DIR [--force] [--config FILE]'],
  help: HELP,
  run,
};
