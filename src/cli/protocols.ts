/**
 * `netsieve protocols`: the application protocols this build detects, read from the registry (so a protocol
 * added there is listed with no edit here): name, transports, well-known ports, EVE event type, options
 * with their defaults and descriptions, anomaly count and inspection buffers. `--json` for programs.
 */
import type { AnyProtocolModule, OptionValue } from '../protocols/module.js';
import { PROTOCOLS } from '../protocols/registry.js';
import { type Command, parse, UsageError } from './common.js';

export const PROTOCOLS_HELP = `Usage: netsieve protocols [--json]

Lists the application protocols netsieve detects and parses, whatever the port (well-known
ports only order the probes): name, transports, ports, EVE event type, options with their
defaults and descriptions (set them in --config under app.protocols.<name>, or turn a
protocol off with false), anomaly count and inspection buffers.

Options:
  --json                one JSON document (an array, one object per protocol)
  -h, --help            this text
`;

/** What `--json` writes per protocol. */
export interface ProtocolDescription {
  name: string;
  description: string;
  transports: string[];
  ports: Record<string, number[]>;
  eventTypes: string[];
  options: { name: string; default: OptionValue; description: string; choices?: string[] }[];
  anomalies: number;
  /** The prefix of its anomaly names (`dns` for mdns and llmnr too: they share DNS's table). */
  anomalyPrefix: string;
  buffers: { name: string; direction: string; scope: string; description: string }[];
}

export function describeProtocol(m: AnyProtocolModule): ProtocolDescription {
  const docs = m.optionDocs as Record<string, string>;
  const choices = (m.optionChoices ?? {}) as Record<string, readonly string[] | undefined>;
  return {
    name: m.name,
    description: m.description,
    transports: [...m.transports],
    ports: Object.fromEntries(Object.entries(m.ports).map(([t, list]) => [t, [...(list ?? [])]])),
    eventTypes: [m.name],
    options: Object.entries(m.defaults as Record<string, OptionValue>).map(([name, dflt]) => {
      const c = choices[name];
      return { name, default: dflt, description: docs[name] ?? '', ...(c !== undefined ? { choices: [...c] } : {}) };
    }),
    // Code 0 is `<name>.none`, never raised.
    anomalies: m.anomalies.length - 1,
    anomalyPrefix: (m.anomalies[0] ?? `${m.name}.none`).replace(/\.none$/, ''),
    buffers: m.buffers.map((b) => ({ name: b.name, direction: b.direction, scope: b.scope, description: b.description })),
  };
}

function formatText(list: ProtocolDescription[]): string {
  let out = `netsieve detects ${list.length} application protocols, whatever the port:\n`;
  for (const p of list) {
    const ports = Object.entries(p.ports)
      .map(([t, l]) => `${t} ${l.join(', ')}`)
      .join('; ');
    out += `\n${p.name}: ${p.description}\n`;
    out += `  transports   ${p.transports.join(', ')}\n`;
    out += `  ports        ${ports || '(none)'}\n`;
    out += `  EVE events   ${p.eventTypes.join(', ')}\n`;
    out += `  anomalies    ${p.anomalies} (${p.anomalyPrefix}.*)\n`;
    out += `  buffers      ${p.buffers.map((b) => b.name).join(', ') || '(none)'}\n`;
    out += `  options      app.protocols.${p.name}.<option> (default) description\n`;
    const width = Math.max(0, ...p.options.map((o) => o.name.length + String(o.default).length + 3));
    for (const o of p.options) {
      const head = `${o.name} (${String(o.default)})`;
      out += `    ${head.padEnd(width)}  ${o.description}${o.choices ? ` [${o.choices.join(', ')}]` : ''}\n`;
    }
  }
  return out;
}

/** Runs the command; returns the exit code (0; usage errors are thrown, exit 2). */
export function protocolsCommand(argv: string[]): number {
  const { values, positionals } = parse('protocols', argv, { json: { type: 'boolean' } });
  if (positionals.length > 0)
    throw new UsageError(`protocols takes no arguments (got ${positionals[0]}); see netsieve help protocols`);
  if (values.help === true) {
    process.stdout.write(PROTOCOLS_HELP);
    return 0;
  }
  const list = (PROTOCOLS as readonly AnyProtocolModule[]).map(describeProtocol);
  process.stdout.write(values.json === true ? `${JSON.stringify(list, null, 2)}\n` : formatText(list));
  return 0;
}

/** The `protocols` command as the CLI's command table lists it. */
export const protocolsCli: Command = {
  name: 'protocols',
  usage: ['protocols [--json]'],
  help: PROTOCOLS_HELP,
  run: async (argv) => protocolsCommand(argv),
};
