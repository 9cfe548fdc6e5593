#!/usr/bin/env node
/**
 * The `netsieve` command. Exit codes: 0 done, 1 an input was unusable or damaged (everything before the
 * fault was still processed and written), 2 usage (bad arguments, options or configuration file).
 * JSON lines go to stdout (or --out); messages, warnings and the progress bar go to stderr.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isNetsieveError, NetsieveError } from '../errors.js';
import type { EngineOptionsInput } from '../options.js';
import { replayCommand } from './replay.js';
import { streamsCommand } from './streams.js';
import { liveCommand } from './live.js';

export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

const VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
})();

export const HELP: Record<string, string> = {
  main: `netsieve ${VERSION}: Layer-7 deep packet inspection for Node.js

Usage:
  netsieve replay <file|->... [--filter EXPR] [--format eve|summary] [--out FILE] [--config FILE]
  netsieve streams <file|-> --out DIR [--config FILE]
  netsieve live <interface> [--filter BPF] [--format eve|summary] [--out FILE] [--config FILE]
  netsieve help [command]      this text, or a command's
  netsieve --version

Each command takes --help. Exit codes: 0 done, 1 an input was unusable or damaged
(everything before the fault is still processed and written), 2 usage error.
`,
  replay: `Usage: netsieve replay <file|->... [options]

Replays pcap or pcapng captures (\`-\` reads standard input) through the engine: decoding,
flows, TCP reassembly, protocol detection and the HTTP, DNS, TLS and Redis parsers. Files are replayed in order as one capture: a flow may continue from
one file into the next; every open flow ends after the last file.

Options:
  --format eve|summary  eve (default): Suricata EVE JSON lines, one per event (flow, anomaly,
                        http, dns, mdns, llmnr, tls, redis).
                        summary: totals for a person to read (packets, flows by protocol and
                        application, anomalies, elapsed time and throughput).
  --out FILE            write there instead of standard output
  --config FILE         engine options as JSON (see the README: tcp, flow, fragments, decode, app),
                        e.g. {"app": {"protocols": {"redis": false}}}
  --filter EXPR         only the packets a tcpdump filter expression selects, e.g.
                        'tcp port 80 and not host 10.0.0.1' (evaluated by netsieve, as libpcap does)
  --progress            show the progress bar even when stderr is not a terminal
  --no-progress         never show it (default: shown on a terminal for long files)
  -h, --help            this text

Examples:
  netsieve replay capture.pcap | jq 'select(.event_type=="flow")'
  netsieve replay capture.pcap | jq -r 'select(.event_type=="http") | .http.hostname + .http.url'
  netsieve replay day1.pcapng day2.pcapng --format summary
  tcpdump -w - -i eth0 | netsieve replay -
`,
  streams: `Usage: netsieve streams <file|-> --out DIR [--config FILE]

Writes each TCP flow's reassembled bytes, per direction, as tcpflow does:
  DIR/<flow_id>.client   what the client sent, in order
  DIR/<flow_id>.server   what the server sent, in order
  DIR/index.jsonl        one line per TCP flow: flow_id, src_ip, src_port, dest_ip,
                         dest_port, client_bytes, server_bytes, gaps
Bytes the capture lost (gaps) are left out; the index counts them. A direction that
carried no bytes has no file. The reassembly depth (default 1 MiB per direction) applies:
raise it with a config file {"tcp": {"depth": 0}} for whole streams.

Options:
  --out DIR             output directory (created if missing; required)
  --config FILE         engine options as JSON
  --progress / --no-progress
  -h, --help            this text
`,
  live: `Usage: netsieve live <interface> [options]

Captures from a network interface (needs the optional \`cap\` package, libpcap, and
root or CAP_NET_RAW) and writes events as they happen. Stops on Ctrl-C, after --count
packets or --duration seconds, then ends every open flow.

Options:
  --filter BPF          capture filter, tcpdump syntax (e.g. "tcp port 80")
  --format eve|summary  as for replay (default eve)
  --out FILE            write there instead of standard output
  --config FILE         engine options as JSON
  --count N             stop after N packets
  --duration S          stop after S seconds
  --list                list the interfaces and exit
  -h, --help            this text
`,
};

export class UsageError extends Error {}

/** Reads `--config FILE`: JSON with the engine option sections. */
export function loadConfig(path: string | undefined): EngineOptionsInput {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NetsieveError('NS_ERR_CONFIG', `cannot read the configuration file ${path}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the top level must be an object');
    return v as EngineOptionsInput;
  } catch (e) {
    throw new NetsieveError('NS_ERR_CONFIG', `the configuration file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses a command's arguments; unknown options and missing values are usage errors (exit 2). */
export function parse(command: string, argv: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): ParsedArgs {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nRun \`netsieve ${command} --help\` for the options.`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(HELP.main!);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      case 'help': {
        const topic = rest[0];
        if (topic !== undefined && !(topic in HELP)) throw new UsageError(`no such command: ${topic}`);
        process.stdout.write(HELP[topic ?? 'main']!);
        return EXIT_OK;
      }
      case '-v':
      case '--version':
        process.stdout.write(`netsieve ${VERSION}\n`);
        return EXIT_OK;
      case 'replay':
        return await replayCommand(rest);
      case 'streams':
        return await streamsCommand(rest);
      case 'live':
        return await liveCommand(rest);
      default:
        throw new UsageError(`unknown command: ${command}\nCommands: replay, streams, live, help. Run \`netsieve --help\`.`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`netsieve: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (isNetsieveError(e)) {
      process.stderr.write(`netsieve: ${e.message}\n`);
      return e.code === 'NS_ERR_CONFIG' || e.code === 'NS_ERR_OPTION' || e.code === 'NS_ERR_USAGE' ? EXIT_USAGE : EXIT_INPUT;
    }
    process.stderr.write(`netsieve: internal error: ${(e as Error)?.stack ?? String(e)}\nPlease report this with the input that caused it.\n`);
    return 70; // EX_SOFTWARE: a bug in netsieve, not in the input or the command line
  }
}

// Run when executed directly (the bin, possibly through npm's symlink), not when imported by tests.
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`netsieve: internal error: ${String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
