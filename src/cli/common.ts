/**
 * What every `netsieve` subcommand shares: exit codes, the command contract, argument parsing with clear
 * messages, `--config` loading. Subcommands import this module, never main.ts, so that main.ts only wires
 * commands together (no import cycle).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NetsieveError } from '../errors.js';
import type { EngineOptionsInput } from '../options.js';

/** Done. */
export const EXIT_OK = 0;
/** An input was unusable or damaged; everything before the fault was still processed and written. */
export const EXIT_INPUT = 1;
/** Usage: an unknown option, a bad value, an unreadable or invalid `--config`. */
export const EXIT_USAGE = 2;
/** EX_SOFTWARE (sysexits.h): a bug in netsieve, not in the input or the command line. */
export const EXIT_INTERNAL = 70;
/** EX_IOERR (sysexits.h): the output (`--out`, a streams directory, stdout) could not be written. */
export const EXIT_OUTPUT = 74;

/** The exit-code table shown by `netsieve --help` and each command's help. */
export const EXIT_CODES_HELP = `Exit codes:
  0   done (also when the reader of standard output closes it early, as in | head)
  1   an input was unusable or damaged; everything before the fault was still
      processed and written, and the next input is read
  2   usage: unknown option, bad value, unreadable or invalid --config
  70  internal error in netsieve (please report it with the input)
  74  the output could not be written (--out FILE, the streams directory)
`;

/** A `netsieve` subcommand: main.ts lists them in its command table. */
export interface Command {
  name: string;
  /** Usage line(s) for the top-level help, without the leading `netsieve ` (later lines are indented). */
  usage: readonly string[];
  /** Full help text (`netsieve help <name>`, `<name> --help`). */
  help: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

/** The reader of standard output went away (EPIPE): not a failure, the run just ends (exit 0). */
export class OutputClosed extends Error {
  constructor() {
    super('standard output was closed by its reader');
  }
}

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

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * Parses a command's arguments. Unknown options and missing values are usage errors (exit 2) with a message
 * of our own: Node's parseArgs text quotes the option with an unbalanced quote and suggests `--`.
 */
export function parse(command: string, argv: string[], options: OptionSpec): ParsedArgs {
  const spec: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  const see = `see netsieve help ${command}`;
  // Checked here, in our words, and rewritten as `--name=value` so that a value starting with '-' (a negative
  // epoch time, `--out -`) is taken as the value it is rather than refused as "ambiguous".
  const normalized: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      normalized.push(...argv.slice(i));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      normalized.push(arg);
      continue;
    }
    let name: string;
    if (arg.startsWith('--')) {
      name = arg.slice(2).split('=', 1)[0]!;
    } else {
      const long = arg.length === 2 ? Object.entries(spec).find(([, o]) => o.short === arg[1])?.[0] : undefined;
      if (long === undefined) throw new UsageError(`unknown option ${arg} for '${command}'; ${see}`);
      name = long;
    }
    const o = spec[name];
    if (o === undefined) throw new UsageError(`unknown option --${name} for '${command}'; ${see}`);
    const inline = arg.startsWith('--') && arg.includes('=');
    if (o.type === 'boolean') {
      if (inline) throw new UsageError(`option --${name} of '${command}' takes no value; ${see}`);
      normalized.push(`--${name}`);
    } else if (inline) {
      normalized.push(arg);
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`option --${name} of '${command}' needs a value; ${see}`);
      normalized.push(`--${name}=${value}`);
      i++;
    }
  }
  try {
    const r = parseArgs({ args: normalized, options: spec, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals };
  } catch (e) {
    // Anything the check above did not catch (it mirrors parseArgs's rules); keep Node's words but not its quotes.
    throw new UsageError(`${(e as Error).message.replace(/['"]/g, '')}; ${see}`);
  }
}

/** `--progress` / `--no-progress`: forced on, forced off, or undefined (on when stderr is a terminal). */
export function progressChoice(values: ParsedArgs['values']): boolean | undefined {
  return values.progress ? true : values['no-progress'] ? false : undefined;
}
