/**
 * The committed kernel is what its source builds: `npm run build:wasm` (wasm/build.sh, Debian's clang and
 * lld) reproduces wasm/kernel.wasm byte for byte. Skipped, visibly, where clang is not installed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_PATH } from '../../src/regex/runtime.js';
import { REPO_ROOT } from '../support/corpus.js';
import { toolPresent } from '../support/tools.js';

const haveClang = toolPresent('clang') && toolPresent('wasm-ld');

describe.skipIf(!haveClang)('wasm/kernel.wasm (needs clang and wasm-ld: apt-get install clang lld)', () => {
  it('is reproduced byte for byte by npm run build:wasm', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-kernel-')), 'kernel.wasm');
    const r = spawnSync('sh', [path.join(REPO_ROOT, 'wasm', 'build.sh'), out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const built = fs.readFileSync(out);
    const committed = fs.readFileSync(KERNEL_PATH);
    expect(built.length).toBe(committed.length);
    expect(Buffer.compare(built, committed)).toBe(0);
  });
});
