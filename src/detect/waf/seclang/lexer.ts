/**
 * The text layer of SecLang: a configuration file into directives (comments, blank lines, `\` continuation
 * lines), and one directive into its name and arguments, quoted as Apache's configuration reader quotes them
 * (ModSecurity v2 reads its directives through it and v3 follows it).
 *
 * Quoting: an argument is a run of non-blank characters, or text between double (or single) quotes. Inside
 * quotes, `\"` is a quote that does not end the argument and loses its backslash; every other backslash is
 * kept as written, because the arguments are mostly regexes (`\d`, `\\`). A `\\` pair is read as a pair, so
 * the second backslash never escapes the character after it (`"a\\"` ends at its last quote), as ModSecurity
 * v3's scanner reads it (Apache's reader would take that quote as escaped; CRS never writes `\\"`).
 */

/** Why a directive, a rule or one of its parts was refused; caught by the loader, never thrown out of it. */
export class SecLangError extends Error {
  /** The directive, action, operator or variable at fault. */
  readonly keyword: string;

  constructor(keyword: string, message: string) {
    super(message);
    this.name = 'SecLangError';
    this.keyword = keyword;
  }
}

/** Longest directive accepted (continuation lines joined). CRS's longest rule is about 20,000 characters. */
export const MAX_DIRECTIVE_LENGTH = 1 << 20;

export interface DirectiveSource {
  text: string;
  /** 1-based line of the directive's first line. */
  line: number;
}

/** Splits a file into directives: blank lines and `#` comments go, lines ending with `\` join the next one. */
export function splitDirectives(fileText: string): DirectiveSource[] {
  const out: DirectiveSource[] = [];
  const lines = fileText.split(/\r?\n/);
  let pending: string | null = null;
  let pendingLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (pending === null) {
      const t = raw.trim();
      if (t === '' || t.startsWith('#')) continue;
      pendingLine = i + 1;
      pending = '';
    }
    const trimmedEnd = raw.replace(/[ \t]+$/, '');
    if (trimmedEnd.endsWith('\\')) {
      // The backslash goes and the next line follows directly, its leading blanks kept (as Apache joins them).
      pending += trimmedEnd.slice(0, -1);
      if (i + 1 < lines.length) continue;
    } else pending += raw;
    out.push({ text: pending.trim(), line: pendingLine });
    pending = null;
  }
  if (pending !== null && pending.trim() !== '') out.push({ text: pending.trim(), line: pendingLine });
  return out;
}

/** A directive's name and its arguments (unquoted). Throws SecLangError on an unclosed quote. */
export function splitArguments(text: string): { name: string; args: string[] } {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let out = '';
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = text[j]!;
        if (d === '\\' && j + 1 < n) {
          const e = text[j + 1]!;
          if (e === c) out += e;
          else out += d + e;
          j += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          j++;
          break;
        }
        out += d;
        j++;
      }
      if (!closed) throw new SecLangError(words[0] ?? 'directive', 'a quoted argument is not closed');
      words.push(out);
      i = j;
      continue;
    }
    let j = i;
    while (j < n && text[j] !== ' ' && text[j] !== '\t') j++;
    words.push(text.slice(i, j));
    i = j;
  }
  const name = words.shift() ?? '';
  return { name, args: words };
}
