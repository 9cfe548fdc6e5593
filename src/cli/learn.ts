/**
 * `netsieve learn CAPTURE...`: replays captures in discover mode and writes the policy they teach (groups for
 * the endpoints, one allow rule per conversation) as JSON on stdout, sorted so that the same traffic gives the
 * same file. What it did goes to stderr.
 */
import { createEngine } from '../engine.js';
import {
  type Command,
  EXIT_CODES_HELP,
  EXIT_OK,
  loadConfig,
  parse,
  progressChoice,
  readGroupsFile,
  replayInputs,
  UsageError,
} from './common.js';
import { LineSink } from './sink.js';

const HELP = `Usage: netsieve learn <file|->... [options] > policy.json

Replays pcap or pcapng captures (in order, as one capture) in discover mode and writes the
policy they teach as JSON: a group per endpoint and one allow rule per conversation (client
group, server group, transport/port, application). Replaying the same traffic with it in
protect mode denies nothing; anything new is denied (its default is deny). Review it, then
use it with replay or live --policy, and check edits with netsieve policy check.

Groups:
  - internal addresses (private, loopback, link-local, CGNAT, multicast): host-<address>, or
    net-<network>/<prefix> with --prefix4/--prefix6;
  - external servers by the name the flow gave (TLS SNI, HTTP Host) or DNS gave their address
    earlier in the traffic: fqdn-<name>; else by address: ext-<address>;
  - addresses in a --groups label: that group.
The output is sorted (groups by name, rules by from, to, port, application).

Options:
  --groups FILE         run-time groups as JSON, {"frontend": ["10.1.0.0/16"], ...}: their
                        members are learned under their name (workload labels)
  --prefix4 N           group internal IPv4 hosts by /N networks (default 32: one per host)
  --prefix6 N           group internal IPv6 hosts by /N networks (default 128)
  --filter EXPR         only the packets a tcpdump filter expression selects
  --config FILE         engine options as JSON (as for replay)
  --out FILE            write the policy there instead of standard output
  --progress            show the progress bar even when stderr is not a terminal
  --no-progress         never show it
  -h, --help            this text

Examples:
  netsieve learn monday.pcap tuesday.pcap > policy.json
  netsieve replay wednesday.pcap --policy policy.json --mode monitor --types alert

${EXIT_CODES_HELP}`;

function prefix(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max) throw new UsageError(`${name} takes a prefix length 0..${max}, not ${value}`);
  return n;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('learn', argv, {
    groups: { type: 'string' },
    prefix4: { type: 'string' },
    prefix6: { type: 'string' },
    filter: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0)
    throw new UsageError('learn needs at least one capture file (or - for standard input); see netsieve help learn');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const prefix4 = prefix('--prefix4', values.prefix4 as string | undefined, 32);
  const prefix6 = prefix('--prefix6', values.prefix6 as string | undefined, 128);
  const groupsFile = values.groups as string | undefined;
  const filter = values.filter as string | undefined;
  const engine = createEngine({
    ...loadConfig(values.config as string | undefined),
    ...(filter !== undefined ? { filter } : {}),
    // Only what learning needs is built: no event is written.
    eventTypes: [],
    policy: {
      mode: 'discover',
      learn: { ...(prefix4 !== undefined ? { prefix4 } : {}), ...(prefix6 !== undefined ? { prefix6 } : {}) },
      ...(groupsFile !== undefined ? { groups: readGroupsFile(groupsFile) } : {}),
    },
  });
  const exit = await replayInputs(engine, positionals, progressChoice(values));
  engine.close();
  const policy = engine.learnedPolicy();
  const stats = engine.stats();
  const sink = LineSink.open(values.out as string | undefined);
  try {
    sink.write(JSON.stringify(policy, null, 2));
    await sink.close();
  } finally {
    sink.abandon();
  }
  process.stderr.write(
    `netsieve: learned ${policy.rules!.length} rules over ${Object.keys(policy.groups!).length} groups from ${stats.flowsEnded} flows` +
      ` (${stats.packets} packets, ${stats.policy!.names.entries} names from DNS)\n`,
  );
  return exit;
}

export const learnCommand: Command = {
  name: 'learn',
  usage: ['learn <file|->... [--groups FILE] [--prefix4 N] [--prefix6 N] [--filter EXPR]', '    [--out FILE]'],
  help: HELP,
  run,
};
