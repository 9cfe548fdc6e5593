/**
 * libmodsecurity as the reference for the body processors: builds modsec-body.cc (C++, against Debian's
 * libmodsecurity-dev) into the temp directory once, and runs batches of (Content-Type, processor, body) cases
 * through a real transaction, returning the variables the processors fill. Skips (with the reason) without a
 * C++ compiler or libmodsecurity, and under NETSIEVE_TEST_TOOLS=none.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'modsec-body.cc');

export type HarnessStatus = { ok: true; binary: string; version: string } | { ok: false; reason: string };

let cached: HarnessStatus | undefined;

export function bodyHarness(): HarnessStatus {
  if (cached !== undefined) return cached;
  cached = build();
  return cached;
}

function build(): HarnessStatus {
  if (process.env.NETSIEVE_TEST_TOOLS === 'none') return { ok: false, reason: 'NETSIEVE_TEST_TOOLS=none' };
  const cxx = process.env.CXX ?? 'c++';
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'modsecurity'], { encoding: 'utf8' });
  const flags = pc.status === 0 && pc.stdout.trim() !== '' ? pc.stdout.trim().split(/\s+/) : ['-lmodsecurity'];
  const args = ['-O1', '-std=c++17'];
  const src = fs.readFileSync(SOURCE);
  const key = createHash('sha256')
    .update(src)
    .update(JSON.stringify([cxx, args, flags]))
    .digest('hex')
    .slice(0, 16);
  const binary = path.join(os.tmpdir(), `netsieve-modsec-body-${key}`);
  if (!fs.existsSync(binary)) {
    const partial = `${binary}.${process.pid}.tmp`;
    const r = spawnSync(cxx, [...args, '-o', partial, SOURCE, ...flags], { encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) {
      fs.rmSync(partial, { force: true });
      return {
        ok: false,
        reason: `libmodsecurity body harness does not build (${cxx}): ${`${r.stderr ?? ''}${r.error?.message ?? ''}`.trim().slice(0, 300)}`,
      };
    }
    fs.renameSync(partial, binary);
  }
  const v = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (v.error !== undefined || v.status !== 0)
    return { ok: false, reason: `the body harness does not run: ${v.error?.message ?? v.stderr}` };
  return { ok: true, binary, version: v.stdout.trim() };
}

export interface BodyCase {
  contentType: string; // latin-1
  processor: 'JSON' | 'XML' | 'URLENCODED' | null;
  body: Uint8Array;
  argsLimit?: number;
}

export interface ModsecBodyResult {
  /** Anchored variables: name -> value (latin-1 text). */
  vars: Record<string, string>;
  /** Collections: name -> sorted "key\0value" entries (latin-1). */
  sets: Record<string, string[]>;
}

const latin1 = (h: string): string => (h === '-' ? '' : Buffer.from(h, 'hex').toString('latin1'));

/** Runs the cases in one process. */
export function modsecBodies(cases: BodyCase[]): ModsecBodyResult[] {
  const h = bodyHarness();
  if (!h.ok) throw new Error(h.reason);
  const input = cases
    .map((c) => {
      const ct = Buffer.from(c.contentType, 'latin1').toString('hex') || '';
      return `${ct} ${c.processor ?? '-'} ${c.argsLimit ?? 1000}\n${Buffer.from(c.body).toString('hex')}\n`;
    })
    .join('');
  const r = spawnSync(h.binary, [], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`harness failed: ${r.stderr}`);
  const out: ModsecBodyResult[] = [];
  let cur: ModsecBodyResult = { vars: {}, sets: {} };
  for (const line of r.stdout.split('\n')) {
    if (line === 'E') {
      for (const k of Object.keys(cur.sets)) cur.sets[k]!.sort();
      out.push(cur);
      cur = { vars: {}, sets: {} };
      continue;
    }
    const p = line.split(' ');
    if (p[0] === 'V') cur.vars[p[1]!] = latin1(p[2]!);
    else if (p[0] === 'S') (cur.sets[p[1]!] ??= []).push(`${latin1(p[2]!)}\0${latin1(p[3]!)}`);
  }
  return out;
}
