/**
 * Which external tools the differential tests can use. test/support/global-setup.ts probes them once per
 * run and hands the answer to every test file (vitest `provide`/`inject`), so no test file spawns a probe
 * while tests are collected. Outside that setup (another config), the first question probes, once per worker.
 */
import { spawnSync } from 'node:child_process';
import { inject } from 'vitest';

export const TOOL_NAMES = ['tshark', 'tcpdump', 'redis-server', 'clang', 'wasm-ld', 'suricata'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export type ToolPresence = Record<ToolName, boolean>;

declare module 'vitest' {
  export interface ProvidedContext {
    netsieveTools: ToolPresence;
  }
}

/**
 * Runs `<tool> --version`: present when it exits 0 (ENOENT or any failure: absent). Suricata answers `-V`,
 * and counts only in version 7: the differential tests' recorded answers are Suricata 7.0.10's.
 */
export function probeTool(name: ToolName): boolean {
  if (name === 'suricata') {
    const r = spawnSync(name, ['-V'], { encoding: 'utf8', timeout: 30_000 });
    return r.status === 0 && /version 7\./.test(r.stdout);
  }
  return spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** `NETSIEVE_TEST_TOOLS=none` makes every tool count as absent (the unit tier: vitest.unit.config.ts). */
export const TOOLS_ENV = 'NETSIEVE_TEST_TOOLS';

export function probeTools(): ToolPresence {
  const none = process.env[TOOLS_ENV] === 'none';
  return Object.fromEntries(TOOL_NAMES.map((n) => [n, !none && probeTool(n)])) as ToolPresence;
}

let cached: ToolPresence | undefined;

/** Whether `name` can be run here. */
export function toolPresent(name: ToolName): boolean {
  if (cached === undefined) {
    let provided: ToolPresence | undefined;
    try {
      provided = inject('netsieveTools');
    } catch {
      provided = undefined; // not inside a vitest worker
    }
    cached = provided ?? probeTools();
  }
  return cached[name];
}

/** The reason a test that needs `name` is skipped. */
export const toolAbsent = (name: ToolName): string => `${name} not installed`;

export type ToolRun = { absent: true } | { absent: false; stdout: Buffer; stderr: string; status: number };

/**
 * Runs a tool and tells "not installed" (the executable is not found: ENOENT) apart from everything else.
 * A tool that is installed but fails (rejects its input, crashes, exits non-zero when `okStatus` does not
 * allow it) throws with its stderr: that is a finding, never a reason to skip.
 */
export function runTool(
  name: ToolName | string,
  args: string[],
  opts: { okStatus?: number[]; maxBuffer?: number } = {},
): ToolRun {
  const r = spawnSync(name, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: opts.maxBuffer ?? 1 << 28 });
  if (r.error !== undefined) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') return { absent: true };
    throw new Error(`${name} ${args.join(' ')}: ${r.error.message}`);
  }
  const stderr = r.stderr.toString('utf8');
  const ok = opts.okStatus ?? [0];
  if (r.status === null || !ok.includes(r.status)) {
    throw new Error(`${name} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${stderr.trim()}`);
  }
  return { absent: false, stdout: r.stdout, stderr, status: r.status };
}
