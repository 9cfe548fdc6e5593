/**
 * Builds a program against libmodsecurity (Debian's libmodsecurity-dev) into the temp directory, once per
 * source, compiler and flags (the binary is named by their hash and reused), and checks that it runs
 * (`<binary> --version` prints libmodsecurity's version). The WAF's references use it: the C harness of the
 * transformations and operators (./harness.c), the body processors' C++ harness (../body/modsec-body.cc) and
 * the benchmark's driver (bench/waf/modsec-driver.cc). When it cannot, it says why: the reason callers give
 * when they skip.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type ModsecProgram = { ok: true; binary: string; version: string } | { ok: false; reason: string };

const INSTALL = 'install libmodsecurity-dev (.ci/run does)';

export interface ModsecBuild {
  /** The source file (`.c` is compiled as C with CC, anything else as C++17 with CXX). */
  source: string;
  /** Names the binary in the temp directory (`netsieve-<name>-<hash>`). */
  name: string;
  /** What it is, for the reasons (`the body harness`). */
  what: string;
  /** Optimisation flag (default -O1). */
  optimize?: string;
  /** Tests pass true: NETSIEVE_TEST_TOOLS=none (the unit tier) means no external tools. */
  testTool?: boolean;
}

export function buildModsecProgram(b: ModsecBuild): ModsecProgram {
  if (b.testTool === true && process.env.NETSIEVE_TEST_TOOLS === 'none') return { ok: false, reason: 'NETSIEVE_TEST_TOOLS=none' };
  const isC = b.source.endsWith('.c');
  const compiler = isC ? (process.env.CC ?? 'cc') : (process.env.CXX ?? 'c++');
  const probe = spawnSync(compiler, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0)
    return {
      ok: false,
      reason: `no ${isC ? 'C' : 'C++'} compiler (${compiler}: ${probe.error?.message ?? probe.stderr.trim()}); install one or set ${isC ? 'CC' : 'CXX'}`,
    };
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'modsecurity'], { encoding: 'utf8' });
  const flags = pc.status === 0 && pc.stdout.trim() !== '' ? pc.stdout.trim().split(/\s+/) : ['-lmodsecurity'];
  const args = [b.optimize ?? '-O1', isC ? '-Wall' : '-std=c++17'];
  const key = createHash('sha256')
    .update(fs.readFileSync(b.source))
    .update(JSON.stringify([compiler, args, flags]))
    .digest('hex')
    .slice(0, 16);
  const binary = path.join(os.tmpdir(), `netsieve-${b.name}-${key}`);
  if (!fs.existsSync(binary)) {
    // A private name, then rename: several test files may build at the same time.
    const partial = `${binary}.${process.pid}.tmp`;
    const r = spawnSync(compiler, [...args, '-o', partial, b.source, ...flags], { encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) {
      fs.rmSync(partial, { force: true });
      const err = `${r.stderr ?? ''}${r.error?.message ?? ''}`;
      if (/modsecurity\/.*\.h/.test(err)) return { ok: false, reason: `libmodsecurity headers not found; ${INSTALL}` };
      if (/-lmodsecurity|libmodsecurity/.test(err)) return { ok: false, reason: `libmodsecurity not found; ${INSTALL}` };
      return { ok: false, reason: `${b.what} does not build (${compiler}): ${err.trim().slice(0, 400)}` };
    }
    fs.renameSync(partial, binary);
  }
  const v = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (v.error !== undefined || v.status !== 0)
    return { ok: false, reason: `${b.what} does not run: ${v.error?.message ?? v.stderr.trim()}` };
  return { ok: true, binary, version: v.stdout.trim() };
}
