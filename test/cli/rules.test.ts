/**
 * `netsieve rules check`: the report on stderr, JSON lines on stdout with --json, --var and --classification,
 * and the exit codes (0 all loaded, 1 a rule refused or a file unreadable, 2 usage). Runs the command table
 * in-process (main()), with standard output and error captured.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-rules-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

const run = runMain;

const GOOD = file(
  'good.rules',
  '# good rules\nalert http any any -> any any (msg:"a"; http.uri; content:"/x"; sid:1; rev:1;)\nalert tcp $HOME_NET any -> any $WEB_PORTS (msg:"b"; sid:2;)\n',
);
const BAD = file(
  'bad.rules',
  'alert tcp any any -> any any (msg:"ok"; sid:10;)\n\nalert tcp any any -> any any (msg:"lua"; lua:x.lua; sid:2024001;)\nalert tcp any any -> any any (msg:"mine"; classtype:my-class; content:"abcd"; depth:2; sid:11;)\n',
);

describe('netsieve rules check', () => {
  it('exit 0 and "N rules loaded, 0 failed" when every rule loads (with --var)', async () => {
    const r = await run(['rules', 'check', GOOD, '--var', 'WEB_PORTS=[80,8080]', '--var=HOME_NET=10.0.0.0/8']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^2 rules loaded, 0 failed \(2 rules in 1 file, \d+ ms\)\n$/);
  });

  it('exit 1 with each failure (file:line sid N: reason) and the totals', async () => {
    const r = await run(['rules', 'check', GOOD, BAD]);
    expect(r.status).toBe(1);
    // $WEB_PORTS is undefined without --var.
    expect(r.stderr).toContain(`${GOOD}:3 sid 2: undefined variable "$WEB_PORTS" in port`);
    expect(r.stderr).toContain(`${BAD}:3 sid 2024001: unsupported keyword "lua"`);
    expect(r.stderr).toContain(`${BAD}:4 sid 11: depth: 2 is less than the content's length (4)`);
    expect(r.stderr).toMatch(/2 rules loaded, 3 failed \(5 rules in 2 files/);
    expect(r.stderr).toMatch(/Refusals by reason:\n/);
  });

  it('--classification is read; --json writes failures and a summary as JSON lines', async () => {
    const cls = file('classification.config', 'config classification: my-class,My class,2\n');
    const r = await run(['rules', 'check', BAD, '--classification', cls, '--json']);
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        type: 'failure',
        file: BAD,
        line: 3,
        sid: 2024001,
        kind: 'unsupported-keyword',
        keyword: 'lua',
        message: 'unsupported keyword "lua"',
      },
      {
        type: 'failure',
        file: BAD,
        line: 4,
        sid: 11,
        kind: 'invalid-value',
        keyword: 'depth',
        message: "depth: 2 is less than the content's length (4)",
      },
      {
        type: 'summary',
        rules: 3,
        loaded: 1,
        failed: 2,
        replaced: 0,
        byKind: { 'unsupported-keyword': 1, 'invalid-value': 1 },
        byReason: { 'invalid-value in depth': 1, 'unsupported keyword "lua"': 1 },
        elapsedMs: expect.any(Number),
      },
    ]);
    expect(r.stderr).toMatch(/1 rules loaded, 2 failed/);
  });

  it('exit 1 for an unreadable rules file, 2 for usage errors and a bad classification file', async () => {
    expect((await run(['rules', 'check', path.join(tmp, 'missing.rules')])).status).toBe(1);
    for (const args of [
      ['rules'],
      ['rules', 'verify', GOOD],
      ['rules', 'check'],
      ['rules', 'check', GOOD, '--var', 'NOEQUALS'],
      ['rules', 'check', GOOD, '--var'],
      ['rules', 'check', GOOD, '--bogus'],
      ['rules', 'check', GOOD, '--var', 'BAD NAME=1'],
      ['rules', 'check', GOOD, '--classification', path.join(tmp, 'missing.config')],
      ['rules', 'check', GOOD, '--classification', file('broken.config', 'nonsense\n')],
    ]) {
      const r = await run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^netsieve: /);
    }
  });

  it('--help and help rules print the usage; the top-level help lists the command', async () => {
    for (const args of [
      ['rules', '--help'],
      ['help', 'rules'],
    ]) {
      const r = await run(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: netsieve rules check FILE\.\.\./);
      expect(r.stdout.split('\n').filter((l) => l.length > 100)).toEqual([]);
    }
    expect((await run(['--help'])).stdout).toContain('netsieve rules check FILE...');
  });
});
