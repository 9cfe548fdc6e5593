/**
 * `netsieve live`: packets from an interface through the engine, events as they happen.
 */
import { listDevices, openLive } from '../capture/live.js';
import { createEngine } from '../engine.js';
import type { NetsieveEvent, NetsieveEventType } from '../events.js';
import { EveFormatter } from '../output/eve.js';
import { formatSummary } from '../output/summary.js';
import {
  type Command,
  EXIT_CODES_HELP,
  EXIT_OK,
  parse,
  parseCount,
  parseSeed,
  parseTypes,
  STREAMING_FLUSH_MS,
  UsageError,
  DETECT_HELP,
  DETECT_OPTIONS,
  POLICY_HELP,
  POLICY_OPTIONS,
  stageOptions,
  THREAT_HELP,
  THREAT_OPTIONS,
  rulesReportText,
} from './common.js';
import { LineSink } from './sink.js';

const HELP = `Usage: netsieve live <interface> [options]

Captures from a network interface (needs the optional \`cap\` package, libpcap, and
root or CAP_NET_RAW) and writes events as they happen (at least every ${STREAMING_FLUSH_MS} ms).
Stops on Ctrl-C, after --count packets or --duration seconds, then ends every open flow.

Options:
  --filter BPF          capture filter, tcpdump syntax (e.g. "tcp port 80")
  --format eve|summary  as for replay (default eve)
  --types T,T,...       write only these EVE event types, e.g. --types flow,dns
${DETECT_HELP}
${POLICY_HELP}
${THREAT_HELP}
  --community-id-seed N seed of the EVE community_id field (0-65535, default 0)
  --out FILE            write there instead of standard output
  --config FILE         engine options as JSON
  --count N             stop after N packets
  --duration S          stop after S seconds
  --list                list the interfaces and exit
  -h, --help            this text

${EXIT_CODES_HELP}`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('live', argv, {
    filter: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    config: { type: 'string' },
    count: { type: 'string' },
    duration: { type: 'string' },
    list: { type: 'boolean' },
    types: { type: 'string' },
    'community-id-seed': { type: 'string' },
    ...DETECT_OPTIONS,
    ...POLICY_OPTIONS,
    ...THREAT_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (values.list) {
    for (const d of listDevices()) process.stdout.write(`${d.name}${d.description ? `\t${d.description}` : ''}\n`);
    return EXIT_OK;
  }
  const format = (values.format as string | undefined) ?? 'eve';
  if (format !== 'eve' && format !== 'summary') throw new UsageError(`--format must be eve or summary, not ${format}`);
  if (positionals.length !== 1) throw new UsageError('live takes one interface name (netsieve live --list shows them)');
  const count = parseCount(values.count as string | undefined);
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(duration > 0)) throw new UsageError('--duration must be a positive number of seconds');

  const types = parseTypes(values.types as string | undefined);
  const eve = new EveFormatter({ communityIdSeed: parseSeed(values['community-id-seed'] as string | undefined) });
  const engine = createEngine({
    ...stageOptions(values),
    // Events of other types are not built at all (the summary counts every type, so it asks for all).
    ...(format === 'eve' && types !== null ? { eventTypes: [...types] as NetsieveEventType[] } : {}),
  });
  const report = engine.rulesReport();
  if (report !== null && (values.rules as string[] | undefined)?.length) process.stderr.write(rulesReportText(report));
  const sink = LineSink.open(values.out as string | undefined);
  const counts: Record<string, number> = {};
  const write = (ev: NetsieveEvent) => {
    counts[ev.type] = (counts[ev.type] ?? 0) + 1;
    if (format === 'eve' && (types === null || types.has(ev.type))) sink.write(eve.toEveLine(ev));
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
    const flusher = setInterval(() => void sink.flush(true).catch(stop), STREAMING_FLUSH_MS);
    const timer = Number.isFinite(duration) ? setTimeout(stop, duration * 1000) : undefined;
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    capture.start((p) => {
      engine.process(p);
      if (++seen >= count) stop();
    });
    process.stderr.write(
      `netsieve: capturing on ${positionals[0]}${values.filter ? ` (filter: ${values.filter})` : ''}; Ctrl-C stops\n`,
    );
  });
  engine.off('*', write);
  for (const ev of engine.close()) write(ev);
  if (format === 'summary') {
    sink.write(
      formatSummary({
        stats: engine.stats(),
        inputs: [{ name: positionals[0]!, bytes: engine.stats().bytes }],
        elapsedMs: performance.now() - started,
        events: counts,
      }).trimEnd(),
    );
  }
  await sink.close();
  return EXIT_OK;
}

export const liveCommand: Command = {
  name: 'live',
  usage: [
    'live <interface> [--filter BPF] [--format eve|summary] [--types T,...] [--out FILE]',
    '    [--config FILE] [--count N] [--duration S] [--list]',
    '    [--rules FILE]... [--policy FILE] [--mode M]',
  ],
  help: HELP,
  run,
};
