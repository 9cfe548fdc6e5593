/**
 * Scanning a pattern set in one mode and chunking, and Hyperscan's reports, in one comparable form: sorted
 * unique "id:from:to" strings, `from` only for L patterns. Shared by the differential tests.
 */
import { expect } from 'vitest';
import { compile, type CompileOptions, type MatchHandler, type PatternSpec, type ScanMode } from '../../src/regex/database.js';
import type { HsMatch } from './hyperscan-reference.js';

/** Every report of one scan. */
export function scanNs(
  specs: readonly PatternSpec[],
  mode: ScanMode,
  data: Uint8Array,
  chunks: number[],
  options: Omit<CompileOptions, 'mode'> = {},
): string[] {
  const db = compile(specs, { ...options, mode });
  const leftmost = new Set(specs.filter((s) => (s.flags ?? '').includes('L')).map((s) => s.id));
  const got: string[] = [];
  const cb: MatchHandler = (id, from, to) => void got.push(`${id}:${leftmost.has(id) ? from : '?'}:${to}`);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const n of chunks) {
    parts.push(data.subarray(at, at + n));
    at += n;
  }
  if (mode === 'block') db.scan(data, cb);
  else if (mode === 'vectored') db.scanVector(parts, cb);
  else {
    const s = db.openStream();
    for (const p of parts) s.scan(p, cb);
    s.close(cb);
    s.free();
  }
  db.free();
  // Each (id, end) once: a duplicate is a defect (Hyperscan's own duplicates are removed below).
  expect(new Set(got).size, JSON.stringify({ specs, mode, got: got.slice(0, 50) })).toBe(got.length);
  return got.sort();
}

/**
 * Hyperscan's reports in the same form. Its streams sometimes report one end twice (again at close, or with
 * a later start as well as the leftmost one); each (id, end) is kept once, with the leftmost start, which is
 * what its block mode reports.
 */
export function fromHs(specs: readonly PatternSpec[], ms: HsMatch[]): string[] {
  const leftmost = new Set(specs.filter((s) => (s.flags ?? '').includes('L')).map((s) => s.id));
  const starts = new Map<string, number>();
  for (const [id, from, to] of ms) {
    const key = `${id}:${to}`;
    starts.set(key, Math.min(from, starts.get(key) ?? Infinity));
  }
  return [...starts]
    .map(([key, from]) => {
      const [id, to] = key.split(':');
      return `${id}:${leftmost.has(Number(id)) ? from : '?'}:${to}`;
    })
    .sort();
}

/** Seeded chunk lengths summing to `length`, each below `most` (empty chunks included; at least one chunk). */
export function randomChunks(rand: () => number, length: number, most = length > 20 ? 40 : 4): number[] {
  const out: number[] = [];
  for (let at = 0; at < length; ) {
    const n = Math.min(length - at, Math.floor(rand() * most));
    out.push(n);
    at += n;
  }
  if (out.length === 0) out.push(0);
  return out;
}
