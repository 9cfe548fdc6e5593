/**
 * `netsieve replay`: captures in, EVE JSON lines or a summary out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CapturedPacket } from '../capture/packet.js';
import { createEngine, type PacketChoice } from '../engine.js';
import type { NetsieveEvent, NetsieveEventType } from '../events.js';
import { isNetsieveError } from '../errors.js';
import { EveFormatter } from '../output/eve.js';
import { formatSummary } from '../output/summary.js';
import { PROTOCOLS } from '../protocols/registry.js';
import {
  type Command,
  DETECT_HELP,
  DETECT_OPTIONS,
  POLICY_HELP,
  POLICY_OPTIONS,
  stageOptions,
  THREAT_HELP,
  THREAT_OPTIONS,
  rulesReportText,
  EXIT_CODES_HELP,
  EXIT_INPUT,
  EXIT_OK,
  parse,
  parseCount,
  parseSeed,
  parseTime,
  parseTypes,
  progressChoice,
  STREAMING_FLUSH_MS,
  UsageError,
} from './common.js';
import { Progress } from './progress.js';
import { LineSink } from './sink.js';

const HELP = `Usage: netsieve replay <file|->... [options]

Replays pcap or pcapng captures (\`-\` reads standard input) through the engine: decoding,
flows, TCP reassembly, protocol detection and the application parsers (netsieve protocols
lists them). Files are replayed in order as one capture: a flow may continue from one file
into the next; every open flow ends after the last file.

Options:
  --filter EXPR         only the packets a tcpdump filter expression selects, e.g.
                        'tcp port 80 and not host 10.0.0.1' (evaluated by netsieve, as libpcap)
  --format eve|summary  eve (default): Suricata EVE JSON lines, one per event (flow, anomaly,
                        ${PROTOCOLS.map((m) => m.name).join(', ')}).
                        summary: totals for a person to read (packets, flows by protocol and
                        application, anomalies, elapsed time and throughput).
  --types T,T,...       write only these EVE event types, e.g. --types flow,http,alert
  --count N             stop after N packets (over all inputs), as tcpdump -c
  --start TIME          skip packets captured before TIME: ISO 8601 (2024-05-01T12:00:00Z)
                        or seconds since the epoch (1714564800)
  --end TIME            skip packets captured at or after TIME
${DETECT_HELP}
${POLICY_HELP}
${THREAT_HELP}
  --community-id-seed N seed of the EVE community_id field (0-65535, default 0)
  --out FILE            write there instead of standard output
  --config FILE         engine options as JSON (see the README: tcp, flow, fragments, decode,
                        app), e.g. {"app": {"protocols": {"redis": false}}}
  --progress            show the progress bar even when stderr is not a terminal
  --no-progress         never show it (default: shown on a terminal for long files)
  -h, --help            this text

When an input is a pipe (\`tcpdump -w - | netsieve replay -\`), lines are written at least
every ${STREAMING_FLUSH_MS} ms.

Examples:
  netsieve replay capture.pcap | jq 'select(.event_type=="flow")'
  netsieve replay capture.pcap --types http | jq -r '.http.hostname + .http.url'
  netsieve replay day1.pcapng day2.pcapng --format summary
  netsieve replay capture.pcap --rules emerging.rules --var HOME_NET=[10.0.0.0/8] --types alert
  netsieve replay capture.pcap --dlp all --types alert | jq '.alert.metadata'
  tcpdump -w - -i eth0 | netsieve replay -

${EXIT_CODES_HELP}`;

/** True when standard input is fed over time (a pipe, a socket, a terminal), not read from a regular file. */
export function stdinIsStream(): boolean {
  try {
    return !fs.fstatSync(0).isFile();
  } catch {
    return true;
  }
}

/**
 * The packet filter of --count, --start and --end (null when none is given). Packets outside the time
 * bounds are skipped without being counted; the Nth counted packet is the last.
 */
export function packetBounds(
  count: number,
  start: number | undefined,
  end: number | undefined,
): ((p: CapturedPacket) => PacketChoice) | null {
  if (count === Infinity && start === undefined && end === undefined) return null;
  let seen = 0;
  return (p) => {
    if (seen >= count) return 'stop';
    if (start !== undefined || end !== undefined) {
      const t = p.tsSec + p.tsNsec * 1e-9;
      if ((start !== undefined && t < start) || (end !== undefined && t >= end)) return 'skip';
    }
    return ++seen >= count ? 'last' : 'process';
  };
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('replay', argv, {
    format: { type: 'string' },
    out: { type: 'string' },
    config: { type: 'string' },
    filter: { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
    types: { type: 'string' },
    count: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    'community-id-seed': { type: 'string' },
    ...DETECT_OPTIONS,
    ...POLICY_OPTIONS,
    ...THREAT_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const format = (values.format as string | undefined) ?? 'eve';
  if (format !== 'eve' && format !== 'summary') throw new UsageError(`--format must be eve or summary, not ${format}`);
  if (positionals.length === 0)
    throw new UsageError('replay needs at least one capture file (or - for standard input); see netsieve help replay');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const types = parseTypes(values.types as string | undefined);
  const count = parseCount(values.count as string | undefined);
  const start = parseTime('--start', values.start as string | undefined);
  const end = parseTime('--end', values.end as string | undefined);
  if (start !== undefined && end !== undefined && end <= start) throw new UsageError('--end must be later than --start');
  const eve = new EveFormatter({ communityIdSeed: parseSeed(values['community-id-seed'] as string | undefined) });
  const bounds = packetBounds(count, start, end);

  const filter = values.filter as string | undefined;
  const engine = createEngine({
    ...stageOptions(values),
    ...(filter !== undefined ? { filter } : {}),
    // Events of other types are not built at all (the summary counts every type, so it asks for all).
    ...(format === 'eve' && types !== null ? { eventTypes: [...types] as NetsieveEventType[] } : {}),
  });
  const report = engine.rulesReport();
  if (report !== null && (values.rules as string[] | undefined)?.length) process.stderr.write(rulesReportText(report));
  const sink = LineSink.open(values.out as string | undefined);
  if (positionals.includes('-') && stdinIsStream()) {
    sink.flushEvery(STREAMING_FLUSH_MS);
    // A closed stdout ends the run even while it waits for input (tcpdump -w - | netsieve replay - | head).
    sink.onReaderGone(() => process.stdin.destroy());
  }
  const forceProgress = progressChoice(values);
  const counts: Record<string, number> = {};
  const inputs: { name: string; bytes: number; error?: string }[] = [];
  let exit = EXIT_OK;
  const started = performance.now();

  const write = (ev: NetsieveEvent) => {
    counts[ev.type] = (counts[ev.type] ?? 0) + 1;
    if (format === 'eve' && (types === null || types.has(ev.type))) sink.write(eve.toEveLine(ev));
  };

  try {
    for (const file of positionals) {
      // --count reached in an earlier input: the rest are not opened.
      if (engine.stats().packets >= count) break;
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
          ...(bounds !== null ? { packetFilter: bounds } : {}),
        })) {
          write(ev);
          await sink.flush();
        }
      } catch (e) {
        progress.done();
        sink.check(); // an input cut short because the output went away is not an input error
        if (!isNetsieveError(e) || e.code === 'NS_ERR_OUTPUT') throw e;
        entry.error = e.message;
        process.stderr.write(`netsieve: ${e.message}\n`);
        if (positionals.length > 1) process.stderr.write('netsieve: going on with the next input\n');
        exit = EXIT_INPUT;
      }
      progress.done();
      sink.check();
    }
    // The flows still open end now, often most of them: written in blocks as they come, not held at once.
    for (const ev of engine.close()) {
      write(ev);
      await sink.flush();
    }
    if (format === 'summary') {
      sink.write(
        formatSummary({ stats: engine.stats(), inputs, elapsedMs: performance.now() - started, events: counts }).trimEnd(),
      );
    }
    await sink.close();
  } finally {
    sink.abandon();
  }
  return exit;
}

export const replayCommand: Command = {
  name: 'replay',
  usage: [
    'replay <file|->... [--filter EXPR] [--format eve|summary] [--types T,...] [--out FILE]',
    '    [--config FILE] [--count N] [--start TIME] [--end TIME] [--community-id-seed N]',
    '    [--rules FILE]... [--dlp S,...] [--policy FILE] [--mode M] [--groups FILE]',
    '    [--progress|--no-progress]',
  ],
  help: HELP,
  run,
};
