/** Helpers shared by the pattern-parser tests. */
import { expect } from 'vitest';
import { ByteSet } from '../../src/regex/ast.js';
import type { RegexNode } from '../../src/regex/ast.js';
import { isNetsieveError } from '../../src/errors.js';
import type { NetsieveError } from '../../src/errors.js';
import { parsePattern } from '../../src/regex/syntax.js';
import { interpretMatches } from './oracle.js';

export const ID = 42;

export function ast(expression: string, flags = ''): RegexNode {
  return parsePattern(expression, flags, ID).ast;
}

/** The bytes of a pattern that must parse to one set. */
export function bytesOf(expression: string, flags = ''): number[] {
  const node = ast(expression, flags);
  if (node.kind !== 'set') throw new Error(`${JSON.stringify(expression)} parsed to ${node.kind}, not a set`);
  return node.set.bytes();
}

/** Bytes as a string (latin1), for readable set comparisons: `chars('a-c')`. */
export function chars(...parts: (string | [number, number])[]): number[] {
  const out = new Set<number>();
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.add(ch.charCodeAt(0));
    else for (let b = p[0]; b <= p[1]; b++) out.add(b);
  }
  return [...out].sort((a, b) => a - b);
}

/** Every byte not in `bytes`. */
export function complementOf(bytes: number[]): number[] {
  const s = new Set(bytes);
  const out: number[] = [];
  for (let b = 0; b < 256; b++) if (!s.has(b)) out.push(b);
  return out;
}

export function set(...bytes: number[]): RegexNode {
  return { kind: 'set', set: ByteSet.of(...bytes) };
}

export function lit(text: string): RegexNode[] {
  return Array.from(text, (ch) => set(ch.charCodeAt(0)));
}

/** The NetsieveError `parsePattern` throws (fails the test if it returns or throws anything else). */
export function refusal(expression: string, flags = ''): NetsieveError {
  try {
    parsePattern(expression, flags, ID);
  } catch (e) {
    expect(isNetsieveError(e), `non-NetsieveError from ${JSON.stringify(expression)}: ${String(e)}`).toBe(true);
    const err = e as NetsieveError;
    expect(err.code).toBe('NS_ERR_PATTERN');
    expect(err.pattern).toBe(ID);
    return err;
  }
  throw new Error(`${JSON.stringify(expression)} /${flags} was accepted`);
}

/** The end offsets where the pattern matches `text` (latin1), via the AST interpreter. */
export function endsIn(expression: string, flags: string, text: string): number[] {
  const data = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
  return interpretMatches(parsePattern(expression, flags, ID), data).map((m) => m.end);
}

/** True when the pattern matches the whole of `text` (and not merely a part). */
export function matchesWhole(expression: string, flags: string, text: string): boolean {
  const data = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
  return interpretMatches(parsePattern(expression, flags, ID), data).some((m) => m.end === text.length && m.start === 0);
}

/**
 * Structural invariants every parsed AST keeps: the simplifications syntax-nodes.ts promises, bounds in
 * range, and no node a compiler would have to special-case. Throws on the first violation (plain checks
 * rather than expect(), so the fuzz tests can call it many thousand times); returns the node count.
 */
export function checkWellFormed(node: RegexNode): number {
  const bad = (why: string): never => {
    throw new Error(`malformed AST (${why}): ${JSON.stringify(node).slice(0, 200)}`);
  };
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return 1;
    case 'set':
      if (!(node.set instanceof ByteSet) || node.set.words.length !== 8) bad('set is not a ByteSet');
      return 1;
    case 'concat': {
      if (node.items.length < 2) bad('concat of fewer than 2 items');
      let n = 1;
      for (const item of node.items) {
        if (item.kind === 'concat' || item.kind === 'empty') bad(`${item.kind} inside concat`);
        n += checkWellFormed(item);
      }
      return n;
    }
    case 'alt': {
      if (node.items.length < 2) bad('alt of fewer than 2 items');
      let n = 1;
      let empties = 0;
      for (const item of node.items) {
        if (item.kind === 'alt') bad('alt inside alt');
        if (item.kind === 'empty') empties++;
        n += checkWellFormed(item);
      }
      if (empties > 1) bad('two empty alternatives');
      return n;
    }
    case 'repeat':
      if (!Number.isInteger(node.min) || node.min < 0) bad('bad min');
      if (!(node.max >= node.min) || node.max === 0) bad('bad max');
      if (node.max !== Infinity && !Number.isInteger(node.max)) bad('bad max');
      if (node.min === 1 && node.max === 1) bad('x{1} not unwrapped');
      if (node.item.kind === 'empty') bad('repeat of empty');
      if (typeof node.greedy !== 'boolean') bad('greedy is not a boolean');
      return 1 + checkWellFormed(node.item);
  }
}
