/**
 * libmodsecurity as the reference for the body processors: builds modsec-body.cc (C++, against Debian's
 * libmodsecurity-dev) into the temp directory once, and runs batches of (Content-Type, processor, body) cases
 * through a real transaction, returning the variables the processors fill. Skips (with the reason) without a
 * C++ compiler or libmodsecurity, and under NETSIEVE_TEST_TOOLS=none.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModsecProgram, type ModsecProgram } from '../modsec/build.js';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'modsec-body.cc');

export type HarnessStatus = ModsecProgram;

let cached: HarnessStatus | undefined;

export function bodyHarness(): HarnessStatus {
  if (cached !== undefined) return cached;
  cached = build();
  return cached;
}

function build(): HarnessStatus {
  return buildModsecProgram({ source: SOURCE, name: 'modsec-body', what: 'the body harness', testTool: true });
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
