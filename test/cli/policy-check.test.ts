/**
 * `netsieve policy check FILE...` as a person or a CI step runs it: the built command (dist/, made by
 * `npm test`'s pretest), real files. Each problem on stderr as `FILE: PATH: SEVERITY: message`, one summary line
 * per file, `--json` lines on stdout, and the exit codes: 0 no errors (warnings allowed), 1 an error or a file
 * that cannot be read or parsed, 2 usage.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/corpus.js';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const EXAMPLES = path.join(REPO_ROOT, 'examples', 'policy');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-policy-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: unknown): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

const GOOD = {
  groups: { web: { cidrs: ['10.0.0.0/24'] }, gh: { fqdns: ['github.com', '*.github.com'] } },
  rules: [{ id: 'r1', from: 'web', to: 'gh', ports: ['tcp/443'], apps: ['tls'], action: 'allow' }],
};
/** Two errors and one warning. */
const BAD = {
  mode: 'monitor',
  groups: { web: { cidrs: ['10.0.0.5/24'] }, gh: { fqdns: ['*'] }, db: { cidrs: ['10.0.1.0/24'] } },
  rules: [{ id: 'r1', from: 'web', to: 'gh', ports: ['tpc/443'], action: 'allow' }],
};

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does)');
});

describe('netsieve policy check', () => {
  it('exit 0 and the summary line for a clean file; nothing on stdout', () => {
    const good = file('good.json', GOOD);
    const r = run(['policy', 'check', good]);
    expect(r.stderr).toBe(`${good}: 2 groups, 1 rule, 0 errors, 0 warnings\n`);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('exit 0 for the shipped examples (warnings allowed)', () => {
    const files = fs
      .readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(EXAMPLES, f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const r = run(['policy', 'check', ...files]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/: error: /);
    for (const f of files)
      expect(r.stderr).toMatch(new RegExp(`^${f.replace(/[.\\/]/g, '\\$&')}: \\d+ groups?, \\d+ rules?, 0 errors`, 'm'));
  });

  it('exit 1 with each problem as FILE: PATH: SEVERITY: message, then the summary', () => {
    const bad = file('bad.json', BAD);
    const r = run(['policy', 'check', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      `${bad}: $.groups.web.cidrs[0]: warning: "10.0.0.5/24" has host bits set: the network 10.0.0.0/24 is used`,
      `${bad}: $.groups.gh.fqdns[0]: error: "*" alone would match every name; write the names, or "*.example.com" for every subdomain`,
      `${bad}: $.rules[0].ports[0]: error: unknown transport "tpc": write tcp, udp, sctp, icmp, icmpv6 or ip/N`,
      `${bad}: 3 groups, 1 rule, 2 errors, 1 warning`,
      '',
    ]);
  });

  it('a warning alone exits 0', () => {
    const warn = file('warn.json', { rules: [{ id: 'r', from: 'frontend', to: 'backend', action: 'allow' }] });
    const r = run(['policy', 'check', warn]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`${warn}: $.rules[0].from: warning: group "frontend" is not defined in this file`);
    expect(r.stderr).toContain(`${warn}: 0 groups, 1 rule, 0 errors, 2 warnings\n`);
  });

  it('--json: one problem line per problem and a summary per file on stdout; the report still on stderr', () => {
    const good = file('good.json', GOOD);
    const bad = file('bad.json', BAD);
    const r = run(['policy', 'check', '--json', bad, good]);
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        type: 'problem',
        file: bad,
        path: '$.groups.web.cidrs[0]',
        severity: 'warning',
        message: '"10.0.0.5/24" has host bits set: the network 10.0.0.0/24 is used',
      },
      {
        type: 'problem',
        file: bad,
        path: '$.groups.gh.fqdns[0]',
        severity: 'error',
        message: expect.stringMatching(/^"\*" alone/),
      },
      {
        type: 'problem',
        file: bad,
        path: '$.rules[0].ports[0]',
        severity: 'error',
        message: expect.stringMatching(/^unknown transport/),
      },
      { type: 'summary', file: bad, groups: 3, rules: 1, errors: 2, warnings: 1 },
      { type: 'summary', file: good, groups: 2, rules: 1, errors: 0, warnings: 0 },
    ]);
    expect(r.stderr).toContain(`${bad}: 3 groups, 1 rule, 2 errors, 1 warning\n`);
    expect(r.stderr).toContain(`${good}: 2 groups, 1 rule, 0 errors, 0 warnings\n`);
  });

  it('exit 1 for a file that is not JSON (line and column) or cannot be read; the other files are still checked', () => {
    const broken = file('broken.json', '{\n  "groups": {\n    "web": { "cidrs": ["10.0.0.0/8",] }\n  }\n}\n');
    const missing = path.join(tmp, 'missing.json');
    const good = file('good.json', GOOD);
    const r = run(['policy', 'check', broken, missing, good, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${broken}: $: error: line 3, column 37: not valid JSON: "]" where a value was expected\n`);
    expect(r.stderr).toContain(`${broken}: 0 groups, 0 rules, 1 error, 0 warnings\n`);
    expect(r.stderr).toMatch(
      new RegExp(`${missing.replace(/[.\\/]/g, '\\$&')}: \\$: error: cannot read the policy file: ENOENT`),
    );
    expect(r.stderr).toContain(`${good}: 2 groups, 1 rule, 0 errors, 0 warnings\n`);
    const summaries = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; file: string; errors?: number })
      .filter((l) => l.type === 'summary');
    expect(summaries.map((s) => [s.file, s.errors])).toEqual([
      [broken, 1],
      [missing, 1],
      [good, 0],
    ]);
  });

  it('JSON that is not a policy (null, an array) is an error at $, not a crash', () => {
    for (const [name, text] of [
      ['null.json', 'null'],
      ['array.json', '[1, 2]'],
      ['number.json', '42'],
    ]) {
      const p = file(name, text);
      const r = run(['policy', 'check', p]);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(new RegExp(`^${p.replace(/[.\\/]/g, '\\$&')}: \\$: error: a policy must be a JSON object`));
    }
  });

  it('exit 2 for usage errors, with a message on stderr', () => {
    const good = file('good.json', GOOD);
    for (const args of [
      ['policy'],
      ['policy', 'verify', good],
      ['policy', 'check'],
      ['policy', 'check', good, '--bogus'],
      ['policy', 'check', '--json=1', good],
    ]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^netsieve: /);
      expect(r.stdout, args.join(' ')).toBe('');
    }
  });

  it('--help and help policy print the usage with the exit codes; the top-level help lists the command', () => {
    for (const args of [
      ['policy', '--help'],
      ['policy', 'check', '-h'],
      ['help', 'policy'],
    ]) {
      const r = run(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: netsieve policy check FILE\.\.\. \[--json\]\n/);
      expect(r.stdout).toMatch(/Exit codes:\n {2}0 {3}no errors \(warnings allowed\)\n {2}1 .*\n {2}2 {3}usage/);
      expect(r.stdout.split('\n').filter((l) => l.length > 100)).toEqual([]);
    }
    expect(run(['--help']).stdout).toContain('netsieve policy check FILE... [--json]');
  });
});
