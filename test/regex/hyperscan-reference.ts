/**
 * Native Hyperscan as a reference for the regex tests: builds test/regex/hs-reference.c against the
 * system's libhs (into the temp directory, named by a hash of the source, so it is built once) and runs
 * many cases through one process. Each case is compiled for block, stream and vectored mode and scanned
 * in the three; every match Hyperscan reports comes back.
 *
 * `hsReference()` says why it cannot run (no C compiler, no hs.h): tests call `needHyperscan(ctx)` and skip
 * visibly with that reason.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS_ENV } from '../support/tools.js';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hs-reference.c');

export interface HsCase {
  patterns: { id: number; expression: string; flags: string }[];
  data: Uint8Array;
  /** Chunk lengths for stream and vectored mode (their sum is data.length); empty: one chunk. */
  chunks: number[];
  /** More chunkings, scanned in stream mode only: their matches come back in `streams`, in this order. */
  moreChunkings?: number[][];
}

/** [id, from, to]; `from` is 0 unless the pattern has L. */
export type HsMatch = [number, number, number];

export type HsResult =
  | { error: string; index: number }
  | { block: HsMatch[]; stream: HsMatch[]; vectored: HsMatch[]; streams?: HsMatch[][] };

export type HsStatus = { ok: true; binary: string } | { ok: false; reason: string };

let cached: HsStatus | undefined;

export function hsReference(): HsStatus {
  if (cached === undefined) cached = build();
  return cached;
}

function build(): HsStatus {
  // The unit tier runs without external tools (vitest.unit.config.ts).
  if (process.env[TOOLS_ENV] === 'none') return { ok: false, reason: `external tools are off (${TOOLS_ENV}=none)` };
  const cc = process.env.CC ?? 'cc';
  const pc = spawnSync('pkg-config', ['--cflags', 'libhs'], { encoding: 'utf8' });
  const includes =
    pc.status === 0 && pc.stdout.trim() !== '' ? pc.stdout.trim().split(/\s+/) : ['-I/usr/include/hs', '-I/usr/local/include/hs'];
  const args = ['-O1', ...includes];
  const key = createHash('sha256')
    .update(fs.readFileSync(SOURCE))
    .update(JSON.stringify([cc, args]))
    .digest('hex')
    .slice(0, 16);
  const binary = path.join(os.tmpdir(), `netsieve-hs-reference-${key}`);
  if (!fs.existsSync(binary)) {
    const partial = `${binary}.${process.pid}.tmp`;
    const r = spawnSync(cc, [...args, '-o', partial, SOURCE, '-lhs'], { encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) {
      fs.rmSync(partial, { force: true });
      const err = `${r.stderr ?? ''}${r.error?.message ?? ''}`;
      return {
        ok: false,
        reason: /hs\.h|-lhs/.test(err)
          ? 'native Hyperscan is not installed (libhyperscan-dev)'
          : `cannot build the Hyperscan reference: ${err.trim().slice(0, 300)}`,
      };
    }
    fs.renameSync(partial, binary);
  }
  return { ok: true, binary };
}

/**
 * In a test (never while tests are collected: it may run a C compiler): skips it, with the reason, when
 * native Hyperscan cannot run here.
 */
export function needHyperscan(ctx: { skip: (note?: string) => void }): void {
  const h = hsReference();
  if (!h.ok) ctx.skip(`native Hyperscan unavailable: ${h.reason}`);
}

const hex = (b: Uint8Array): string => (b.length === 0 ? '-' : Buffer.from(b).toString('hex'));

/**
 * Runs the cases through native Hyperscan, one result per case. Throws if the reference is unavailable.
 * Consecutive cases with the very same `patterns` array (the same object) compile it once.
 */
export function runHyperscanCases(cases: readonly HsCase[]): HsResult[] {
  const h = hsReference();
  if (!h.ok) throw new Error(h.reason);
  let input = '';
  let previous: HsCase['patterns'] | null = null;
  for (const c of cases) {
    const again = c.patterns === previous && c.patterns.length > 0;
    previous = c.patterns;
    if (again) input += 'A\n';
    else {
      for (const p of c.patterns) {
        if (!/^[ismHLV8WP]*$/.test(p.flags)) throw new Error(`flags ${p.flags} are not Hyperscan letters`);
        input += `P ${p.id} ${p.flags === '' ? '-' : p.flags} ${hex(Buffer.from(p.expression, 'utf8'))}\n`;
      }
    }
    input += `D ${hex(c.data)}\nC ${c.chunks.length === 0 ? '-' : c.chunks.join(',')}\n`;
    for (const more of c.moreChunkings ?? []) input += `S ${more.length === 0 ? '-' : more.join(',')}\n`;
    input += 'R\n';
  }
  const r = spawnSync(h.binary, [], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error !== undefined || r.status !== 0) throw new Error(`Hyperscan reference failed: ${r.error?.message ?? r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== cases.length) throw new Error(`Hyperscan reference answered ${lines.length} of ${cases.length} cases`);
  return lines.map((l) => JSON.parse(l) as HsResult);
}
