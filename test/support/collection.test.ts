/**
 * A clone without the shared folder collects the whole suite: `vitest list` (collection only: every test
 * file is imported and its describe bodies run, no test runs) in a child process, with the shared folder
 * pointed at an empty directory. A test file that reads the corpus, the EVE schema or a tool's output while
 * being collected fails here. Also checks that the "absent" notice is printed once per run, not per file.
 *
 * Slow (the whole suite is imported, ~40 s on one worker): in the full tier only (vitest.unit.config.ts
 * leaves it out).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, SHARED_DIR_ENV } from './corpus.js';

const NOTICE = 'netsieve tests: absent, so the tests that need them are SKIPPED';

describe('collection without the shared folder', () => {
  it('vitest list over every test file exits 0, with no collection error and one notice', { timeout: 600_000 }, () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-no-shared-'));
    const listing = path.join(empty, 'list.json');
    try {
      // The child is a run of its own, not part of this one.
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'TEST') env[k] = v;
      env[SHARED_DIR_ENV] = empty;
      const vitest = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
      // One worker: the machine is shared, and collection is what is tested, not speed.
      const r = spawnSync(process.execPath, [vitest, 'list', `--json=${listing}`, '--maxWorkers=1'], {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      const output = `${r.stdout}\n${r.stderr}`;
      expect(r.error).toBeUndefined();
      expect({
        status: r.status,
        errors: output
          .split('\n')
          .filter((l) => /Error|FAIL|failed to/i.test(l))
          .slice(0, 20),
      }).toEqual({ status: 0, errors: [] });
      expect(output.split(NOTICE).length - 1, output.slice(0, 4000)).toBe(1);
      expect(output).toContain(`shared capture corpus (${path.join(empty, 'fixtures', 'pcaps')}`);
      // Tests that need nothing optional are still there: the listing is not empty by accident.
      const listed = JSON.parse(fs.readFileSync(listing, 'utf8')) as { name: string; file: string }[];
      const files = new Set(listed.map((t) => path.relative(REPO_ROOT, t.file)));
      expect(files.size).toBeGreaterThan(50);
      expect(files).toContain('test/protocols/dns/fuzz.test.ts');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
