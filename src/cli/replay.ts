/**
 * `netsieve replay`: captures in, EVE JSON lines or a summary out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createEngine } from '../engine.js';
import type { NetsieveEvent } from '../events.js';
import { isNetsieveError } from '../errors.js';
import { toEveLine } from '../output/eve.js';
import { formatSummary } from '../output/summary.js';
import { EXIT_INPUT, EXIT_OK, HELP, loadConfig, parse, UsageError } from './main.js';
import { Progress } from './progress.js';
import { LineSink } from './sink.js';

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('replay', argv, {
    format: { type: 'string' },
    out: { type: 'string' },
    config: { type: 'string' },
    filter: { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP.replay!);
    return EXIT_OK;
  }
  const format = (values.format as string | undefined) ?? 'eve';
  if (format !== 'eve' && format !== 'summary') throw new UsageError(`--format must be eve or summary, not ${format}`);
  if (positionals.length === 0) throw new UsageError('replay needs at least one capture file (or - for standard input)\nRun `netsieve replay --help`.');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const filter = values.filter as string | undefined;
  const engine = createEngine({ ...loadConfig(values.config as string | undefined), ...(filter !== undefined ? { filter } : {}) });
  const sink = LineSink.open(values.out as string | undefined);
  const forceProgress = values.progress ? true : values['no-progress'] ? false : undefined;
  const counts: Record<string, number> = {};
  const inputs: { name: string; bytes: number; error?: string }[] = [];
  let exit = EXIT_OK;
  const started = performance.now();

  const write = (ev: NetsieveEvent) => {
    counts[ev.type] = (counts[ev.type] ?? 0) + 1;
    if (format === 'eve') sink.write(toEveLine(ev));
  };

  for (const file of positionals) {
    const entry: { name: string; bytes: number; error?: string } = { name: file, bytes: 0 };
    inputs.push(entry);
    const progress = new Progress(process.stderr, path.basename(file), forceProgress);
    try {
      for await (const ev of engine.replay(file === '-' ? process.stdin : file, {
        flush: false,
        name: file,
        onProgress: (bytes, total, packets) => {
          entry.bytes = bytes;
          progress.update(bytes, total, packets);
        },
      })) {
        write(ev);
        await sink.flush();
      }
    } catch (e) {
      progress.done();
      if (!isNetsieveError(e) || e.code === 'NS_ERR_OUTPUT') throw e;
      entry.error = e.message;
      process.stderr.write(`netsieve: ${e.message}\n`);
      if (positionals.length > 1) process.stderr.write('netsieve: going on with the next input\n');
      exit = EXIT_INPUT;
    }
    progress.done();
  }
  for (const ev of engine.close()) write(ev);
  if (format === 'summary') {
    sink.write(formatSummary({ stats: engine.stats(), inputs, elapsedMs: performance.now() - started, events: counts }).trimEnd());
  }
  await sink.close();
  return exit;
}

/** Size of a file input, or 0 for stdin (used by tests). */
export function inputSize(file: string): number {
  try {
    return file === '-' ? 0 : fs.statSync(file).size;
  } catch {
    return 0;
  }
}
