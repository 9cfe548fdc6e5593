/**
 * ModSecurity v3 (libmodsecurity, Debian's libmodsecurity-dev) beside netsieve's WAF (issue #12): builds
 * ./modsec-driver.cc into the temp directory once (keyed by a hash of the source and the flags), and runs
 * batches of WafRequest/WafResponse through it in a child process, which times its own CPU per repetition
 * (CLOCK_PROCESS_CPUTIME_ID, after loading the rules) and reports the rule ids each transaction logged.
 * Without a C++ compiler or libmodsecurity it says why (`modsecDriver().ok === false`) and the benchmark
 * skips ModSecurity's side.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exchange } from '../../test/detect/waf/ftw/exchanges.js';
import { buildModsecProgram, type ModsecProgram } from '../../test/detect/waf/modsec/build.js';
import { median } from '../lib.js';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'modsec-driver.cc');

export type DriverStatus = ModsecProgram;

let cached: DriverStatus | undefined;

/** The driver binary (built on first use), or why there is none. */
export function modsecDriver(): DriverStatus {
  cached ??= build();
  return cached;
}

function build(): DriverStatus {
  return buildModsecProgram({ source: SOURCE, name: 'modsec-driver', what: 'the libmodsecurity driver', optimize: '-O2' });
}

/** One transaction: the request, and the response when the WAF sees one. */
export type { Exchange };

/** A configuration file (loaded with ModSecurity's Include) or SecLang text. */
export type ModsecInput = { path: string } | { text: string };

export interface ModsecRun {
  version: string;
  transactions: number;
  /** CPU seconds of loading the rules (not in the repetitions). */
  loadCpuS: number;
  /** CPU and wall seconds of each repetition of the whole batch. */
  reps: { cpuS: number; wallS: number }[];
  /** Median CPU seconds per transaction over the repetitions. */
  cpuPerTransactionS: number;
  /** The rule ids each transaction logged (first repetition). */
  ids: number[][];
}

const hex = (s: string): string => (s === '' ? '-' : Buffer.from(s, 'latin1').toString('hex'));

function frame(x: Exchange): string {
  const r = x.request;
  const parts = ['Q', hex(r.method), hex(r.uri), hex(r.version), String(r.headers.length)];
  for (const [k, v] of r.headers) parts.push(hex(k), hex(v));
  parts.push(hex(r.body ?? ''));
  const s = x.response;
  if (s === null) parts.push('N');
  else {
    parts.push('S', String(s.status), hex(s.version), String(s.headers.length));
    for (const [k, v] of s.headers) parts.push(hex(k), hex(v));
    parts.push(hex(s.body ?? ''));
  }
  return `${parts.join(' ')}\n`;
}

/** Runs the batch `repetitions` times through ModSecurity with `inputs` loaded in order. Throws when it cannot. */
export function runModsec(inputs: readonly ModsecInput[], batch: readonly Exchange[], repetitions: number): ModsecRun {
  const d = modsecDriver();
  if (!d.ok) throw new Error(d.reason);
  const argv = inputs.map((i) => ('path' in i ? path.resolve(i.path) : `@${Buffer.from(i.text, 'latin1').toString('hex')}`));
  const r = spawnSync(d.binary, [String(repetitions), ...argv], {
    input: batch.map(frame).join(''),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error !== undefined || r.status !== 0) throw new Error(`modsec-driver failed: ${r.error?.message ?? r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    version: string;
    transactions: number;
    load_cpu_s: number;
    reps: { cpu_s: number; wall_s: number }[];
    ids: number[][];
  };
  const reps = out.reps.map((x) => ({ cpuS: x.cpu_s, wallS: x.wall_s }));
  return {
    version: out.version,
    transactions: out.transactions,
    loadCpuS: out.load_cpu_s,
    reps,
    cpuPerTransactionS: median(reps.map((x) => x.cpuS)) / Math.max(1, out.transactions),
    ids: out.ids,
  };
}
