/**
 * The pattern parser: a Hyperscan expression (PCRE syntax, byte mode) and its flags string become a
 * `ParsedPattern` (see ast.ts) with case folding, `.`, anchors and inline options resolved.
 *
 * The data is bytes. With flag `8` (Hyperscan's HS_FLAG_UTF8) a non-ASCII character written in a pattern
 * (`é`, `日`, `😀`) stands for its UTF-8 bytes, as one item (`é+` repeats both bytes); in a class it is one
 * more alternative (`[aé]` is `(?:a|\xc3\xa9)`). A range or a negated class over such characters is refused
 * (byte sets cannot express them). Without `8` a non-ASCII character is an error naming its position: it
 * never silently becomes a Latin-1 byte. Escapes (`\xe9`) stay single bytes either way, and caseless
 * matching folds ASCII letters only.
 *
 * The dialect is the subset of PCRE that Hyperscan accepts (its "Pattern Support" page; PCRE 8.41 is the
 * version Hyperscan validates against). Everything else is refused with NS_ERR_PATTERN, the pattern id, the
 * character position where the problem starts, and a message that names the construct and, where there is
 * one, what to write instead. Nothing here throws anything but NetsieveError, whatever the input.
 *
 * Where PCRE and Hyperscan leave a choice, the choice is written next to the code that makes it; the
 * deliberate departures from Hyperscan are:
 * - `\N` (any byte but `\n`) is accepted; Hyperscan refuses it. It is plain PCRE and trivially regular.
 * - `x{0}` and `x{0,0}` are accepted as "nothing" (PCRE's reading); Hyperscan says "Invalid repeat".
 * - Unknown letter escapes (`\y`) are refused; PCRE 8.x and Hyperscan read them as the letter, which hides typos.
 * - Embedded anchors that can never hold (`a^b`, `a\Ab`) are accepted as patterns that never match;
 *   Hyperscan refuses them ("Embedded anchors not supported").
 * - `H` and `L` together are accepted; Hyperscan refuses SINGLEMATCH with SOM_LEFTMOST, netsieve's engine
 *   does not need to.
 *
 * With flag `P` (prefilter mode, HS_FLAG_PREFILTER) the PCRE constructs Hyperscan's prefilter mode
 * accepts (backreferences, lookaround, atomic groups, possessive quantifiers, conditionals, `\X`, and `\K`) are
 * read and replaced by a superset as they are parsed (approximate.ts says how), and the pattern records
 * which kinds it replaced. Without `P` each is refused at its position, with a message saying that `P`
 * would approximate it. Departures from Hyperscan's prefilter mode: `\K` is accepted (Hyperscan refuses it
 * in every mode), `P` with `L` is accepted (Hyperscan refuses the combination), a backreference to a group
 * that may not have taken part is made optional (V8 matches the empty string there; Hyperscan's copy is not
 * optional), and a group of up to `MAX_COPIED_GROUP` positions is copied (Hyperscan copies single-position
 * groups only and uses `.*` otherwise).
 *
 * Numbered escapes follow PCRE: `\1`..`\7` are always backreferences, `\8`, `\9` and `\10`.. are
 * backreferences when at least that many groups opened before them, else octal (`\12` is `\n`) or, for
 * `\8` and `\9`, the digit itself. (Hyperscan always reads `\8` and `\9` as digits.)
 *
 * The parser is a loop over an explicit stack of open groups, never recursion, so nesting depth is a
 * limit with an error (`PATTERN_LIMITS.maxNesting`), not a stack overflow.
 */
import { NetsieveError } from '../errors.js';
import { ByteSet } from './ast.js';
import type { Assertion, ParsedPattern, PatternFlags, RegexNode } from './ast.js';
import { classEscapeSet, dotSet, foldCase, isPosixClassName, posixClassSet } from './syntax-sets.js';
import { matchesEmptyUnconditionally } from './empty.js';
import { altNode, assertNode, concatNode, emptyNode, repeatCopies, repeatNode, setNode } from './syntax-nodes.js';
import {
  anyBytes,
  type Approximation,
  copyForReference,
  MAX_COPIED_GROUP,
  orderedApproximations,
  PREFILTER_WIDEN_ABOVE,
} from './approximate.js';

export { isNullable, expandedSize } from './syntax-nodes.js';

/**
 * Caps on what one pattern may cost. Each is hit with an NS_ERR_PATTERN that names it.
 * - `maxExpressionLength`: characters in the expression. Snort/Suricata rule sets top out at a few KiB.
 * - `maxNesting`: open groups at once. PCRE2's default is 250; a hostile `((((...` must fail cleanly.
 * - `maxRepeatBound`: the largest n or m in `{n}`, `{n,}`, `{n,m}`. Hyperscan's ceiling for single-byte
 *   repeats is 32767 and it refuses far less for wider ones; netsieve expands repeats, so it stays lower.
 * - `maxExpandedSize`: the pattern's size with every repeat multiplied out (see `expandedSize`): one per
 *   set or assertion. `(a{1000}){1000}` is 1,000,000 and is refused here rather than in the compiler. The
 *   count is taken as the pattern is read, so a part over the cap is refused even if a later `{0}` would
 *   have thrown it away.
 */
export const PATTERN_LIMITS = Object.freeze({
  maxExpressionLength: 65536,
  maxNesting: 1000,
  maxRepeatBound: 10000,
  maxExpandedSize: 100_000,
});

/** Options that `(?imsx)` switch inside the pattern. */
interface Mode {
  caseless: boolean;
  dotall: boolean;
  multiline: boolean;
  extended: boolean;
}

/** What the last item of the current branch is, which decides whether a quantifier may follow it. */
enum Last {
  /** Start of a branch, or right after an option setting `(?i)`: nothing to repeat. */
  None,
  /** A set or a group. */
  Atom,
  /** An anchor or `\b`/`\B`. */
  Assertion,
  /** Something already quantified. */
  Quantified,
}

/**
 * What closing a group pushes: `group` its alternation; under P, `assertion` (a positive lookaround) and
 * `discard` (a negative one, the condition of a conditional, `(?(DEFINE)...)`) nothing that consumes a
 * byte, `conditional` its yes|no branches, at most two. A positive lookaround that holds keeps the
 * captures made inside it, so a group there can be certainly set (see certainlySet); a negative one never
 * keeps any.
 */
type FrameKind = 'group' | 'assertion' | 'discard' | 'conditional';

/** One open group (or the whole pattern at the bottom of the stack). */
interface Frame {
  kind: FrameKind;
  /** The capturing group's number, 0 when the group does not capture. */
  capture: number;
  /** Once a `group` or `assertion` frame is closed: the frame its node went into, and where (see certainlySet). */
  placed: Placement | undefined;
  /** Set at its `)`; the frames not closed are the current one and those on the stack. */
  closed: boolean;
  /** Finished alternatives of this group. */
  branches: RegexNode[];
  branchesSize: number;
  /** Items of the alternative being read, with their expanded sizes. */
  items: RegexNode[];
  sizes: number[];
  itemsSize: number;
  last: Last;
  /** The options in force when the group opened, restored at its `)`. */
  saved: Mode;
  /** Position of the `(`; -1 for the whole pattern. */
  open: number;
}

const FLAG_NAMES: Readonly<Record<string, string>> = {
  W: 'Unicode properties (HS_FLAG_UCP); with flag 8 alone, \\w \\d \\s \\b and POSIX classes stay ASCII',
  Q: 'quiet (HS_FLAG_QUIET)',
  C: 'logical combinations (HS_FLAG_COMBINATION)',
  O: 'ordered matches (a Hyperscan test-tool option)',
};

/**
 * Parses a Hyperscan flags string (`i s m H L V 8 P`, the letters of Hyperscan's own tools: `V` is
 * HS_FLAG_ALLOWEMPTY, `8` HS_FLAG_UTF8, `P` HS_FLAG_PREFILTER). Errors carry no position: it is not in the expression.
 */
function parseFlags(flags: string, id: number): PatternFlags {
  const out: PatternFlags = {
    caseless: false,
    dotall: false,
    multiline: false,
    singleMatch: false,
    leftmost: false,
    allowEmpty: false,
    utf8: false,
    prefilter: false,
  };
  const seen = new Set<string>();
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const where = `flag ${JSON.stringify(f)} (character ${i} of the flags ${JSON.stringify(flags)})`;
    if (seen.has(f)) throw new NetsieveError('NS_ERR_PATTERN', `${where} is given twice`, { pattern: id });
    seen.add(f);
    switch (f) {
      case 'i':
        out.caseless = true;
        break;
      case 's':
        out.dotall = true;
        break;
      case 'm':
        out.multiline = true;
        break;
      case 'H':
        out.singleMatch = true;
        break;
      case 'L':
        out.leftmost = true;
        break;
      case 'V':
        out.allowEmpty = true;
        break;
      case '8':
        out.utf8 = true;
        break;
      case 'P':
        out.prefilter = true;
        break;
      default: {
        const what = FLAG_NAMES[f];
        const msg =
          what !== undefined
            ? `${where}: netsieve does not support ${what}`
            : f === 'x'
              ? `${where} is not a Hyperscan flag; write (?x) at the start of the expression for extended syntax`
              : `${where} is not a known flag; netsieve accepts i, s, m, H, L, V, 8 and P`;
        throw new NetsieveError('NS_ERR_PATTERN', msg, { pattern: id });
      }
    }
  }
  return out;
}

/**
 * Parses one pattern. `expression` is the regex source (non-ASCII characters need flag `8` and stand for
 * their UTF-8 bytes), `flags` Hyperscan's flag letters, `id` the pattern id reported in errors.
 *
 * Throws NetsieveError NS_ERR_PATTERN (with `pattern: id` and, for expression errors, `position`) for bad
 * syntax, unsupported constructs, unsupported flags, a pattern that matches the empty string with no
 * assertion on the way and no flag `V` (Hyperscan's rule, see empty.ts), or a limit.
 */
export function parsePattern(expression: string, flags: string, id: number): ParsedPattern {
  const parsedFlags = parseFlags(flags, id);
  const parser = new PatternParser(expression, parsedFlags, id);
  const ast = parser.parse();
  if (!parsedFlags.allowEmpty && matchesEmptyUnconditionally(ast)) {
    throw new NetsieveError(
      'NS_ERR_PATTERN',
      'the pattern can match the empty string anywhere (Hyperscan\'s "Pattern matches empty buffer"), which ' +
        'reports a match at every offset; add flag V (HS_FLAG_ALLOWEMPTY) if that is meant, or make it ' +
        'consume a byte or pass an anchor (a+ rather than a*, ^a* rather than a*)',
      { pattern: id, position: 0 },
    );
  }
  return { ast, flags: parsedFlags, approximated: orderedApproximations(parser.approximated) };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isOctal(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Whitespace that extended mode (`(?x)`) skips: PCRE 8.x's C-locale isspace(). */
function isExtendedSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Where a closed group's node went: `parent.items[index]` (the branch being read when it closed). */
interface Placement {
  parent: Frame;
  index: number;
  node: RegexNode;
}

/** A closed capturing group, kept for the backreferences to it (prefilter mode). */
interface GroupRecord {
  node: RegexNode;
  /** Expanded size of `node`. */
  size: number;
  frame: Frame;
}

/** A backreference or condition naming a group that is not closed yet: checked at the end of the pattern. */
interface LaterReference {
  ref: number | string;
  position: number;
}

/** A character for a message: printable ASCII as itself, a byte as \xHH, a wider character as U+HHHH. */
function show(c: number): string {
  if (c > 0xff) return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return c >= 0x21 && c <= 0x7e ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
}

/** The UTF-8 encoding of a code point (no surrogates: parse() refuses lone ones, pairs arrive combined). */
export function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

/** For an escape above 0xff: how to match that character's UTF-8 bytes instead (when it is one). */
function charHint(cp: number): string {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '';
  return `; to match the character U+${cp.toString(16).toUpperCase().padStart(4, '0')} as UTF-8, write it as itself (${String.fromCodePoint(cp)})`;
}

/** A character's UTF-8 bytes as one node: the sequence of single-byte sets. */
function utf8Node(bytes: readonly number[]): RegexNode {
  return concatNode(bytes.map((b) => setNode(ByteSet.of(b))));
}

/** A class-body token (see `PatternParser.classToken`). */
interface ClassToken {
  /** `wide`: a non-ASCII character, `value` its code point (it stands for its UTF-8 bytes). */
  kind: 'char' | 'wide' | 'set' | 'hyphen' | 'close';
  value: number;
  set: ByteSet | undefined;
  pos: number;
  next: number;
  inQuote: boolean;
}

/** A single-byte escape read by `readByteEscape`. */
interface ByteEscape {
  value: number;
  next: number;
}

class PatternParser {
  private readonly src: string;
  private readonly id: number;
  private readonly len: number;
  private pos = 0;
  private mode: Mode;
  private frame: Frame;
  private readonly stack: Frame[] = [];
  /** Named groups' numbers. */
  private readonly groupNumbers = new Map<string, number>();
  /** Capturing groups opened so far (PCRE numbers them by their opening parenthesis). */
  private groupCount = 0;
  /** Closed capturing groups by number, for backreferences (prefilter mode). */
  private readonly groups: (GroupRecord | undefined)[] = [];
  private readonly laterReferences: LaterReference[] = [];
  /** Flag 8: non-ASCII characters are allowed and stand for their UTF-8 bytes. */
  private readonly utf8: boolean;
  /** Flag P: unsupported constructs are approximated (approximate.ts) instead of refused. */
  private readonly prefilter: boolean;
  /** What prefilter mode replaced so far. */
  readonly approximated = new Set<Approximation>();

  constructor(src: string, flags: PatternFlags, id: number) {
    this.src = src;
    this.id = id;
    this.utf8 = flags.utf8;
    this.prefilter = flags.prefilter;
    this.len = src.length;
    this.mode = { caseless: flags.caseless, dotall: flags.dotall, multiline: flags.multiline, extended: false };
    this.frame = this.newFrame(-1);
  }

  private fail(position: number, message: string): never {
    throw new NetsieveError('NS_ERR_PATTERN', message, { pattern: this.id, position });
  }

  private newFrame(open: number, kind: FrameKind = 'group', capture = 0): Frame {
    return {
      kind,
      capture,
      placed: undefined,
      closed: false,
      branches: [],
      branchesSize: 0,
      items: [],
      sizes: [],
      itemsSize: 0,
      last: Last.None,
      saved: { ...this.mode },
      open,
    };
  }

  /**
   * Without flag P, refuses `what` at `position` with a message that says how P would approximate it;
   * with P, records the approximation and returns.
   */
  private approximateOrFail(kind: Approximation, position: number, what: string, withP: string): void {
    if (!this.prefilter) this.fail(position, `${what} not supported; flag P (prefilter mode) would approximate it: ${withP}`);
    this.approximated.add(kind);
  }

  parse(): RegexNode {
    const { src, len } = this;
    if (len > PATTERN_LIMITS.maxExpressionLength) {
      this.fail(
        PATTERN_LIMITS.maxExpressionLength,
        `the expression is ${len} characters long, over the limit of ${PATTERN_LIMITS.maxExpressionLength}`,
      );
    }
    // A non-ASCII character stands for its UTF-8 bytes, with flag 8 only; a lone surrogate has none. Checked
    // up front so that the rest of the parser can take every code point as allowed and encodable.
    for (let i = 0; i < len; i++) {
      const c = src.charCodeAt(i);
      if (c >= 0x80 && !this.utf8) {
        const cp = src.codePointAt(i)!;
        this.fail(
          i,
          `non-ASCII character ${String.fromCodePoint(cp)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}): ` +
            `add flag 8 (HS_FLAG_UTF8) to match it as UTF-8 text, or write a byte as \\xHH`,
        );
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const paired = c <= 0xdbff && i + 1 < len && (src.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
        if (!paired)
          this.fail(i, `lone surrogate \\u${c.toString(16)} in the expression: it is not a character and has no UTF-8 encoding`);
        i++;
      }
    }

    while (this.pos < len) {
      const start = this.pos;
      const c = src.charCodeAt(start);
      if (this.mode.extended) {
        if (isExtendedSpace(c)) {
          this.pos++;
          continue;
        }
        if (c === 0x23 /* # */) {
          const nl = src.indexOf('\n', start);
          this.pos = nl < 0 ? len : nl + 1;
          continue;
        }
      }
      switch (c) {
        case 0x28 /* ( */:
          this.openGroup(start);
          break;
        case 0x29 /* ) */:
          this.closeGroup(start);
          break;
        case 0x7c /* | */:
          this.alternative(start);
          this.pos = start + 1;
          break;
        case 0x5b /* [ */:
          this.pushClass(start);
          break;
        case 0x2e /* . */:
          this.pushSet(dotSet(this.mode.dotall), start);
          this.pos = start + 1;
          break;
        case 0x5e /* ^ */:
          this.pushAssertion(this.mode.multiline ? 'line_start' : 'start', start);
          this.pos = start + 1;
          break;
        case 0x24 /* $ */:
          this.pushAssertion(this.mode.multiline ? 'line_end' : 'end_or_final_newline', start);
          this.pos = start + 1;
          break;
        case 0x5c /* \ */:
          this.parseEscape(start);
          break;
        case 0x2a /* * */:
          this.quantify(start, 0, Infinity, start + 1);
          break;
        case 0x2b /* + */:
          this.quantify(start, 1, Infinity, start + 1);
          break;
        case 0x3f /* ? */:
          this.quantify(start, 0, 1, start + 1);
          break;
        case 0x7b /* { */:
          if (!this.braceQuantifier(start)) {
            this.pushLiteral(c, start);
            this.pos = start + 1;
          }
          break;
        default:
          if (c >= 0x80) this.pos = this.pushUtf8Char(start);
          else {
            this.pushLiteral(c, start);
            this.pos = start + 1;
          }
      }
    }

    if (this.stack.length > 0) {
      this.fail(this.frame.open, 'missing ) for the group opened here');
    }
    for (const r of this.laterReferences) {
      const exists = typeof r.ref === 'number' ? r.ref <= this.groupCount : this.groupNumbers.has(r.ref);
      if (!exists) {
        this.fail(
          r.position,
          typeof r.ref === 'number'
            ? `reference to group ${r.ref}, but the pattern has ${this.groupCount === 1 ? 'one group' : `${this.groupCount} groups`}`
            : `reference to a group named "${r.ref}", but no group has that name`,
        );
      }
    }
    return this.finishFrame(this.frame, len);
  }

  // ---------------------------------------------------------------- items

  private pushItem(node: RegexNode, size: number, last: Last, position: number): void {
    const f = this.frame;
    f.items.push(node);
    f.sizes.push(size);
    f.itemsSize += size;
    f.last = last;
    this.checkSize(f.branchesSize + f.itemsSize, position);
  }

  private checkSize(size: number, position: number): void {
    if (size > PATTERN_LIMITS.maxExpandedSize) {
      this.fail(
        position,
        `the pattern is too large once its repeats are expanded (over ${PATTERN_LIMITS.maxExpandedSize} positions); ` +
          'use smaller repeat counts or split the pattern',
      );
    }
  }

  /** A set: folded when caseless is on. (Classes fold their own items before negating, see parseClass.) */
  private pushSet(set: ByteSet, position: number, alreadyFolded = false): void {
    if (this.mode.caseless && !alreadyFolded) foldCase(set);
    this.pushItem(setNode(set), 1, Last.Atom, position);
  }

  private pushLiteral(byte: number, position: number): void {
    this.pushSet(ByteSet.of(byte), position);
  }

  /**
   * Pushes the non-ASCII character at `position` as one item: the sequence of its UTF-8 bytes (bytes of
   * 0x80 and above, which case folding leaves alone). Returns the index after the character.
   */
  private pushUtf8Char(position: number): number {
    const cp = this.src.codePointAt(position)!;
    const bytes = utf8Bytes(cp);
    this.pushItem(utf8Node(bytes), bytes.length, Last.Atom, position);
    return position + (cp > 0xffff ? 2 : 1);
  }

  private pushAssertion(assertion: Assertion, position: number): void {
    this.pushItem(assertNode(assertion), 1, Last.Assertion, position);
  }

  private alternative(position: number): void {
    const f = this.frame;
    if (f.kind === 'conditional' && f.branches.length > 0) {
      this.fail(position, 'a conditional group has at most two alternatives: (?(condition)yes|no)');
    }
    f.branches.push(concatNode(f.items));
    f.branchesSize += f.itemsSize;
    f.items = [];
    f.sizes = [];
    f.itemsSize = 0;
    f.last = Last.None;
  }

  private finishFrame(f: Frame, position: number): RegexNode {
    f.branches.push(concatNode(f.items));
    const node = altNode(f.branches);
    this.checkSize(f.branchesSize + f.itemsSize, position);
    return node;
  }

  // ---------------------------------------------------------------- quantifiers

  /**
   * Applies `{min,max}` read from `start` (the quantifier's first character) to `next` (just after it) to
   * the last item, then reads a lazy `?` or a possessive `+` (greedy under P, refused without).
   */
  private quantify(start: number, min: number, max: number, next: number): void {
    const f = this.frame;
    const text = this.src.slice(start, next);
    switch (f.last) {
      case Last.None:
        this.fail(start, `quantifier ${text} does not follow anything it could repeat`);
      case Last.Assertion:
        // PCRE refuses a quantifier straight after ^, $, \A, \z, \Z, \b or \B ("not a repeatable item"),
        // and so does Hyperscan; repeating a zero-width assertion is meaningless anyway.
        this.fail(
          start,
          `quantifier ${text} follows an assertion (an anchor or \\b/\\B), which matches no bytes and cannot be repeated`,
        );
      case Last.Quantified:
        this.fail(
          start,
          `quantifier ${text} follows another quantifier; to repeat a repeated item, put it in a group first, e.g. (?:a+)${text}`,
        );
      case Last.Atom:
        break;
    }
    let greedy = true;
    const suffix = this.src.charCodeAt(next);
    if (suffix === 0x3f /* ? */) {
      greedy = false; // lazy: same end offsets, Hyperscan reports all matches anyway
      next++;
    } else if (suffix === 0x2b /* + */) {
      // Possessive: gives nothing back, so it matches a subset of what the greedy form matches.
      this.approximateOrFail('possessive', start, `possessive quantifier ${text}+ is`, `as the greedy ${text}; or write ${text}`);
      next++;
    }
    const item = f.items.pop()!;
    const size = f.sizes.pop()!;
    const newSize = size * repeatCopies(min, max);
    f.itemsSize += newSize - size;
    f.items.push(repeatNode(item, min, max, greedy));
    f.sizes.push(newSize);
    f.last = Last.Quantified;
    this.checkSize(f.branchesSize + f.itemsSize, start);
    this.pos = next;
  }

  /**
   * Reads `{n}`, `{n,}` or `{n,m}` at `start`. Returns false when the brace does not open a valid
   * quantifier, which makes it a literal `{` (PCRE's rule; PCRE 8.x, the version Hyperscan follows, has no
   * `{,m}` form and allows no spaces inside).
   */
  private braceQuantifier(start: number): boolean {
    const q = this.readBraces(start);
    if (q === undefined) return false;
    this.quantify(start, q.min, q.max, q.next);
    return true;
  }

  private readBraces(start: number): { min: number; max: number; next: number } | undefined {
    const { src, len } = this;
    let p = start + 1;
    const minStart = p;
    while (p < len && isDigit(src.charCodeAt(p))) p++;
    if (p === minStart) return undefined;
    const minText = src.slice(minStart, p);
    let maxText: string | undefined = minText;
    if (src.charCodeAt(p) === 0x2c /* , */) {
      p++;
      const maxStart = p;
      while (p < len && isDigit(src.charCodeAt(p))) p++;
      maxText = p === maxStart ? undefined : src.slice(maxStart, p);
    }
    if (src.charCodeAt(p) !== 0x7d /* } */) return undefined;
    // Under P a bound over the cap is widened below rather than refused.
    const cap = this.prefilter ? Infinity : PATTERN_LIMITS.maxRepeatBound;
    let min = this.bound(minText, cap, start);
    let max = maxText === undefined ? Infinity : this.bound(maxText, cap, start);
    if (min > max)
      this.fail(start, `repeat bounds are out of order in ${src.slice(start, p + 1)}: the minimum is larger than the maximum`);
    if (this.prefilter && (min > PREFILTER_WIDEN_ABOVE || (maxText !== undefined && max > PREFILTER_WIDEN_ABOVE))) {
      // x{n,m} only ever matches where x{min(n,W),} does: fewer copies required, no upper bound.
      this.approximated.add('bounded-repeat');
      min = Math.min(min, PREFILTER_WIDEN_ABOVE);
      max = Infinity;
    }
    return { min, max, next: p + 1 };
  }

  private bound(digits: string, cap: number, start: number): number {
    // Compared as text first so that a 40-digit count cannot lose precision on the way to the check.
    const trimmed = digits.replace(/^0+(?=\d)/, '');
    const value = trimmed.length > 6 ? Infinity : Number(trimmed);
    if (value > cap) {
      this.fail(
        start,
        `bounded repeat is too large: ${trimmed.length > 12 ? `${trimmed.slice(0, 12)}…` : trimmed} is over the limit of ${cap}`,
      );
    }
    return value;
  }

  // ---------------------------------------------------------------- groups

  private openGroup(start: number): void {
    const { src } = this;
    const c1 = src.charCodeAt(start + 1);
    if (c1 === 0x2a /* * */) this.refuseVerb(start);
    if (c1 !== 0x3f /* ? */) {
      this.pushFrame(start, 'group', ++this.groupCount);
      this.pos = start + 1;
      return;
    }
    const c2 = src[start + 2];
    switch (c2) {
      case undefined:
        this.fail(start, 'the pattern ends inside a group opening (?');
      case '#': {
        // A comment runs to the first ')': PCRE allows no nesting or escapes in it.
        const close = src.indexOf(')', start + 3);
        if (close < 0) this.fail(start, 'missing ) at the end of the comment (?#');
        this.pos = close + 1;
        return;
      }
      case ':':
        this.pushFrame(start);
        this.pos = start + 3;
        return;
      case '<': {
        const c3 = src[start + 3];
        if (c3 === '=' || c3 === '!') {
          this.lookaround(
            start,
            start + 4,
            'lookbehind',
            `${c3 === '!' ? 'negative ' : ''}lookbehind assertions (?<${c3}...) are`,
          );
          return;
        }
        this.namedGroup(start, start + 3, '>');
        return;
      }
      case "'":
        this.namedGroup(start, start + 3, "'");
        return;
      case 'P': {
        const c3 = src[start + 3];
        if (c3 === '<') {
          this.namedGroup(start, start + 4, '>');
          return;
        }
        if (c3 === '=') {
          const close = this.readName(start + 4, ')');
          this.backreference(src.slice(start + 4, close), start, close + 1, 'back-references (?P=name) are');
          return;
        }
        if (c3 === '>') this.fail(start, 'subroutine calls (?P>name) are not supported');
        this.fail(start, 'unknown group syntax (?P: expected (?P<name>...)');
      }
      case '=':
        this.lookaround(start, start + 3, 'lookahead', 'lookahead assertions (?=...) are');
        return;
      case '!':
        this.lookaround(start, start + 3, 'lookahead', 'negative lookahead assertions (?!...) are');
        return;
      case '>':
        // Atomic: never backtracks into the group, so it matches a subset of what (?:...) matches.
        this.approximateOrFail('atomic-group', start, 'atomic groups (?>...) are', 'as the plain group (?:...)');
        this.pushFrame(start);
        this.pos = start + 3;
        return;
      case '|':
        this.fail(start, 'branch reset groups (?|...) are not supported; write (?:...)');
      case '(':
        this.conditional(start);
        return;
      case 'C':
        this.fail(start, 'callouts (?C...) are not supported');
      case 'R':
        this.fail(start, 'recursion (?R) is not supported');
      case '&':
        this.fail(start, 'subroutine calls (?&name) are not supported');
      case '{':
        this.fail(start, 'embedded code (?{...}) is not supported');
      case '?':
        if (src[start + 3] === '{') this.fail(start, 'embedded code (??{...}) is not supported');
        this.fail(start, 'unknown group syntax (??');
      case '+':
        this.fail(start, 'subroutine calls (?+n) are not supported');
      default:
        if (isDigit(src.charCodeAt(start + 2)) || (c2 === '-' && isDigit(src.charCodeAt(start + 3)))) {
          this.fail(start, 'subroutine calls and recursion (?n) are not supported');
        }
        this.optionGroup(start);
    }
  }

  /** `(*VERB)`: PCRE's start-of-pattern settings and backtracking control verbs. */
  private refuseVerb(start: number): never {
    const close = this.src.indexOf(')', start);
    const verb = close < 0 ? this.src.slice(start, start + 12) : this.src.slice(start, close + 1);
    if (/^\(\*(UTF8?|UCP)\)$/.test(verb)) {
      this.fail(
        start,
        `${verb} is not supported: give flag 8 (HS_FLAG_UTF8) for UTF-8 characters in the pattern; netsieve has no Unicode properties`,
      );
    }
    this.fail(start, `${verb} is not supported: netsieve has no backtracking control verbs or (*...) settings`);
  }

  /**
   * Reads a group name starting at `nameStart` that must be closed by `terminator`; returns the index of
   * the terminator. `start` is where the construct begins (for the error when the pattern ends first).
   */
  private readName(nameStart: number, terminator: string, start = nameStart): number {
    const { src, len } = this;
    let p = nameStart;
    while (p < len && isWordChar(src.charCodeAt(p))) p++;
    const name = src.slice(nameStart, p);
    if (p >= len || src[p] !== terminator) {
      this.fail(p >= len ? start : p, `bad group name: expected a name of letters, digits and _ closed by ${terminator}`);
    }
    if (name.length === 0) this.fail(nameStart, 'group name is empty');
    if (isDigit(name.charCodeAt(0))) this.fail(nameStart, `group name "${name}" starts with a digit`);
    if (name.length > 32) this.fail(nameStart, `group name "${name.slice(0, 40)}" is longer than 32 characters (PCRE's limit)`);
    return p;
  }

  /** `(?<name>...)`, `(?'name'...)`, `(?P<name>...)`: a capturing group like any other. */
  private namedGroup(start: number, nameStart: number, terminator: string): void {
    const p = this.readName(nameStart, terminator, start);
    const name = this.src.slice(nameStart, p);
    if (this.groupNumbers.has(name)) this.fail(nameStart, `two groups are named "${name}"`);
    this.groupNumbers.set(name, ++this.groupCount);
    this.pushFrame(start, 'group', this.groupCount);
    this.pos = p + 1;
  }

  /** A lookaround whose body starts at `bodyStart`: under P a group that matches nothing (see closeGroup). */
  private lookaround(start: number, bodyStart: number, kind: 'lookahead' | 'lookbehind', what: string): void {
    this.approximateOrFail(kind, start, what, 'as nothing (it consumes no bytes)');
    const negative = this.src[bodyStart - 1] === '!';
    this.pushFrame(start, negative ? 'discard' : 'assertion');
    this.pos = bodyStart;
  }

  /**
   * `(?(condition)yes|no)` under P: the alternation of its branches (`(?(condition)yes)` has an empty
   * no-branch). The condition is a group number, a name (`<n>`, `'n'`, `n`), `DEFINE` (whose body only
   * defines groups, so it matches nothing) or a lookaround, which is read and dropped. Recursion tests
   * (`R`, `R1`, `R&n`) and relative numbers are refused, as Hyperscan does.
   */
  private conditional(start: number): void {
    const { src } = this;
    this.approximateOrFail(
      'conditional',
      start,
      'conditional groups (?(...)...) are',
      'as the alternation of its branches (?:yes|no)',
    );
    const c = start + 3;
    if (src[c] === '?') {
      const c1 = src[c + 1];
      const c2 = src[c + 2];
      const body = c1 === '=' || c1 === '!' ? c + 2 : c1 === '<' && (c2 === '=' || c2 === '!') ? c + 3 : -1;
      if (body < 0) this.fail(c, 'the condition (?...) of a conditional group must be a lookaround: (?=, (?!, (?<= or (?<!');
      this.pushFrame(start, 'conditional');
      this.pushFrame(c - 1, 'discard');
      this.pos = body;
      return;
    }
    const close = src.indexOf(')', c);
    if (close < 0) this.fail(start, 'missing ) after the condition of this conditional group');
    const cond = src.slice(c, close);
    if (/^R(?:\d*|&\w*)$/.test(cond)) this.fail(start, `recursion tests (?(${cond}) are not supported`);
    if (/^[+-]\d+$/.test(cond)) this.fail(start, `relative conditions (?(${cond}) are not supported; write the group's number`);
    if (cond === 'DEFINE') {
      this.pushFrame(start, 'discard');
      this.pos = close + 1;
      return;
    }
    if (/^\d+$/.test(cond)) {
      const n = Number(cond.length > 6 ? Infinity : cond);
      if (n === 0) this.fail(c, 'a condition cannot refer to group 0');
      this.laterReferences.push({ ref: n, position: c });
    } else {
      const quoted = /^<(\w+)>$/.exec(cond) ?? /^'(\w+)'$/.exec(cond) ?? /^(\w+)$/.exec(cond);
      if (quoted === null) this.fail(c, `bad condition (?(${cond}): expected a group number or name, DEFINE or a lookaround`);
      this.laterReferences.push({ ref: quoted[1]!, position: c });
    }
    this.pushFrame(start, 'conditional');
    this.pos = close + 1;
  }

  /** `(?imsx-imsx)` (options for the rest of the group) or `(?imsx-imsx:...)` (a group with them). */
  private optionGroup(start: number): void {
    const { src, len } = this;
    const next: Mode = { ...this.mode };
    let on = true;
    let sawDash = false;
    let letters = 0;
    let p = start + 2;
    for (; p < len; p++) {
      const ch = src[p]!;
      if (ch === ')' || ch === ':') break;
      if (ch === '-') {
        if (sawDash) this.fail(p, 'two - in one option setting');
        sawDash = true;
        on = false;
        continue;
      }
      switch (ch) {
        case 'i':
          next.caseless = on;
          break;
        case 's':
          next.dotall = on;
          break;
        case 'm':
          next.multiline = on;
          break;
        case 'x':
          next.extended = on;
          break;
        case 'J':
        case 'U':
        case 'X':
        case 'n':
        case '^':
          this.fail(p, `inline option ${ch} is not supported; netsieve supports (?i), (?m), (?s) and (?x)`);
        default:
          if (p === start + 2) this.fail(start, `unknown group syntax (?${show(ch.charCodeAt(0))}`);
          this.fail(p, `unknown option letter ${show(ch.charCodeAt(0))}; netsieve supports (?i), (?m), (?s) and (?x)`);
      }
      letters++;
    }
    if (p >= len) this.fail(start, 'missing ) at the end of the option setting');
    if (letters === 0 && src[p] === ')') this.fail(start, 'empty option setting (?) or (?-)');
    if (src[p] === ')') {
      // Options switch for the rest of the enclosing group, later alternatives included (PCRE's rule).
      this.mode = next;
      this.frame.last = Last.None;
      this.pos = p + 1;
      return;
    }
    this.pushFrame(start);
    this.mode = next;
    this.pos = p + 1;
  }

  private pushFrame(open: number, kind: FrameKind = 'group', capture = 0): void {
    if (this.stack.length >= PATTERN_LIMITS.maxNesting) {
      this.fail(open, `groups are nested more than ${PATTERN_LIMITS.maxNesting} deep`);
    }
    this.stack.push(this.frame);
    this.frame = this.newFrame(open, kind, capture);
  }

  private closeGroup(start: number): void {
    if (this.stack.length === 0) this.fail(start, 'unmatched ): no group is open here; write \\) for a literal )');
    const f = this.frame;
    f.closed = true;
    let node = this.finishFrame(f, start);
    const size = f.branchesSize + f.itemsSize;
    if (f.kind === 'conditional' && f.branches.length === 1) node = altNode([node, emptyNode()]);
    this.mode = f.saved;
    this.frame = this.stack.pop()!;
    // A lookaround consumes nothing; PCRE lets it be quantified, which changes nothing here either.
    const pushed = f.kind === 'discard' || f.kind === 'assertion' ? emptyNode() : node;
    this.pushItem(pushed, pushed === node ? size : 0, Last.Atom, start);
    if (f.kind === 'group' || f.kind === 'assertion') {
      f.placed = { parent: this.frame, index: this.frame.items.length - 1, node: pushed };
    }
    if (f.capture > 0) this.groups[f.capture] = { node, size, frame: f };
    this.pos = start + 1;
  }

  /**
   * A backreference to `ref` (a number or a name) written from `start` to `next` (under P; refused
   * without, `what` naming it). It becomes a copy of the group, optional unless the group certainly took
   * part in the match before this point; see approximate.ts.
   */
  private backreference(ref: number | string, start: number, next: number, what: string): void {
    this.approximateOrFail('backreference', start, what, "as a copy of the group it refers to (the group's text matched it)");
    const num = typeof ref === 'number' ? ref : this.groupNumbers.get(ref);
    const group = num === undefined ? undefined : this.groups[num];
    this.pos = next;
    if (group === undefined || group.size > MAX_COPIED_GROUP) {
      // Not closed yet (a forward or self reference), unknown yet (checked at the end), or too large.
      if (group === undefined) this.laterReferences.push({ ref, position: start });
      this.pushItem(anyBytes(), 1, Last.Atom, start);
      return;
    }
    const copy = copyForReference(group.node, this.mode.caseless);
    if (this.certainlySet(group)) this.pushItem(copy, group.size, Last.Atom, start);
    else this.pushItem(repeatNode(copy, 0, 1, true), group.size, Last.Atom, start);
  }

  /**
   * Whether every match that reaches the current position went through `group`: the group's node is an
   * item, not made optional by a quantifier, of the current branch of a frame that encloses this position,
   * or of the only branch of a closed plain group that is itself such an item, and so on up (`((a))\2`).
   * A group in an earlier alternative, in a lookaround or a conditional is not certain.
   */
  private certainlySet(group: GroupRecord): boolean {
    let f = group.frame;
    for (;;) {
      const placed = f.placed;
      if (placed === undefined) return false;
      const { parent, index, node } = placed;
      const item = parent.items[index];
      const kept = item === node || (item !== undefined && item.kind === 'repeat' && item.item === node && item.min >= 1);
      if (!kept) return false;
      if (!parent.closed) return true;
      if (parent.branches.length > 1) return false;
      f = parent;
    }
  }

  // ---------------------------------------------------------------- escapes

  /**
   * The escapes that stand for one byte, inside or outside a class: `\xHH \x{H..} \0oo \o{..} \cX \n \r \t
   * \f \e \a`. Returns undefined for any other escape. `start` is the backslash.
   */
  private readByteEscape(start: number): ByteEscape | undefined {
    const { src, len } = this;
    const e = src[start + 1];
    switch (e) {
      case 'n':
        return { value: 0x0a, next: start + 2 };
      case 'r':
        return { value: 0x0d, next: start + 2 };
      case 't':
        return { value: 0x09, next: start + 2 };
      case 'f':
        return { value: 0x0c, next: start + 2 };
      case 'e':
        return { value: 0x1b, next: start + 2 };
      case 'a':
        return { value: 0x07, next: start + 2 };
      case 'x': {
        if (src[start + 2] === '{') {
          let p = start + 3;
          let value = 0;
          while (p < len && hexValue(src.charCodeAt(p)) >= 0) {
            value = Math.min(value * 16 + hexValue(src.charCodeAt(p)), 0x1000000);
            p++;
          }
          if (p === start + 3 || src[p] !== '}') this.fail(start, '\\x{ must be followed by hex digits and }');
          if (value > 0xff) {
            this.fail(start, `${src.slice(start, p + 1)} is above \\xff: an escape is one byte${charHint(value)}`);
          }
          return { value, next: p + 1 };
        }
        // \x with up to two hex digits; PCRE reads a bare \x as the byte 0.
        let p = start + 2;
        let value = 0;
        while (p < start + 4 && p < len && hexValue(src.charCodeAt(p)) >= 0) {
          value = value * 16 + hexValue(src.charCodeAt(p));
          p++;
        }
        return { value, next: p };
      }
      case 'o': {
        if (src[start + 2] !== '{') this.fail(start, '\\o must be followed by {octal digits}');
        let p = start + 3;
        let value = 0;
        while (p < len && isOctal(src.charCodeAt(p))) {
          value = Math.min(value * 8 + (src.charCodeAt(p) - 0x30), 0x1000000);
          p++;
        }
        if (p === start + 3 || src[p] !== '}') this.fail(start, '\\o{ must be followed by octal digits and }');
        if (value > 0xff) {
          this.fail(start, `${src.slice(start, p + 1)} is above \\o{377}: an escape is one byte${charHint(value)}`);
        }
        return { value, next: p + 1 };
      }
      case '0': {
        // \0 and up to two more octal digits (PCRE).
        let p = start + 2;
        let value = 0;
        while (p < start + 4 && p < len && isOctal(src.charCodeAt(p))) {
          value = value * 8 + (src.charCodeAt(p) - 0x30);
          p++;
        }
        return { value, next: p };
      }
      case 'c': {
        const x = src.charCodeAt(start + 2);
        // PCRE: \c takes one printable ASCII character, upper-cases it and flips bit 6 (\cA = 0x01, \c? = 0x7f).
        if (!(x >= 0x20 && x <= 0x7e)) this.fail(start, '\\c must be followed by a printable ASCII character (\\cA is 0x01)');
        const upper = x >= 0x61 && x <= 0x7a ? x - 0x20 : x;
        return { value: upper ^ 0x40, next: start + 3 };
      }
      default:
        return undefined;
    }
  }

  /** Refusals shared by escapes inside and outside a class; returns normally for any other letter. */
  private refuseUnsupportedEscape(start: number): void {
    const { src } = this;
    const e = src[start + 1]!;
    switch (e) {
      case 'p':
      case 'P':
        this.fail(
          start,
          `Unicode property escapes \\${e} are not supported (netsieve matches bytes); write a class such as [A-Za-z]`,
        );
      case 'X':
        this.fail(start, '\\X (an extended grapheme cluster) is not supported');
      case 'R':
        this.fail(start, '\\R (any newline sequence) is not supported; write (?:\\r\\n|[\\n\\x0b\\f\\r\\x85])');
      case 'G':
        this.fail(start, '\\G (the first matching position) is not supported');
      case 'g':
        if (src[start + 2] === '<' || src[start + 2] === "'") this.fail(start, 'subroutine calls \\g<...> are not supported');
        this.fail(start, 'back-references \\g are not supported');
      case 'k':
        this.fail(start, 'back-references \\k<name> are not supported');
      case 'l':
      case 'L':
      case 'u':
      case 'U':
        this.fail(start, `\\${e} (a Perl case-changing escape) is not supported by PCRE`);
    }
  }

  private parseEscape(start: number): void {
    const { src, len } = this;
    if (start + 1 >= len) this.fail(start, 'the pattern ends with a lone backslash; write \\\\ for a literal backslash');
    const byte = this.readByteEscape(start);
    if (byte !== undefined) {
      this.pushLiteral(byte.value, start);
      this.pos = byte.next;
      return;
    }
    const e = src[start + 1]!;
    const ec = src.charCodeAt(start + 1);
    this.pos = start + 2;
    switch (e) {
      case 'Q': {
        // \Q...\E: every character literal up to \E or the end of the pattern, whitespace included.
        const end = src.indexOf('\\E', start + 2);
        const stop = end < 0 ? len : end;
        for (let p = start + 2; p < stop; ) {
          const c = src.charCodeAt(p);
          if (c >= 0x80) p = this.pushUtf8Char(p);
          else this.pushLiteral(c, p++);
        }
        this.pos = end < 0 ? len : end + 2;
        return;
      }
      case 'E':
        return; // an \E without \Q is ignored (PCRE)
      case 'A':
        this.pushAssertion('start', start);
        return;
      case 'z':
        this.pushAssertion('end', start);
        return;
      case 'Z':
        this.pushAssertion('end_or_final_newline', start);
        return;
      case 'b':
        this.pushAssertion('word_boundary', start);
        return;
      case 'B':
        this.pushAssertion('not_word_boundary', start);
        return;
      case 'C':
        // One code unit: one byte (Hyperscan accepts it, in UTF-8 mode too).
        this.pushSet(ByteSet.all(), start);
        return;
      case 'K':
        this.approximateOrFail(
          'reset-start',
          start,
          '\\K (reset the start of the match) is',
          'as nothing, so that with L the start reported is at or before the true one',
        );
        // Not repeatable (PCRE): as an assertion, a quantifier after it is refused.
        this.frame.last = Last.Assertion;
        return;
      case 'g':
      case 'k':
        if (this.referenceEscape(start)) return;
        break;
      case 'X':
        // A grapheme cluster is one or more characters, each one or more bytes (Hyperscan's .+ too).
        this.approximateOrFail(
          'grapheme-cluster',
          start,
          '\\X (an extended grapheme cluster) is',
          'as one or more bytes of any value',
        );
        this.pushItem(repeatNode(setNode(ByteSet.all()), 1, Infinity, true), 1, Last.Atom, start);
        return;
      case 'N': {
        // \N{U+..}/\N{name} are UTF-only; \N{2} is \N repeated, which the main loop reads next.
        if (src[start + 2] === '{' && this.readBraces(start + 2) === undefined) {
          this.fail(start, '\\N{...} (a character by name or code point) is not supported; write \\xHH');
        }
        this.pushSet(dotSet(false), start);
        return;
      }
    }
    const named = classEscapeSet(e);
    if (named !== undefined) {
      this.pushSet(named, start);
      return;
    }
    if (ec >= 0x31 && ec <= 0x39) {
      this.numberedEscape(start);
      return;
    }
    this.refuseUnsupportedEscape(start);
    if (isAlnum(ec)) {
      this.fail(start, `unknown escape \\${e}; to match the letter or digit itself write it without the backslash`);
    }
    // Any other escaped character (metacharacters, punctuation, non-ASCII characters) stands for itself.
    if (ec >= 0x80) this.pos = this.pushUtf8Char(start + 1);
    else this.pushLiteral(ec, start);
  }

  /**
   * `\` and a digit 1-9 outside a class, as PCRE reads it: a backreference when the number is below 8 or
   * at least that many groups opened before it; else up to three octal digits (`\12` is `\n`), or the
   * digit itself for `\8` and `\9`.
   */
  private numberedEscape(start: number): void {
    const { src, len } = this;
    let p = start + 1;
    while (p < len && isDigit(src.charCodeAt(p))) p++;
    const digits = src.slice(start + 1, p);
    const n = digits.length > 6 ? Infinity : Number(digits);
    if (n < 8 || n <= this.groupCount) {
      this.backreference(n, start, p, `back-references (\\${digits}) are`);
      return;
    }
    const first = src.charCodeAt(start + 1);
    if (!isOctal(first)) {
      this.pushLiteral(first, start);
      this.pos = start + 2;
      return;
    }
    let q = start + 1;
    let value = 0;
    while (q < start + 4 && q < len && isOctal(src.charCodeAt(q))) {
      value = value * 8 + (src.charCodeAt(q) - 0x30);
      q++;
    }
    if (value > 0xff) this.fail(start, `octal escape ${src.slice(start, q)} is above \\377: netsieve patterns match bytes`);
    this.pushLiteral(value, start);
    this.pos = q;
  }

  /**
   * `\g` and `\k` references outside a class: `\g1 \g{1} \g-1 \g{-1} \g{name} \k<name> \k'name' \k{name}`.
   * Returns false for a form that is none of these (the caller refuses it); `\g<...>` subroutine calls are
   * refused here.
   */
  private referenceEscape(start: number): boolean {
    const { src, len } = this;
    const e = src[start + 1];
    const open = src[start + 2];
    if (e === 'k') {
      const close = open === '<' ? '>' : open === "'" ? "'" : open === '{' ? '}' : undefined;
      if (close === undefined) return false;
      const end = this.readName(start + 3, close, start);
      this.backreference(src.slice(start + 3, end), start, end + 1, 'back-references \\k<name> are');
      return true;
    }
    if (open === '<' || open === "'") this.fail(start, 'subroutine calls \\g<...> are not supported');
    const braced = open === '{';
    let p = braced ? start + 3 : start + 2;
    if (braced && p < len && !(src[p] === '-' || src[p] === '+' || isDigit(src.charCodeAt(p)))) {
      const end = this.readName(p, '}', start);
      this.backreference(src.slice(p, end), start, end + 1, 'back-references \\g are');
      return true;
    }
    const sign = src[p] === '-' ? -1 : src[p] === '+' ? 1 : 0;
    if (sign !== 0) p++;
    const digitsStart = p;
    while (p < len && isDigit(src.charCodeAt(p))) p++;
    if (p === digitsStart || (braced && src[p] !== '}')) return false;
    if (sign > 0) this.fail(start, 'relative forward references \\g+n are not supported');
    const digits = src.slice(digitsStart, p);
    const value = digits.length > 6 ? Infinity : Number(digits);
    // \g-1 is the group opened most recently before this point.
    const n = sign < 0 ? this.groupCount + 1 - value : value;
    if (n === 0 && sign === 0) this.fail(start, 'a back-reference cannot refer to group 0');
    if (n < 1) this.fail(start, `relative back-reference ${src.slice(start, braced ? p + 1 : p)} goes before the first group`);
    this.backreference(n, start, braced ? p + 1 : p, 'back-references \\g are');
    return true;
  }

  // ---------------------------------------------------------------- classes

  /**
   * If a POSIX-style bracket item (`[:name:]`, `[.x.]`, `[=x=]`) starts at `p`, returns the index of its
   * closing `]`, else -1. As in PCRE, the item cannot contain an unescaped `]`.
   */
  private posixItemEnd(p: number): number {
    const { src, len } = this;
    const delim = src[p + 1];
    if (delim !== ':' && delim !== '.' && delim !== '=') return -1;
    for (let j = p + 2; j < len; j++) {
      const ch = src[j];
      if (ch === '\\' && src[j + 1] === ']') {
        j++;
        continue;
      }
      if (ch === ']') return j - 1 > p + 1 && src[j - 1] === delim ? j : -1;
    }
    return -1;
  }

  /** Reads a bracket expression starting at `start` (the `[`) and pushes it as one item. */
  private pushClass(start: number): void {
    const { set, chars } = this.parseClass(start);
    if (chars.length === 0) {
      this.pushSet(set, start, true);
      return;
    }
    // Non-ASCII characters are byte sequences, not bytes: the class becomes an alternation of its byte set
    // (when it has any byte) and each character's sequence.
    const branches = set.isEmpty() ? [] : [setNode(set)];
    let size = branches.length;
    for (const cp of chars) {
      const bytes = utf8Bytes(cp);
      branches.push(utf8Node(bytes));
      size += bytes.length;
    }
    this.pushItem(altNode(branches), size, Last.Atom, start);
  }

  /**
   * Reads a bracket expression starting at `start` (the `[`); leaves `pos` after its `]`. Returns its byte
   * set and, apart, the non-ASCII characters it lists (code points, each once).
   */
  private parseClass(start: number): { set: ByteSet; chars: number[] } {
    const { src } = this;
    const posixEnd = this.posixItemEnd(start);
    if (posixEnd >= 0) {
      const item = src.slice(start, posixEnd + 1);
      if (src[start + 1] === ':') {
        this.fail(start, `POSIX classes are supported only inside a class: write [${item}]`);
      }
      this.fail(start, `POSIX collating elements ${item} are not supported`);
    }
    const caseless = this.mode.caseless;
    let p = start + 1;
    let negated = false;
    if (src[p] === '^') {
      negated = true;
      p++;
    }
    const positive = new ByteSet();
    const chars: number[] = [];
    const addByte = (b: number): void => {
      positive.add(b);
    };
    // A pending item is a byte, or a non-ASCII character (`pendingWide`), which is no byte.
    const addPending = (): void => {
      if (!pendingWide) addByte(pending);
      else if (!chars.includes(pending)) chars.push(pending);
    };
    let inQuote = false;
    let first = true;
    // A single character read but not yet added: it may start a range.
    let pending = -1;
    let pendingPos = -1;
    let pendingWide = false;
    for (;;) {
      const tok = this.classToken(start, p, inQuote, first);
      p = tok.next;
      inQuote = tok.inQuote;
      if (tok.kind === 'close') {
        if (pending >= 0) addPending();
        break;
      }
      first = false;
      if (tok.kind === 'set') {
        if (pending >= 0) addPending();
        pending = -1;
        for (let i = 0; i < 8; i++) positive.words[i]! |= tok.set!.words[i]!;
        continue;
      }
      if (tok.kind === 'hyphen' && pending >= 0) {
        const end = this.classToken(start, p, inQuote, false);
        if (end.kind === 'close') {
          // A hyphen before the closing ] is literal: [a-]
          addPending();
          addByte(0x2d);
          p = end.next;
          break;
        }
        if (end.kind === 'set') {
          this.fail(end.pos, `invalid range in a class: a range cannot end with a class such as ${src.slice(end.pos, end.next)}`);
        }
        if (pendingWide || end.kind === 'wide') {
          // A code point range is many byte sequences of several lengths; netsieve does not compile those.
          this.fail(
            pendingPos,
            `range ${src.slice(pendingPos, end.next)} over non-ASCII characters is not supported: their UTF-8 forms are ` +
              'several bytes long; list the characters ([àâä]) or write byte ranges with \\xHH escapes',
          );
        }
        // A char, or a hyphen taken as the character '-' ([!--] is ! to -).
        const hi = end.kind === 'hyphen' ? 0x2d : end.value;
        if (hi < pending) {
          this.fail(
            pendingPos,
            `range out of order in a class: ${show(pending)}-${show(hi)} (the first end must not be above the second)`,
          );
        }
        positive.addRange(pending, hi);
        pending = -1;
        p = end.next;
        inQuote = end.inQuote;
        continue;
      }
      // A char, or a hyphen with no character before it (class start, after a range or a class escape),
      // which PCRE 8.x takes literally: [-a], [a-c-e], [\w-.].
      if (pending >= 0) addPending();
      pending = tok.kind === 'hyphen' ? 0x2d : tok.value;
      pendingPos = tok.pos;
      pendingWide = tok.kind === 'wide';
    }
    this.pos = p;
    if (negated && chars.length > 0) {
      // "Any character but é" is a set of UTF-8 sequences, not of bytes: [^é] cannot be a byte set.
      this.fail(
        start,
        'a negated class cannot list a non-ASCII character (it would have to match whole UTF-8 characters); ' +
          'write the bytes to exclude with \\xHH escapes',
      );
    }
    // Fold the positive items, then negate: [^a] with i excludes both a and A.
    if (caseless) foldCase(positive);
    return { set: negated ? positive.complement() : positive, chars };
  }

  /**
   * The next item of a class body at `p`. `first` is true right after `[` or `[^`, where `]` is a literal.
   * Sets (escapes and POSIX classes) come back already case-adjusted for the current mode.
   */
  private classToken(start: number, p: number, inQuote: boolean, first: boolean): ClassToken {
    const { src, len } = this;
    for (;;) {
      if (p >= len) this.fail(start, 'missing ] at the end of this class');
      const c = src.charCodeAt(p);
      if (inQuote) {
        if (c === 0x5c && src[p + 1] === 'E') {
          inQuote = false;
          p += 2;
          continue;
        }
        return this.charToken(p, true);
      }
      if (c === 0x5d /* ] */ && !first) return { kind: 'close', value: c, set: undefined, pos: p, next: p + 1, inQuote: false };
      if (c === 0x2d /* - */) return { kind: 'hyphen', value: c, set: undefined, pos: p, next: p + 1, inQuote: false };
      if (c === 0x5b /* [ */) {
        const end = this.posixItemEnd(p);
        if (end >= 0) {
          const body = src.slice(p + 2, end - 1);
          if (src[p + 1] !== ':') this.fail(p, `POSIX collating elements ${src.slice(p, end + 1)} are not supported`);
          const negated = body.startsWith('^');
          const name = negated ? body.slice(1) : body;
          if (!isPosixClassName(name)) {
            this.fail(
              p,
              `unknown POSIX class ${src.slice(p, end + 1)}; the names are alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit`,
            );
          }
          const set = posixClassSet(name, negated, this.mode.caseless)!;
          return { kind: 'set', value: 0, set, pos: p, next: end + 1, inQuote: false };
        }
        return { kind: 'char', value: c, set: undefined, pos: p, next: p + 1, inQuote: false };
      }
      if (c !== 0x5c /* \ */) return this.charToken(p, false);

      // An escape inside a class.
      if (p + 1 >= len) this.fail(start, 'missing ] at the end of this class');
      const e = src[p + 1]!;
      const ec = src.charCodeAt(p + 1);
      if (e === 'Q') {
        inQuote = true;
        p += 2;
        continue;
      }
      if (e === 'E') {
        p += 2;
        continue;
      }
      if (e === 'b') return { kind: 'char', value: 0x08, set: undefined, pos: p, next: p + 2, inQuote: false }; // backspace in a class
      const byte = this.readByteEscape(p);
      if (byte !== undefined) return { kind: 'char', value: byte.value, set: undefined, pos: p, next: byte.next, inQuote: false };
      const named = classEscapeSet(e);
      if (named !== undefined) return { kind: 'set', value: 0, set: named, pos: p, next: p + 2, inQuote: false };
      if (ec >= 0x31 && ec <= 0x37) {
        // Inside a class there are no back-references: PCRE reads \1..\7 and up to two more octal digits.
        let q = p + 1;
        let value = 0;
        while (q < p + 4 && q < len && isOctal(src.charCodeAt(q))) {
          value = value * 8 + (src.charCodeAt(q) - 0x30);
          q++;
        }
        if (value > 0xff) this.fail(p, `octal escape ${src.slice(p, q)} is above \\377: netsieve patterns match bytes`);
        return { kind: 'char', value, set: undefined, pos: p, next: q, inQuote: false };
      }
      if (e === '8' || e === '9') {
        // PCRE (and Hyperscan) read \8 and \9 in a class as the digits themselves.
        return { kind: 'char', value: ec, set: undefined, pos: p, next: p + 2, inQuote: false };
      }
      this.refuseUnsupportedEscape(p);
      if (isAlnum(ec)) this.fail(p, `escape \\${e} is not allowed in a class`);
      if (ec >= 0x80) return { ...this.charToken(p + 1, false), pos: p };
      return { kind: 'char', value: ec, set: undefined, pos: p, next: p + 2, inQuote: false };
    }
  }

  /** The literal character at `p` in a class: a byte when ASCII, else a `wide` code point. */
  private charToken(p: number, inQuote: boolean): ClassToken {
    const c = this.src.charCodeAt(p);
    if (c < 0x80) return { kind: 'char', value: c, set: undefined, pos: p, next: p + 1, inQuote };
    const cp = this.src.codePointAt(p)!;
    return { kind: 'wide', value: cp, set: undefined, pos: p, next: p + (cp > 0xffff ? 2 : 1), inQuote };
  }
}
