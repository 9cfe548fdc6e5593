#!/usr/bin/env node
/**
 * The `netsieve` command: the table of subcommands and the mapping of failures to exit codes (listed in
 * common.ts and the README). Lines go to stdout (or --out); messages, warnings and the progress bar to stderr.
 * Subcommands import common.ts, never this file.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isNetsieveError } from '../errors.js';
import {
  type Command,
  EXIT_CODES_HELP,
  EXIT_INPUT,
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_OUTPUT,
  EXIT_USAGE,
  OutputClosed,
  UsageError,
} from './common.js';
import { configCli } from './config.js';
import { learnCommand } from './learn.js';
import { liveCommand } from './live.js';
import { policyCli } from './policy.js';
import { protocolsCli } from './protocols.js';
import { replayCommand } from './replay.js';
import { rulesCli } from './rules.js';
import { streamsCommand } from './streams.js';
import { threatsCli } from './threats.js';
import { attackLayerCommand } from './attack-layer.js';

/** Every subcommand, in the order the help lists them. A new command is one import and one entry here. */
const COMMANDS: readonly Command[] = [
  replayCommand,
  streamsCommand,
  liveCommand,
  learnCommand,
  policyCli,
  protocolsCli,
  threatsCli,
  attackLayerCommand,
  configCli,
  rulesCli,
];

const VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
})();

function mainHelp(): string {
  const usage = COMMANDS.flatMap((c) => c.usage.map((l, i) => (i === 0 ? `  netsieve ${l}` : `           ${l}`))).join('\n');
  return `netsieve ${VERSION}: Layer-7 deep packet inspection for Node.js

Usage:
${usage}
  netsieve help [command]      this text, or a command's
  netsieve --version

Each command takes --help for its options.

${EXIT_CODES_HELP}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    switch (name) {
      case undefined:
        // No command: the usage is an error message here, not the output asked for.
        process.stderr.write(mainHelp());
        return EXIT_USAGE;
      case '-h':
      case '--help':
        process.stdout.write(mainHelp());
        return EXIT_OK;
      case 'help': {
        const topic = rest[0];
        if (topic === undefined) {
          process.stdout.write(mainHelp());
          return EXIT_OK;
        }
        const command = COMMANDS.find((c) => c.name === topic);
        if (command === undefined)
          throw new UsageError(`no such command: ${topic}\nCommands: ${COMMANDS.map((c) => c.name).join(', ')}, help.`);
        process.stdout.write(command.help);
        return EXIT_OK;
      }
      case '-v':
      case '--version':
        process.stdout.write(`netsieve ${VERSION}\n`);
        return EXIT_OK;
      default: {
        const command = COMMANDS.find((c) => c.name === name);
        if (command === undefined) {
          throw new UsageError(
            `unknown command: ${name}\nCommands: ${COMMANDS.map((c) => c.name).join(', ')}, help. Run \`netsieve --help\`.`,
          );
        }
        return await command.run(rest);
      }
    }
  } catch (e) {
    return failure(e);
  }
}

/** The exit code of a failure, after saying what went wrong on stderr (nothing for a closed stdout). */
function failure(e: unknown): number {
  if (e instanceof OutputClosed) return EXIT_OK;
  if (e instanceof UsageError) {
    process.stderr.write(`netsieve: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (isNetsieveError(e)) {
    process.stderr.write(`netsieve: ${e.message}\n`);
    if (e.code === 'NS_ERR_CONFIG' || e.code === 'NS_ERR_OPTION' || e.code === 'NS_ERR_USAGE' || e.code === 'NS_ERR_POLICY')
      return EXIT_USAGE;
    if (e.code === 'NS_ERR_OUTPUT') return EXIT_OUTPUT;
    return EXIT_INPUT;
  }
  process.stderr.write(
    `netsieve: internal error: ${(e as Error)?.stack ?? String(e)}\nPlease report this with the input that caused it.\n`,
  );
  return EXIT_INTERNAL;
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
      process.exitCode = failure(e);
    },
  );
}
