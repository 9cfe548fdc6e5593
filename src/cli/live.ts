/**
 * `netsieve live`: packets from an interface through the engine, events as they happen.
 */
import { listDevices, openLive } from '../capture/live.js';
import { createEngine } from '../engine.js';
import type { NetsieveEvent } from '../events.js';
import { toEveLine } from '../output/eve.js';
import { formatSummary } from '../output/summary.js';
import { EXIT_OK, HELP, loadConfig, parse, UsageError } from './main.js';
import { LineSink } from './sink.js';

export async function liveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('live', argv, {
    filter: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    config: { type: 'string' },
    count: { type: 'string' },
    duration: { type: 'string' },
    list: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP.live!);
    return EXIT_OK;
  }
  if (values.list) {
    for (const d of listDevices()) process.stdout.write(`${d.name}${d.description ? `\t${d.description}` : ''}\n`);
    return EXIT_OK;
  }
  const format = (values.format as string | undefined) ?? 'eve';
  if (format !== 'eve' && format !== 'summary') throw new UsageError(`--format must be eve or summary, not ${format}`);
  if (positionals.length !== 1) throw new UsageError('live takes one interface name (netsieve live --list shows them)');
  const count = values.count === undefined ? Infinity : Number(values.count);
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(count > 0)) throw new UsageError('--count must be a positive number');
  if (!(duration > 0)) throw new UsageError('--duration must be a positive number of seconds');

  const engine = createEngine(loadConfig(values.config as string | undefined));
  const sink = LineSink.open(values.out as string | undefined);
  const counts: Record<string, number> = {};
  const write = (ev: NetsieveEvent) => {
    counts[ev.type] = (counts[ev.type] ?? 0) + 1;
    if (format === 'eve') sink.write(toEveLine(ev));
  };
  engine.on('*', write);
  const started = performance.now();
  const capture = openLive(positionals[0]!, values.filter !== undefined ? { filter: values.filter as string } : {});
  let seen = 0;
  await new Promise<void>((resolve) => {
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      capture.stop();
      clearInterval(flusher);
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    const flusher = setInterval(() => void sink.flush(true).catch(stop), 200);
    const timer = Number.isFinite(duration) ? setTimeout(stop, duration * 1000) : undefined;
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    capture.start((p) => {
      engine.process(p);
      if (++seen >= count) stop();
    });
    process.stderr.write(`netsieve: capturing on ${positionals[0]}${values.filter ? ` (filter: ${values.filter})` : ''}; Ctrl-C stops\n`);
  });
  engine.off('*', write);
  for (const ev of engine.close()) write(ev);
  if (format === 'summary') {
    sink.write(formatSummary({ stats: engine.stats(), inputs: [{ name: positionals[0]!, bytes: engine.stats().bytes }], elapsedMs: performance.now() - started, events: counts }).trimEnd());
  }
  await sink.close();
  return EXIT_OK;
}
