/**
 * A rule's operator: `"@rx ^a"`, `"!@eq 0"`, `"^a"` (no `@`: `@rx`), `"@pmFromFile unix-shell.data"`. Phrase
 * files are read here, relative to the rule file's folder, as ModSecurity resolves them.
 */
import path from 'node:path';
import { SecLangError } from './lexer.js';
import type { SecOperator } from './model.js';

/** Operators netsieve accepts, by ModSecurity's spelling (matched case-insensitively). */
export const OPERATORS: readonly string[] = [
  'rx',
  'pm',
  'pmFromFile',
  'pmf',
  'contains',
  'containsWord',
  'beginsWith',
  'endsWith',
  'streq',
  'within',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ipMatch',
  'validateByteRange',
  'validateUrlEncoding',
  'validateUtf8Encoding',
  'detectSQLi',
  'detectXSS',
  'unconditionalMatch',
];

export const OPERATOR_NAMES: ReadonlyMap<string, string> = new Map(OPERATORS.map((o) => [o.toLowerCase(), o]));

const NUMERIC: ReadonlySet<string> = new Set(['eq', 'ge', 'gt', 'le', 'lt']);

/** Most phrases kept from one operator's files (a cap on what a rule file can make the loader read). */
export const MAX_PHRASES = 1_000_000;

export interface OperatorContext {
  /** Folder that relative phrase-file names are resolved against. */
  baseDir: string;
  /** Reads a file (tests replace it); returns null when it cannot be read. */
  readFile: (file: string) => string | null;
  /** Files read, appended to. */
  files: string[];
}

/**
 * Phrases of a phrase file: one per line, `\r` at the end dropped, blank lines and lines whose first non-blank
 * character is `#` skipped. The rest is kept as written (leading and trailing blanks included).
 */
export function phrasesOf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

/** Parses the operator argument of a SecRule. Throws SecLangError naming the operator at fault. */
export function parseOperator(text: string, ctx: OperatorContext): SecOperator {
  let s = text;
  let negated = false;
  if (s.startsWith('!')) {
    negated = true;
    s = s.slice(1);
  }
  let name = 'rx';
  let param = s;
  if (s.startsWith('@')) {
    const m = /^@([A-Za-z0-9_]+)(?:[ \t]+([\s\S]*))?$/.exec(s);
    if (m === null) throw new SecLangError(s.slice(0, 20), `operator "${s.slice(0, 20)}": no name`);
    const canonical = OPERATOR_NAMES.get(m[1]!.toLowerCase());
    if (canonical === undefined) throw new SecLangError(`@${m[1]}`, `operator @${m[1]} is not supported`);
    name = canonical;
    param = m[2] ?? '';
  }
  const op: SecOperator = { name, negated, param, phrases: null, number: null, macro: null };
  if (NUMERIC.has(name)) {
    const p = param.trim();
    const macro = /^%\{([A-Za-z0-9_.:-]+)\}$/.exec(p);
    if (macro !== null) op.macro = macro[1]!.toLowerCase();
    else if (/^[+-]?\d+$/.test(p)) op.number = Number(p);
    else throw new SecLangError(`@${name}`, `@${name}: "${p}" is neither an integer nor one macro`);
  } else if (name === 'pm') {
    op.phrases = param.split(/[ \t]+/).filter((w) => w !== '');
    if (op.phrases.length === 0) throw new SecLangError('@pm', '@pm: no phrase');
  } else if (name === 'pmFromFile' || name === 'pmf') {
    const names = param.split(/[ \t]+/).filter((w) => w !== '');
    if (names.length === 0) throw new SecLangError(`@${name}`, `@${name}: no file`);
    const phrases: string[] = [];
    for (const f of names) {
      if (/^https?:/i.test(f)) throw new SecLangError(`@${name}`, `@${name}: remote phrase files (${f}) are not supported`);
      const full = path.resolve(ctx.baseDir, f);
      const data = ctx.readFile(full);
      if (data === null) throw new SecLangError(`@${name}`, `@${name}: cannot read ${full}`);
      ctx.files.push(full);
      for (const p of phrasesOf(data)) {
        if (phrases.length >= MAX_PHRASES) throw new SecLangError(`@${name}`, `@${name}: more than ${MAX_PHRASES} phrases`);
        phrases.push(p);
      }
    }
    op.phrases = phrases;
  } else if (name === 'rx' && param === '') {
    // An empty @rx matches everything in ModSecurity; kept, the evaluator treats it so.
  } else if (name === 'validateByteRange' && !/^\s*\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*\s*$/.test(param)) {
    throw new SecLangError('@validateByteRange', `@validateByteRange: bad range list "${param}"`);
  }
  return op;
}
