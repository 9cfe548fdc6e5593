/**
 * A structural check of a pcre expression at load time, for the faults PCRE2 itself refuses when Suricata
 * compiles the rule: unbalanced parentheses, an unterminated class, `{n,m}` with n > m, a quantifier with
 * nothing to repeat (at the start, after `(` or `|`), an unknown letter escape (`\i`; PCRE2 knows no
 * `\F \L \l \U \u`), a trailing backslash.
 *
 * It is deliberately not a PCRE parser: whatever it lets through is compiled later by the matcher (netsieve's
 * engine, or V8's RegExp after the prefilter), which reports what this check misses. It never refuses a
 * well-formed expression, so when in doubt it accepts: with flag `x` (comments and free spacing) only the
 * escapes are checked.
 */

/** Letters PCRE2 accepts after a backslash (outside and inside classes). */
const LETTER_ESCAPES = new Set('aAbBcCdDeEfgGhHkKnNoprRsStvVwWxXzZPQ'.split(''));

/** Returns why the expression is malformed, or null when it passes the check. */
export function checkPcre(source: string, flags: string): string | null {
  const extended = flags.includes('x');
  let depth = 0;
  // Whether a quantifier here would have nothing to repeat.
  let nothing = true;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) return 'the expression ends with a backslash';
      if (n === 'Q') {
        // \Q...\E: literal text.
        const end = source.indexOf('\\E', i + 2);
        i = end < 0 ? source.length : end + 1;
        nothing = false;
        continue;
      }
      if (/[A-Za-z]/.test(n) && !LETTER_ESCAPES.has(n)) return `"\\${n}" is not an escape PCRE knows`;
      i++;
      nothing = false;
      continue;
    }
    if (extended) continue;
    if (c === '[') {
      const end = classEnd(source, i);
      if (typeof end === 'string') return end;
      i = end;
      nothing = false;
      continue;
    }
    if (c === '(') {
      if (source.startsWith('(?#', i)) {
        const end = source.indexOf(')', i);
        if (end < 0) return 'a (?# comment is not closed';
        i = end;
        continue;
      }
      depth++;
      // After "(?" the group syntax follows; only a plain "(" leaves nothing to repeat.
      nothing = source[i + 1] !== '?';
      if (!nothing) i++;
      continue;
    }
    if (c === ')') {
      if (depth === 0) return 'a ")" without its "("';
      depth--;
      nothing = false;
      continue;
    }
    if (c === '|') {
      nothing = true;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (nothing) return `the quantifier "${c}" has nothing to repeat`;
      // A following ? or + makes it lazy or possessive; skip it.
      if (source[i + 1] === '?' || source[i + 1] === '+') i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i));
      if (m !== null && (m[1] !== '' || m[3] !== '')) {
        if (m[1] !== '' && m[2] === ',' && m[3] !== '' && Number(m[1]) > Number(m[3]))
          return `the repeat ${m[0]} has its numbers out of order`;
        if (nothing && m[1] !== '') return `the quantifier ${m[0]} has nothing to repeat`;
        i += m[0].length - 1;
        if (source[i + 1] === '?' || source[i + 1] === '+') i++;
        continue;
      }
    }
    // Anything else is an atom (or an anchor; "^*" is left to the compiler rather than refused here).
    nothing = false;
  }
  if (depth > 0) return `${depth} "(" without its ")"`;
  return null;
}

/** The index of the `]` closing the class that opens at `start`, or why it does not close. */
function classEnd(source: string, start: number): number | string {
  let i = start + 1;
  if (source[i] === '^') i++;
  // A "]" first in the class is a member.
  if (source[i] === ']') i++;
  for (; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) return 'the expression ends with a backslash';
      if (/[A-Za-z]/.test(n) && !LETTER_ESCAPES.has(n)) return `"\\${n}" is not an escape PCRE knows`;
      i++;
      continue;
    }
    if (c === '[' && source[i + 1] === ':') {
      // A POSIX class [:alpha:] inside the class.
      const end = source.indexOf(':]', i + 2);
      if (end > 0) {
        i = end + 1;
        continue;
      }
    }
    if (c === ']') return i;
    // A range of two plain characters must go up ("Z-A" is refused by PCRE2).
    const hi = source[i + 2];
    if (
      source[i + 1] === '-' &&
      hi !== undefined &&
      hi !== ']' &&
      hi !== '\\' &&
      hi !== '[' &&
      hi.charCodeAt(0) < c.charCodeAt(0)
    )
      return `the class range "${c}-${hi}" is out of order`;
  }
  return 'a "[" class is not closed';
}
