/**
 * `netsieve rules check FILE...`: loads Suricata rules files as the detection stage would and reports which
 * rules are refused and why (file, line, sid, keyword), as Suricata's "N rules loaded, M failed". The report
 * goes to stderr; `--json` also writes it as JSON lines on stdout for programs. Exit 0 when every rule loads,
 * 1 when any is refused or a file cannot be read, 2 for usage errors.
 */
import { readFileSync } from 'node:fs';
import { formatFailure, type LoadResult, loadRules, type RuleFailure, type RuleInput } from '../detect/rules/index.js';
import { NetsieveError } from '../errors.js';
import { type Command, EXIT_INPUT, EXIT_OK, parse, UsageError } from './common.js';

export const RULES_HELP = `Usage: netsieve rules check FILE... [--var NAME=VALUE]... [--classification FILE] [--json]

Loads Suricata 7 rules files as netsieve's detection stage does and reports every rule
it refuses, with its file, line, sid and the keyword at fault, then "N rules loaded,
M failed" and the most frequent reasons. The report goes to standard error.

Options:
  --var NAME=VALUE        a rule variable, over Suricata's defaults (HOME_NET,
                          EXTERNAL_NET = !$HOME_NET, HTTP_PORTS = 80, ...); repeat it
                          for more: --var HOME_NET=[10.0.0.0/8] --var HTTP_PORTS=[80,8080]
  --classification FILE   a classification.config over the built-in classtypes
  --json                  also write the report as JSON lines on standard output: one
                          {"type":"failure",...} per refused rule, then {"type":"summary",...}
  -h, --help              this text

Exit codes:
  0   every rule loaded
  1   a rule was refused, or a rules file could not be read
  2   usage: unknown option, bad value (--var), unreadable or invalid --classification
  70  internal error in netsieve (please report it with the input)
`;

/** Takes every `--var NAME=VALUE` (or `--var=NAME=VALUE`) out of argv: parseArgs keeps only the last. */
function takeVars(argv: string[]): { vars: Record<string, string>; rest: string[] } {
  const vars: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (a === '--var') {
      value = argv[++i];
      if (value === undefined) throw new UsageError("option --var of 'rules' needs a value; see netsieve help rules");
    } else if (a.startsWith('--var=')) value = a.slice(6);
    else {
      rest.push(a);
      continue;
    }
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var needs NAME=VALUE, not ${value}`);
    vars[value.slice(0, eq).replace(/^\$/, '')] = value.slice(eq + 1);
  }
  return { vars, rest };
}

function readInput(path: string): RuleInput {
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    throw new NetsieveError('NS_ERR_RULE', `cannot read the rules file: ${(e as Error).message}`, { file: path });
  }
}

/** The human report: one line per refused rule, then the totals and the top reasons. */
export function formatReport(result: LoadResult, files: number): string {
  let out = '';
  for (const f of result.failed) out += `${formatFailure(f)}\n`;
  const s = result.stats;
  out += `${s.loaded} rules loaded, ${s.failed} failed (${s.rules} rules in ${files} file${files === 1 ? '' : 's'}, ${s.elapsedMs.toFixed(0)} ms)\n`;
  if (s.replaced > 0) out += `${s.replaced} rules replaced by a later rule with the same gid:sid and a higher rev\n`;
  if (s.byReason.length > 0) {
    out += 'Refusals by reason:\n';
    for (const [reason, n] of s.byReason.slice(0, 20)) out += `  ${String(n).padStart(6)}  ${reason}\n`;
  }
  return out;
}

function jsonLines(result: LoadResult): string {
  const failure = (f: RuleFailure) => JSON.stringify({ type: 'failure', ...f });
  const s = result.stats;
  const summary = JSON.stringify({
    type: 'summary',
    rules: s.rules,
    loaded: s.loaded,
    failed: s.failed,
    replaced: s.replaced,
    byKind: s.byKind,
    byReason: Object.fromEntries(s.byReason),
    elapsedMs: Math.round(s.elapsedMs),
  });
  return `${[...result.failed.map(failure), summary].join('\n')}\n`;
}

/** Runs `rules ...`; returns the exit code (usage errors are thrown). */
export function rulesCommand(argv: string[]): number {
  const { vars, rest } = takeVars(argv);
  const { values, positionals } = parse('rules', rest, { classification: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help === true) {
    process.stdout.write(RULES_HELP);
    return EXIT_OK;
  }
  const [sub, ...files] = positionals;
  if (sub !== 'check')
    throw new UsageError(
      sub === undefined
        ? 'rules needs a subcommand: rules check FILE...'
        : `unknown subcommand "rules ${sub}"; try: rules check FILE...`,
    );
  if (files.length === 0) throw new UsageError('rules check needs at least one rules file');
  const classPath = values.classification as string | undefined;
  let classification: RuleInput | undefined;
  if (classPath !== undefined) {
    try {
      classification = { path: classPath, text: readFileSync(classPath, 'utf8') };
    } catch (e) {
      throw new NetsieveError('NS_ERR_CONFIG', `cannot read the classification file: ${(e as Error).message}`, {
        file: classPath,
      });
    }
  }
  const inputs = files.map(readInput);
  const result = loadRules(inputs, { vars, ...(classification !== undefined ? { classification } : {}) });
  process.stderr.write(formatReport(result, files.length));
  if (values.json === true) process.stdout.write(jsonLines(result));
  return result.failed.length > 0 ? EXIT_INPUT : EXIT_OK;
}

/** The `rules` command as the CLI's command table lists it. */
export const rulesCli: Command = {
  name: 'rules',
  usage: ['rules check FILE... [--var NAME=VALUE]... [--classification FILE] [--json]'],
  help: RULES_HELP,
  run: async (argv) => rulesCommand(argv),
};
