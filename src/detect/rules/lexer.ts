/**
 * The text layer of the rule language: a rules file into rules (comments, blank lines, continuation lines),
 * and one rule into its header words and its `name:value;` options, with Suricata's escaping.
 *
 * Escaping, as Suricata applies it: inside the option list a backslash makes the next character ordinary, so
 * `\;` does not end an option and `\"` does not end a quoted value. Quotes do not protect a `;`: Suricata
 * requires `\;` (or `|3B|` in content) even inside quotes, and so does netsieve. Values then turn the four
 * escapes Suricata defines (`\;` `\"` `\\` `\:`) into their characters (values.ts for content, which
 * refuses any other escape; `stringValue` here for msg and the like, which keeps others as written).
 */
import { RuleError } from './rule-error.js';

/** Longest rule text accepted (continuation lines joined). Suricata's own line buffer is of this order. */
export const MAX_RULE_LENGTH = 65536;

/** One rule as found in a file. */
export interface RuleSource {
  text: string;
  /** 1-based line of the rule's first line. */
  line: number;
}

/** Splits a rules file into rules: skips blank lines and `#` comments, joins lines ending with `\`. */
export function splitRules(fileText: string): RuleSource[] {
  const out: RuleSource[] = [];
  const lines = fileText.split(/\r?\n/);
  let pending = '';
  let pendingLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (pending === '') {
      const t = raw.trim();
      if (t === '' || t.startsWith('#')) continue;
      pendingLine = i + 1;
    }
    const trimmedEnd = raw.replace(/\s+$/, '');
    if (trimmedEnd.endsWith('\\') && !trimmedEnd.endsWith('\\\\')) {
      // A continuation: the backslash goes, the next line follows directly (as Suricata joins them).
      pending += trimmedEnd.slice(0, -1);
      if (i + 1 < lines.length) continue;
    } else pending += raw;
    out.push({ text: pending.trim(), line: pendingLine });
    pending = '';
  }
  if (pending.trim() !== '') out.push({ text: pending.trim(), line: pendingLine });
  return out;
}

/** A rule's option as written: `name` (lower case) and its raw value (undefined when there is no `:`). */
export interface RawOption {
  name: string;
  value: string | undefined;
}

export interface RawRule {
  /** The header's words: action, protocol, source, source ports, direction, destination, destination ports. */
  header: string[];
  options: RawOption[];
}

/** Splits a rule into header words and options. Throws RuleError('syntax') when the shape is wrong. */
export function splitRule(text: string): RawRule {
  if (text.length > MAX_RULE_LENGTH) throw new RuleError('too-large', `the rule is longer than ${MAX_RULE_LENGTH} characters`);
  const open = text.indexOf('(');
  if (open < 0) throw new RuleError('syntax', 'no option list: a rule is "action proto src sport -> dst dport (options)"');
  if (!text.endsWith(')')) throw new RuleError('syntax', 'the option list does not end with ")"');
  if (open === 0 || (text[open - 1] !== ' ' && text[open - 1] !== '\t'))
    throw new RuleError('syntax', 'the option list must be separated from the header by a space');
  const header = splitHeader(text.slice(0, open));
  const body = text.slice(open + 1, -1);
  const options: RawOption[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (escaped && i === body.length) throw new RuleError('syntax', 'the option list ends with a lone backslash');
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === '\\') {
      escaped = true;
      continue;
    }
    if (c !== ';' && i < body.length) continue;
    const part = body.slice(start, i).trim();
    start = i + 1;
    if (part === '') {
      // Only the end may be empty: `;;` is refused by Suricata as an unknown keyword ''.
      if (i < body.length) throw new RuleError('syntax', 'an empty option (";;")');
      continue;
    }
    if (i === body.length) throw new RuleError('syntax', `the last option "${part}" has no terminating ";"`);
    const colon = part.indexOf(':');
    if (colon < 0) options.push({ name: part.toLowerCase(), value: undefined });
    else options.push({ name: part.slice(0, colon).trim().toLowerCase(), value: part.slice(colon + 1).trim() });
  }
  return { header, options };
}

/** Header words, keeping `[ ... ]` lists whole even when they hold spaces. */
function splitHeader(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of text) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0) throw new RuleError('syntax', 'a "]" without its "["');
    if ((c === ' ' || c === '\t') && depth === 0) {
      if (cur !== '') words.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0) throw new RuleError('syntax', 'a "[" without its "]"');
  if (cur !== '') words.push(cur);
  return words;
}

/**
 * The text between the quotes of a quoted value (escapes kept), and whether it was quoted. Refuses an
 * unterminated quote and text after the closing quote.
 */
export function unquote(keyword: string, value: string): { text: string; quoted: boolean } {
  if (!value.startsWith('"')) return { text: value, quoted: false };
  let escaped = false;
  for (let i = 1; i < value.length; i++) {
    const c = value[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === '"') {
      if (value.slice(i + 1).trim() !== '') throw new RuleError('syntax', `${keyword}: text after the closing quote`, keyword);
      return { text: value.slice(1, i), quoted: true };
    }
  }
  throw new RuleError('syntax', `${keyword}: the quote is not closed`, keyword);
}

/**
 * A quoted-or-not string value (msg, reference, metadata). Suricata's four escapes become their characters;
 * any other backslash is kept as written, as Suricata keeps it in a msg (`\d` in an ET msg quoting a regex).
 */
export function stringValue(keyword: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new RuleError('invalid-value', `${keyword}: needs a value`, keyword);
  return unescapeLoose(unquote(keyword, value).text);
}

/** Suricata's four escapes to their characters; any other backslash stays as written. */
export function unescapeLoose(text: string): string {
  return text.replace(/\\([;"\\:])/g, '$1');
}
