/**
 * Which external tools the differential tests can use. test/support/global-setup.ts probes them once per
 * run and hands the answer to every test file (vitest `provide`/`inject`), so no test file spawns a probe
 * while tests are collected. Outside that setup (another config), the first question probes, once per worker.
 */
import { spawnSync } from 'node:child_process';
import { inject } from 'vitest';

export const TOOL_NAMES = ['tshark', 'tcpdump', 'redis-server', 'clang', 'wasm-ld'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export type ToolPresence = Record<ToolName, boolean>;

declare module 'vitest' {
  export interface ProvidedContext {
    netsieveTools: ToolPresence;
  }
}

/** Runs `<tool> --version`: present when it exits 0 (ENOENT or any failure: absent). */
export function probeTool(name: ToolName): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

export function probeTools(): ToolPresence {
  return Object.fromEntries(TOOL_NAMES.map((n) => [n, probeTool(n)])) as ToolPresence;
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
