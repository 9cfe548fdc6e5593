/**
 * `netsieve policy check FILE...`: reads policy files and reports every problem at its JSON path, as an editor or
 * CI step would want it (`FILE: $.rules[2].ports[0]: error: message`), then one summary line per file. `--json`
 * also writes the report as JSON lines on stdout. Exit 0 when no file has an error (warnings are allowed: a group
 * given at run time is a warning by design), 1 when any file has an error or cannot be read or parsed, 2 for usage.
 */
import { isNetsieveError } from '../errors.js';
import { checkPolicy, readPolicyFile } from '../policy/policy-file.js';
import type { PolicyProblem } from '../policy/types.js';
import { type Command, EXIT_INPUT, EXIT_OK, parse, UsageError } from './common.js';

export const POLICY_HELP = `Usage: netsieve policy check FILE... [--json]

Checks netsieve policy files (JSON, schema/netsieve-policy.schema.json) as the policy
stage would load them and reports every problem at its JSON path:

  policy.json: $.rules[2].ports[0]: error: unknown transport "tpc": write tcp, ...
  policy.json: 3 groups, 12 rules, 1 error, 0 warnings

Errors make a policy unusable (bad syntax, CIDR, port, name, unknown application,
duplicate rule id). Warnings do not: a rule naming a group the file does not define
(given at run time by engine.setGroups), host bits in a CIDR, a duplicate entry, a
rule an earlier one always decides first. The report goes to standard error.

Options:
  --json       also write the report as JSON lines on standard output: one
               {"type":"problem","file","path","severity","message"} per problem, then
               {"type":"summary","file","groups","rules","errors","warnings"} per file
  -h, --help   this text

Exit codes:
  0   no errors (warnings allowed)
  1   a policy has an error, or a file could not be read or is not JSON
  2   usage: no subcommand, no file, an unknown option
  70  internal error in netsieve (please report it with the input)
`;

interface FileReport {
  file: string;
  groups: number;
  rules: number;
  problems: PolicyProblem[];
}

/** Checks one file; a file that cannot be read or parsed is one error at `$`, so every file gets a report. */
function checkFile(file: string): FileReport {
  let doc: unknown;
  try {
    doc = readPolicyFile(file);
  } catch (e) {
    if (!isNetsieveError(e)) throw e;
    // The error's message starts with the file name, which the report line already shows.
    const message = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
    return { file, groups: 0, rules: 0, problems: [{ path: '$', severity: 'error', message }] };
  }
  const { problems } = checkPolicy(doc);
  // Counted as written, so that the summary describes the file even when parts of it are refused.
  const d = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const groups = typeof d.groups === 'object' && d.groups !== null && !Array.isArray(d.groups) ? Object.keys(d.groups).length : 0;
  const rules = Array.isArray(d.rules) ? d.rules.length : 0;
  return { file, groups, rules, problems };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function counts(r: FileReport): { errors: number; warnings: number } {
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  return { errors, warnings: r.problems.length - errors };
}

/** The human report of one file: each problem, then the summary line. */
export function formatPolicyReport(r: FileReport): string {
  let out = '';
  for (const p of r.problems) out += `${r.file}: ${p.path}: ${p.severity}: ${p.message}\n`;
  const { errors, warnings } = counts(r);
  out += `${r.file}: ${plural(r.groups, 'group')}, ${plural(r.rules, 'rule')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`;
  return out;
}

function jsonLines(r: FileReport): string {
  const lines = r.problems.map((p) =>
    JSON.stringify({ type: 'problem', file: r.file, path: p.path, severity: p.severity, message: p.message }),
  );
  lines.push(JSON.stringify({ type: 'summary', file: r.file, groups: r.groups, rules: r.rules, ...counts(r) }));
  return `${lines.join('\n')}\n`;
}

/** Runs `policy ...`; returns the exit code (usage errors are thrown). */
export function policyCommand(argv: string[]): number {
  const { values, positionals } = parse('policy', argv, { json: { type: 'boolean' } });
  if (values.help === true) {
    process.stdout.write(POLICY_HELP);
    return EXIT_OK;
  }
  const [sub, ...files] = positionals;
  if (sub !== 'check')
    throw new UsageError(
      sub === undefined
        ? 'policy needs a subcommand: policy check FILE...'
        : `unknown subcommand "policy ${sub}"; try: policy check FILE...`,
    );
  if (files.length === 0) throw new UsageError('policy check needs at least one policy file');
  let failed = false;
  for (const file of files) {
    const report = checkFile(file);
    process.stderr.write(formatPolicyReport(report));
    if (values.json === true) process.stdout.write(jsonLines(report));
    if (counts(report).errors > 0) failed = true;
  }
  return failed ? EXIT_INPUT : EXIT_OK;
}

/** The `policy` command as the CLI's command table lists it. */
export const policyCli: Command = {
  name: 'policy',
  usage: ['policy check FILE... [--json]'],
  help: POLICY_HELP,
  run: async (argv) => policyCommand(argv),
};
