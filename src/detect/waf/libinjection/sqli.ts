/**
 * libinjection's SQL injection detector, as ModSecurity's `@detectSQLi` runs it, written for netsieve.
 *
 * The idea (libinjection's, by Nick Galbreath): do not parse SQL, tokenize the input the way a lenient
 * SQL lexer would (keywords, strings, numbers, operators, comments...), fold the tokens into at most five
 * (`1+1` is a number, `"a" "b"` is one string, `UNION ALL` is one union), write each token's type as one
 * letter, and look that "fingerprint" up in a set of fingerprints seen in real attacks. A few rules then
 * drop the short fingerprints that benign text also makes (`1c`: a number and a comment). The input is
 * tried as-is and as if it sat inside a single- or double-quoted SQL string (`1' OR '1'='1` is
 * an attack only from inside quotes), in ANSI and, when it holds a MySQL-only comment form, MySQL mode.
 *
 * The keyword table and the fingerprint set are libinjection's data (data.ts, with its licence); this
 * code is netsieve's own, written from libinjection's documented behaviour and test vectors. The input
 * is read as latin1 (one char per byte), so every byte keeps its meaning and nothing is decoded.
 * Work is linear in the input: each pass tokenizes left to right and stops after five folded tokens.
 */
import { SQL_KEYWORDS_TEXT, SQLI_FINGERPRINTS_TEXT } from './data.js';

/** Token types: one ASCII letter or sign each, the letters of a fingerprint. */
export const TokenType = {
  None: 0,
  Keyword: 0x6b, // k
  Union: 0x55, // U
  Group: 0x42, // B: GROUP BY, ORDER BY, HAVING...
  Expression: 0x45, // E: SELECT, INSERT...
  SqlType: 0x74, // t
  Function: 0x66, // f
  Bareword: 0x6e, // n
  Number: 0x31, // 1
  Variable: 0x76, // v
  String: 0x73, // s
  Operator: 0x6f, // o
  LogicOperator: 0x26, // &
  Comment: 0x63, // c
  Collate: 0x41, // A
  LeftParens: 0x28, // (
  RightParens: 0x29, // )
  LeftBrace: 0x7b, // {
  RightBrace: 0x7d, // }
  Dot: 0x2e, // .
  Comma: 0x2c, // ,
  Colon: 0x3a, // :
  Semicolon: 0x3b, // ;
  Tsql: 0x54, // T: Transact-SQL statement words
  Unknown: 0x3f, // ?
  Evil: 0x58, // X: input no SQL lexer agrees on (nested or MySQL /*! comments): always an attack
  Backslash: 0x5c, // \
} as const;

const T = TokenType;

/** Parsing modes, as flags (libinjection's values, so fingerprints of a mode can be compared). */
const QUOTE_NONE = 1;
const QUOTE_SINGLE = 2;
const QUOTE_DOUBLE = 4;
const SQL_ANSI = 8;
const SQL_MYSQL = 16;

/** A token keeps at most 31 characters of its text, as libinjection's fixed 32-byte buffer does; the
 * rules that read a token's text (keyword lookup, merging, false-positive rules) see only that much. */
const TOKEN_TEXT_MAX = 31;
const MAX_TOKENS = 5;

const CHAR_SINGLE = 0x27;
const CHAR_DOUBLE = 0x22;
const CHAR_TICK = 0x60;

// ---- the data: keyword table and fingerprint set, parsed once ------------------------------------------

const KEYWORDS = new Map<string, number>();
for (const entry of SQL_KEYWORDS_TEXT.split('\n')) KEYWORDS.set(entry.slice(1), entry.charCodeAt(0));
const FINGERPRINTS = new Set(SQLI_FINGERPRINTS_TEXT.split(' '));

/**
 * The type of a word in the keyword table, or 0. The comparison is ASCII case-insensitive only: no keyword
 * holds a byte above 0x7f, and String#toUpperCase keeps such a latin1 letter outside ASCII, except 'ß' which
 * becomes "SS" and so changes the length: a length check keeps "CLAß" from matching CLASS.
 */
function keywordType(word: string): number {
  return KEYWORDS.get(upperWord(word)) ?? 0;
}

/** Whether a fingerprint is in the attack set. libinjection compares them upper-cased, so 't' (a SQL type)
 * and 'T' (a Transact-SQL word) count as the same letter there; this keeps that. */
export function isAttackFingerprint(fingerprint: string): boolean {
  return fingerprint.length > 0 && FINGERPRINTS.has(fingerprint.toUpperCase());
}

// ---- character classes: which lexer rule a byte starts -------------------------------------------------

enum Lex {
  White,
  Operator2, // may be a two-character operator (!=, <=, ||, ::, <=>)
  String, // ' or "
  Hash, // # : an operator in ANSI SQL, a line comment in MySQL
  Money, // $ : money ($1.00), PostgreSQL $$strings$$ and $tag$strings$tag$
  Operator1,
  Char, // ( ) , ; { } : the token is the character itself
  Dash, // - : minus, or a -- comment
  Number,
  Slash, // / : division or a /* comment */
  Other, // ? ] : unknown
  Variable, // @ and @@
  Word,
  BString, // b'0101'
  EString, // E'...' (PostgreSQL)
  NQString, // N'...' (national) or nq'...' (Oracle)
  QString, // q'[...]' (Oracle)
  UString, // U&'...' (unicode)
  XString, // x'ABCD'
  BracketWord, // [name] (SQL Server)
  Backslash, // \N is NULL in MySQL
  Tick, // `name` (MySQL)
}

const LEX = new Uint8Array(256).fill(Lex.Word);
for (let c = 0; c <= 32; c++) LEX[c] = Lex.White;
LEX[127] = Lex.White;
LEX[0xa0] = Lex.White; // latin1 no-break space
function lexAll(chars: string, cls: Lex): void {
  for (let i = 0; i < chars.length; i++) LEX[chars.charCodeAt(i)] = cls;
}
lexAll('!&*:<=>|', Lex.Operator2);
lexAll('\'"', Lex.String);
lexAll('#', Lex.Hash);
lexAll('$', Lex.Money);
lexAll('%+^~', Lex.Operator1);
lexAll('(),;{}', Lex.Char);
lexAll('-', Lex.Dash);
lexAll('.0123456789', Lex.Number);
lexAll('/', Lex.Slash);
lexAll('?]', Lex.Other);
lexAll('@', Lex.Variable);
lexAll('Bb', Lex.BString);
lexAll('Ee', Lex.EString);
lexAll('Nn', Lex.NQString);
lexAll('Qq', Lex.QString);
lexAll('Uu', Lex.UString);
lexAll('Xx', Lex.XString);
lexAll('[', Lex.BracketWord);
lexAll('\\', Lex.Backslash);
lexAll('`', Lex.Tick);

function byteSet(chars: string): Uint8Array {
  const set = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}
/** What ends a bare word (a '.' or '`' does not: `db.table` and `SELECT\`x\`` are looked at later). */
const WORD_END = byteSet(' []{}<>:\\?=@!#~+-*/&|^%(),\';\t\n\v\f\r"\xa0\0');
/** What ends a @variable name (brackets and braces do not, nor the no-break space). */
const VARIABLE_END = byteSet(' <>:\\?=@!#~+-*/&|^%(),\';\t\n\v\f\r`"\0');
/** SQL whitespace: ASCII, the latin1 no-break space, and NUL (Oracle skips it). */
const SQL_WHITE = byteSet(' \t\n\v\f\r\xa0\0');
const DIGIT = byteSet('0123456789');
// The spans below are scanned in libinjection with a strspn-like helper that finds NUL in every set (it
// searches a C string, whose terminator matches): a NUL byte continues a hex, binary, money or $tag$ run.
const HEX_DIGIT = byteSet('0123456789ABCDEFabcdef\0');
const BIN_DIGIT = byteSet('01\0');
const MONEY_CHAR = byteSet('0123456789.,\0');
const ASCII_LETTER = byteSet('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\0');

// ---- tokens ---------------------------------------------------------------------------------------------

class Token {
  type = 0;
  pos = 0;
  /** Length of `text` (at most 31), not of the source span. */
  len = 0;
  text = '';
  /** The quote that opened a string (0: the string was assumed open, as in a quote context), and the one
   * that closed it (0: it ran to the end of the input). */
  strOpen = 0;
  strClose = 0;
  /** For variables: how many '@' (1 or 2); only the token test vectors print it. */
  count = 0;

  clear(): void {
    this.type = 0;
    this.pos = 0;
    this.len = 0;
    this.text = '';
    this.strOpen = 0;
    this.strClose = 0;
    this.count = 0;
  }

  copyFrom(o: Token): void {
    this.type = o.type;
    this.pos = o.pos;
    this.len = o.len;
    this.text = o.text;
    this.strOpen = o.strOpen;
    this.strClose = o.strClose;
    this.count = o.count;
  }

  /** Sets type and text from `s[pos..pos+len)`, keeping the first 31 characters. */
  assign(type: number, s: string, pos: number, len: number): void {
    const keep = len < TOKEN_TEXT_MAX ? len : TOKEN_TEXT_MAX;
    this.type = type;
    this.pos = pos;
    this.len = keep;
    this.text = s.slice(pos, pos + keep);
  }

  /** Case-insensitive comparison of the kept text with an upper-case ASCII word. */
  is(word: string): boolean {
    return this.len === word.length && upperWord(this.text) === word;
  }
}

/** ASCII upper case of a token's text, or '' when a latin1 letter changes length ('ß' -> "SS"), which no
 * ASCII word can equal in libinjection's byte-wise comparison. */
function upperWord(s: string): string {
  const u = s.toUpperCase();
  return u.length === s.length ? u : '';
}

function isUnaryOperator(t: Token): boolean {
  if (t.type !== T.Operator) return false;
  const s = t.text;
  switch (t.len) {
    case 1:
      return s === '+' || s === '-' || s === '!' || s === '~';
    case 2:
      return s === '!!';
    case 3:
      return t.is('NOT');
    default:
      return false;
  }
}

function isArithmeticOperator(t: Token): boolean {
  return t.type === T.Operator && t.len === 1 && '*/-+%'.includes(t.text);
}

/** Function-like words that are usually column names: only followed by '(' are they functions. */
const FUNCTION_IF_CALLED = new Set([
  'USER_ID',
  'USER_NAME',
  'DATABASE',
  'PASSWORD',
  'USER',
  'CURRENT_USER',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
]);

// ---- the lexer and folder: one reusable state, so a call allocates only token texts ---------------------

class SqliState {
  s = '';
  slen = 0;
  flags = 0;
  pos = 0;
  /** Folded tokens; a sixth and seventh slot take look-ahead tokens. */
  readonly tokens: Token[] = Array.from({ length: 8 }, () => new Token());
  readonly lastComment = new Token();
  /** Tokens the lexer produced in this pass (comments included, before folding). */
  statsTokens = 0;
  /** `--x` comments (ANSI only) and `#` seen: the input may be MySQL, worth a second pass in that mode. */
  statsCommentDdx = 0;
  statsCommentHash = 0;
  fingerprint = '';

  reset(s: string, flags: number): void {
    this.s = s;
    this.slen = s.length;
    this.flags = flags;
    this.pos = 0;
    for (const t of this.tokens) t.clear();
    this.lastComment.clear();
    this.statsTokens = 0;
    this.statsCommentDdx = 0;
    this.statsCommentHash = 0;
    this.fingerprint = '';
  }

  code(i: number): number {
    return i < this.slen ? this.s.charCodeAt(i) : 0;
  }

  /** Next token into `t`; false at the end of the input. */
  nextToken(t: Token): boolean {
    if (this.slen === 0) return false;
    t.clear();
    // In a quote context the input starts inside a string: its first token is that string's tail.
    if (this.pos === 0 && (this.flags & (QUOTE_SINGLE | QUOTE_DOUBLE)) !== 0) {
      this.pos = this.stringFrom(t, 0, this.flags & QUOTE_SINGLE ? CHAR_SINGLE : CHAR_DOUBLE, 0);
      this.statsTokens++;
      return true;
    }
    while (this.pos < this.slen) {
      this.pos = this.lexAt(t, this.pos);
      if (t.type !== 0) {
        this.statsTokens++;
        return true;
      }
    }
    return false;
  }

  /** Runs the rule the byte at `pos` starts; returns where the next token begins. */
  private lexAt(t: Token, pos: number): number {
    const s = this.s;
    const c = s.charCodeAt(pos);
    switch (LEX[c] as Lex) {
      case Lex.White:
        return pos + 1;
      case Lex.Operator2:
        return this.operator2(t, pos);
      case Lex.String:
        return this.stringFrom(t, pos, c, 1);
      case Lex.Hash:
        // '#' is a line comment only in MySQL; seen in ANSI mode it asks for a MySQL pass.
        this.statsCommentHash++;
        if (this.flags & SQL_MYSQL) return this.lineComment(t, pos);
        t.assign(T.Operator, s, pos, 1);
        return pos + 1;
      case Lex.Money:
        return this.money(t, pos);
      case Lex.Operator1:
        t.assign(T.Operator, s, pos, 1);
        return pos + 1;
      case Lex.Char:
        t.assign(c, s, pos, 1);
        return pos + 1;
      case Lex.Dash:
        return this.dash(t, pos);
      case Lex.Number:
        return this.number(t, pos);
      case Lex.Slash:
        return this.slash(t, pos);
      case Lex.Other:
        t.assign(T.Unknown, s, pos, 1);
        return pos + 1;
      case Lex.Variable:
        return this.variable(t, pos);
      case Lex.Word:
        return this.word(t, pos);
      case Lex.BString:
        return this.digitString(t, pos, BIN_DIGIT);
      case Lex.EString:
        return this.eString(t, pos);
      case Lex.NQString:
        // N'national' is an E-string-like prefix; otherwise maybe Oracle's nq'[...]'.
        if (pos + 2 < this.slen && this.code(pos + 1) === CHAR_SINGLE) return this.eString(t, pos);
        return this.qString(t, pos, 1);
      case Lex.QString:
        return this.qString(t, pos, 0);
      case Lex.UString:
        if (pos + 2 < this.slen && this.code(pos + 1) === 0x26 && this.code(pos + 2) === CHAR_SINGLE) {
          const next = this.stringFrom(t, pos + 2, CHAR_SINGLE, 1);
          t.strOpen = 0x75; // u
          if (t.strClose === CHAR_SINGLE) t.strClose = 0x75;
          return next;
        }
        return this.word(t, pos);
      case Lex.XString:
        return this.digitString(t, pos, HEX_DIGIT);
      case Lex.BracketWord: {
        const end = s.indexOf(']', pos);
        if (end < 0) {
          t.assign(T.Bareword, s, pos, this.slen - pos);
          return this.slen;
        }
        t.assign(T.Bareword, s, pos, end - pos + 1);
        return end + 1;
      }
      case Lex.Backslash:
        if (this.code(pos + 1) === 0x4e && pos + 1 < this.slen) {
          t.assign(T.Number, s, pos, 2); // \N: MySQL's NULL
          return pos + 2;
        }
        t.assign(T.Backslash, s, pos, 1);
        return pos + 1;
      case Lex.Tick:
        return this.tick(t, pos);
    }
  }

  private lineComment(t: Token, pos: number): number {
    const nl = this.s.indexOf('\n', pos);
    if (nl < 0) {
      t.assign(T.Comment, this.s, pos, this.slen - pos);
      return this.slen;
    }
    t.assign(T.Comment, this.s, pos, nl - pos);
    return nl + 1;
  }

  /** '--' then whitespace or the end is a comment everywhere; '--x' is a comment in ANSI SQL but two
   * minus signs in MySQL (hence the MySQL pass); a lone '-' is an operator. */
  private dash(t: Token, pos: number): number {
    const next = this.code(pos + 1);
    if (pos + 1 < this.slen && next === 0x2d) {
      if (pos + 2 === this.slen || SQL_WHITE[this.code(pos + 2)] === 1) return this.lineComment(t, pos);
      if (this.flags & SQL_ANSI) {
        this.statsCommentDdx++;
        return this.lineComment(t, pos);
      }
    }
    t.assign(T.Operator, this.s, pos, 1);
    return pos + 1;
  }

  /** '/' or a C comment. A comment that holds another '/*' (PostgreSQL nests them, others do not) or a
   * MySQL '/*!' executable comment makes the input unparsable the same way by every engine: evil. */
  private slash(t: Token, pos: number): number {
    const s = this.s;
    if (pos + 1 === this.slen || s.charCodeAt(pos + 1) !== 0x2a) {
      t.assign(T.Operator, s, pos, 1);
      return pos + 1;
    }
    const close = pos + 2 < this.slen ? s.indexOf('*/', pos + 2) : -1;
    const len = close < 0 ? this.slen - pos : close + 2 - pos;
    let type: number = T.Comment;
    if (close >= 0) {
      const nested = s.indexOf('/*', pos + 2);
      if (nested >= 0 && nested < close) type = T.Evil;
    }
    if (type === T.Comment && pos + 2 < this.slen && s.charCodeAt(pos + 2) === 0x21) type = T.Evil;
    t.assign(type, s, pos, len);
    return pos + len;
  }

  private operator2(t: Token, pos: number): number {
    const s = this.s;
    if (pos + 1 >= this.slen) {
      t.assign(T.Operator, s, pos, 1);
      return pos + 1;
    }
    if (pos + 2 < this.slen && s.startsWith('<=>', pos)) {
      t.assign(T.Operator, s, pos, 3);
      return pos + 3;
    }
    const type = keywordType(s.slice(pos, pos + 2));
    if (type !== 0) {
      t.assign(type, s, pos, 2);
      return pos + 2;
    }
    t.assign(s.charCodeAt(pos) === 0x3a ? T.Colon : T.Operator, s, pos, 1);
    return pos + 1;
  }

  /**
   * A string delimited by `delim` starting at `pos` (`offset` 1: `pos` is the opening quote; 0: the
   * string is assumed open, the quote contexts). A quote preceded by an odd run of backslashes, or
   * doubled (`''`), does not close it.
   */
  stringFrom(t: Token, pos: number, delim: number, offset: number): number {
    const s = this.s;
    const start = pos + offset;
    const q = String.fromCharCode(delim);
    t.strOpen = offset > 0 ? delim : 0;
    let at = s.indexOf(q, start);
    while (at >= 0) {
      let backslashes = 0;
      for (let i = at - 1; i >= start && s.charCodeAt(i) === 0x5c; i--) backslashes++;
      if (backslashes & 1) {
        at = s.indexOf(q, at + 1);
      } else if (at + 1 < this.slen && s.charCodeAt(at + 1) === delim) {
        at = s.indexOf(q, at + 2);
      } else {
        t.assign(T.String, s, start, at - start);
        t.strClose = delim;
        return at + 1;
      }
    }
    t.assign(T.String, s, start, this.slen - start);
    t.strClose = 0;
    return this.slen;
  }

  /** E'...' (and N'...'); otherwise a word. */
  private eString(t: Token, pos: number): number {
    if (pos + 2 >= this.slen || this.code(pos + 1) !== CHAR_SINGLE) return this.word(t, pos);
    return this.stringFrom(t, pos, CHAR_SINGLE, 2);
  }

  /** Oracle's q'<delim>...<delim>' (brackets pair up), `offset` 1 for nq'...'; otherwise a word. */
  private qString(t: Token, start: number, offset: number): number {
    const s = this.s;
    const pos = start + offset;
    const c = this.code(pos);
    if (pos >= this.slen || (c !== 0x71 && c !== 0x51) || pos + 2 >= this.slen || this.code(pos + 1) !== CHAR_SINGLE) {
      return this.word(t, start);
    }
    let close = this.code(pos + 2);
    // libinjection reads the byte as a signed char: a byte above 0x7f is negative and refused like controls.
    if (close < 33 || close > 127) return this.word(t, start);
    if (close === 0x28) close = 0x29;
    else if (close === 0x5b) close = 0x5d;
    else if (close === 0x7b) close = 0x7d;
    else if (close === 0x3c) close = 0x3e;
    const end = pos + 3 < this.slen ? s.indexOf(`${String.fromCharCode(close)}'`, pos + 3) : -1;
    t.strOpen = 0x71;
    if (end < 0) {
      t.assign(T.String, s, pos + 3, this.slen - pos - 3);
      t.strOpen = 0x71;
      t.strClose = 0;
      return this.slen;
    }
    t.assign(T.String, s, pos + 3, end - pos - 3);
    t.strOpen = 0x71;
    t.strClose = 0x71;
    return end + 2;
  }

  /** b'0101' and x'AB09' literals are numbers; anything else starting with b or x is a word. */
  private digitString(t: Token, pos: number, digits: Uint8Array): number {
    if (pos + 2 >= this.slen || this.code(pos + 1) !== CHAR_SINGLE) return this.word(t, pos);
    let end = pos + 2;
    while (end < this.slen && digits[this.s.charCodeAt(end)] === 1) end++;
    if (end >= this.slen || this.s.charCodeAt(end) !== CHAR_SINGLE) return this.word(t, pos);
    t.assign(T.Number, this.s, pos, end + 1 - pos);
    return end + 1;
  }

  /**
   * A bare word, typed by the keyword table. When the word holds '.' or '`' and what comes before it
   * is a keyword (`SELECT.1`, `UNION\`x\``), the token is only that keyword.
   */
  word(t: Token, pos: number): number {
    const s = this.s;
    let end = pos;
    while (end < this.slen && WORD_END[s.charCodeAt(end)] !== 1) end++;
    const wlen = end - pos;
    t.assign(T.Bareword, s, pos, wlen);
    for (let i = 0; i < t.len; i++) {
      const c = t.text.charCodeAt(i);
      if (c === 0x2e || c === 0x60) {
        const type = keywordType(t.text.slice(0, i));
        if (type !== 0 && type !== T.Bareword) {
          t.clear();
          t.assign(type, s, pos, i);
          return pos + i;
        }
      }
    }
    // A word longer than the token buffer is never looked up: it stays a bare word.
    if (wlen <= TOKEN_TEXT_MAX) t.type = keywordType(t.text) || T.Bareword;
    return end;
  }

  /** `name` in MySQL: a function name stays a function, anything else is a bare word. */
  private tick(t: Token, pos: number): number {
    const next = this.stringFrom(t, pos, CHAR_TICK, 1);
    t.type = keywordType(t.text) === T.Function ? T.Function : T.Bareword;
    return next;
  }

  /** @name, @@name, @`name`, @'name' */
  private variable(t: Token, at: number): number {
    const s = this.s;
    let pos = at + 1;
    t.count = 1;
    if (pos < this.slen && s.charCodeAt(pos) === 0x40) {
      pos++;
      t.count = 2;
    }
    if (pos < this.slen) {
      const c = s.charCodeAt(pos);
      if (c === CHAR_TICK) {
        const next = this.tick(t, pos);
        t.type = T.Variable;
        return next;
      }
      if (c === CHAR_SINGLE || c === CHAR_DOUBLE) {
        const next = this.stringFrom(t, pos, c, 1);
        t.type = T.Variable;
        return next;
      }
    }
    let end = pos;
    while (end < this.slen && VARIABLE_END[s.charCodeAt(end)] !== 1) end++;
    t.assign(T.Variable, s, pos, end - pos);
    return end;
  }

  /** '$': money ($1,000.00), PostgreSQL $$...$$ and $tag$...$tag$ strings, or a lone '$' word. */
  private money(t: Token, pos: number): number {
    const s = this.s;
    if (pos + 1 === this.slen) {
      t.assign(T.Bareword, s, pos, 1);
      return this.slen;
    }
    let end = pos + 1;
    while (end < this.slen && MONEY_CHAR[s.charCodeAt(end)] === 1) end++;
    const xlen = end - pos - 1;
    if (xlen === 1 && s.charCodeAt(pos + 1) === 0x2e) return this.word(t, pos); // "$." is a word
    if (xlen > 0) {
      t.assign(T.Number, s, pos, 1 + xlen);
      return end;
    }
    if (s.charCodeAt(pos + 1) === 0x24) return this.dollarString(t, pos + 2, '$$');
    let tagEnd = pos + 1;
    while (tagEnd < this.slen && ASCII_LETTER[s.charCodeAt(tagEnd)] === 1) tagEnd++;
    if (tagEnd === pos + 1 || tagEnd === this.slen || s.charCodeAt(tagEnd) !== 0x24) {
      t.assign(T.Bareword, s, pos, 1);
      return pos + 1;
    }
    return this.dollarString(t, tagEnd + 1, s.slice(pos, tagEnd + 1));
  }

  /** The body of a dollar-quoted string starting at `start`, closed by `tag` or the end of the input. */
  private dollarString(t: Token, start: number, tag: string): number {
    const s = this.s;
    const close = start < this.slen ? s.indexOf(tag, start) : -1;
    t.strOpen = 0x24;
    if (close < 0) {
      t.assign(T.String, s, start, this.slen - start);
      t.strOpen = 0x24;
      t.strClose = 0;
      return this.slen;
    }
    t.assign(T.String, s, start, close - start);
    t.strOpen = 0x24;
    t.strClose = 0x24;
    return close + tag.length;
  }

  /** Numbers: 0x.. and 0b.., decimals, exponents, Oracle's 1.5f/1.5d; "1e" with no exponent is a word. */
  private number(t: Token, start: number): number {
    const s = this.s;
    const slen = this.slen;
    let pos = start;
    if (s.charCodeAt(pos) === 0x30 && pos + 1 < slen) {
      const x = s.charCodeAt(pos + 1);
      const digits = x === 0x78 || x === 0x58 ? HEX_DIGIT : x === 0x62 || x === 0x42 ? BIN_DIGIT : null;
      if (digits !== null) {
        let end = pos + 2;
        while (end < slen && digits[s.charCodeAt(end)] === 1) end++;
        t.assign(end === pos + 2 ? T.Bareword : T.Number, s, pos, end - pos);
        return end;
      }
    }
    while (pos < slen && DIGIT[s.charCodeAt(pos)] === 1) pos++;
    if (pos < slen && s.charCodeAt(pos) === 0x2e) {
      pos++;
      while (pos < slen && DIGIT[s.charCodeAt(pos)] === 1) pos++;
      if (pos - start === 1) {
        t.assign(T.Dot, s, start, 1); // a lone '.'
        return pos;
      }
    }
    let haveE = false;
    let haveExponent = false;
    if (pos < slen && (s.charCodeAt(pos) | 0x20) === 0x65) {
      haveE = true;
      pos++;
      if (pos < slen && (s.charCodeAt(pos) === 0x2b || s.charCodeAt(pos) === 0x2d)) pos++;
      while (pos < slen && DIGIT[s.charCodeAt(pos)] === 1) {
        haveExponent = true;
        pos++;
      }
    }
    // Oracle's float/double suffix, taken only where it cannot be the start of a word ("1fUNION" too).
    if (pos < slen) {
      const c = s.charCodeAt(pos) | 0x20;
      if (c === 0x64 || c === 0x66) {
        const after = this.code(pos + 1);
        if (pos + 1 === slen || SQL_WHITE[after] === 1 || after === 0x3b || (after | 0x20) === 0x75) pos++;
      }
    }
    t.assign(haveE && !haveExponent ? T.Bareword : T.Number, s, start, pos - start);
    return pos;
  }

  /** Merges two adjacent words when the pair is a keyword phrase ("UNION" "ALL", "NOT" "IN"). */
  private mergeWords(a: Token, b: Token): boolean {
    if (MERGE_LEFT[a.type] !== 1 || MERGE_RIGHT[b.type] !== 1) return false;
    const merged = a.len + b.len + 1;
    if (merged > TOKEN_TEXT_MAX) return false;
    const text = `${a.text} ${b.text}`;
    const type = keywordType(text);
    if (type === 0) return false;
    a.type = type;
    a.len = merged;
    a.text = text;
    return true;
  }

  /**
   * Tokenizes and folds until five tokens are settled. Returns how many. `left` counts settled tokens,
   * `pos` where the next goes; each rule below looks at the two or three tokens from `left` and either
   * shrinks them (and goes back to the start, since a fold may allow another) or settles one.
   */
  fold(): number {
    const tv = this.tokens;
    let pos = 0;
    let left = 0;
    let more = true;
    // Leading comments, '(' , SQL types and unary operators say nothing: skip them.
    while (more) {
      more = this.nextToken(tv[0]!);
      const t = tv[0]!;
      if (!(t.type === T.Comment || t.type === T.LeftParens || t.type === T.SqlType || isUnaryOperator(t))) break;
    }
    if (!more) return 0;
    pos = 1;

    for (;;) {
      // With five tokens, a few shapes that are an expression inside a list restart from the front.
      if (pos >= MAX_TOKENS) {
        const a = tv[0]!.type;
        const b = tv[1]!.type;
        const c = tv[2]!.type;
        const d = tv[3]!.type;
        const e = tv[4]!.type;
        if (
          (a === T.Number &&
            (b === T.Operator || b === T.Comma) &&
            c === T.LeftParens &&
            d === T.Number &&
            e === T.RightParens) ||
          (a === T.Bareword &&
            b === T.Operator &&
            c === T.LeftParens &&
            (d === T.Bareword || d === T.Number) &&
            e === T.RightParens) ||
          (a === T.Number && b === T.RightParens && c === T.Comma && d === T.LeftParens && e === T.Number) ||
          (a === T.Bareword && b === T.RightParens && c === T.Operator && d === T.LeftParens && e === T.Bareword)
        ) {
          if (pos > MAX_TOKENS) {
            tv[1]!.copyFrom(tv[MAX_TOKENS]!);
            pos = 2;
          } else {
            pos = 1;
          }
          left = 0;
        }
      }
      if (!more || left >= MAX_TOKENS) {
        left = pos;
        break;
      }

      // Two tokens.
      while (more && pos <= MAX_TOKENS && pos - left < 2) {
        more = this.nextToken(tv[pos]!);
        if (more) {
          if (tv[pos]!.type === T.Comment) this.lastComment.copyFrom(tv[pos]!);
          else {
            this.lastComment.type = 0;
            pos++;
          }
        }
      }
      if (pos - left < 2) {
        left = pos;
        continue;
      }
      const a = tv[left]!;
      const b = tv[left + 1]!;
      if (a.type === T.String && b.type === T.String) {
        pos--; // "foo" "bar" is one string
        continue;
      }
      if (a.type === T.Semicolon && b.type === T.Semicolon) {
        pos--; // repeated semicolons
        continue;
      }
      if ((a.type === T.Operator || a.type === T.LogicOperator) && (isUnaryOperator(b) || b.type === T.SqlType)) {
        pos--; // "= -", "AND NOT", "+ int": the second adds nothing
        left = 0;
        continue;
      }
      if (a.type === T.LeftParens && isUnaryOperator(b)) {
        pos--;
        if (left > 0) left--;
        continue;
      }
      if (this.mergeWords(a, b)) {
        pos--;
        if (left > 0) left--;
        continue;
      }
      if (
        a.type === T.Semicolon &&
        b.type === T.Function &&
        (b.text.charCodeAt(0) | 0x20) === 0x69 &&
        (b.text.charCodeAt(1) | 0x20) === 0x66
      ) {
        b.type = T.Tsql; // "; IF" is Transact-SQL's statement, not the IF() function
        continue;
      }
      if (
        (a.type === T.Bareword || a.type === T.Variable) &&
        b.type === T.LeftParens &&
        FUNCTION_IF_CALLED.has(upperWord(a.text))
      ) {
        a.type = T.Function;
        continue;
      }
      if (a.type === T.Keyword && (a.is('IN') || a.is('NOT IN'))) {
        // "IN (" is the membership operator; any other IN (IN BOOLEAN MODE) is nothing special.
        a.type = b.type === T.LeftParens ? T.Operator : T.Bareword;
        continue;
      }
      if (a.type === T.Operator && (a.is('LIKE') || a.is('NOT LIKE'))) {
        if (b.type === T.LeftParens) a.type = T.Function; // LIKE(...) the function
      } else if (a.type === T.SqlType && SQLTYPE_CAST_TARGET[b.type] === 1) {
        a.copyFrom(b); // "int 1", "char(": the type name is noise
        pos--;
        left = 0;
        continue;
      } else if (a.type === T.Collate && b.type === T.Bareword) {
        // Collation names are too many to list; one with '_' (utf8_bin) is taken as a type.
        if (b.text.includes('_')) {
          b.type = T.SqlType;
          left = 0;
        }
      } else if (a.type === T.Backslash) {
        // T-SQL reads '\%1' as '0 % 1' and '\1' as '1'.
        if (isArithmeticOperator(b)) a.type = T.Number;
        else {
          a.copyFrom(b);
          pos--;
        }
        left = 0;
        continue;
      } else if (a.type === T.LeftParens && b.type === T.LeftParens) {
        pos--;
        left = 0;
        continue;
      } else if (a.type === T.RightParens && b.type === T.RightParens) {
        pos--;
        left = 0;
        continue;
      } else if (a.type === T.LeftBrace && b.type === T.Bareword) {
        // ODBC/MySQL "{name expr}": drop "{ name". MySQL's "{ ``.``.id }" is too odd to fold: evil.
        if (b.len === 0) {
          b.type = T.Evil;
          return left + 2;
        }
        left = 0;
        pos -= 2;
        continue;
      } else if (b.type === T.RightBrace) {
        pos--;
        left = 0;
        continue;
      }

      // Three tokens.
      while (more && pos <= MAX_TOKENS && pos - left < 3) {
        more = this.nextToken(tv[pos]!);
        if (more) {
          if (tv[pos]!.type === T.Comment) this.lastComment.copyFrom(tv[pos]!);
          else {
            this.lastComment.type = 0;
            pos++;
          }
        }
      }
      if (pos - left < 3) {
        left = pos;
        continue;
      }
      const x = tv[left]!;
      const y = tv[left + 1]!;
      const z = tv[left + 2]!;
      if (x.type === T.Number && y.type === T.Operator && z.type === T.Number) {
        pos -= 2; // 1+1 is a number
        left = 0;
        continue;
      }
      if (x.type === T.Operator && y.type !== T.LeftParens && z.type === T.Operator) {
        left = 0;
        pos -= 2;
        continue;
      }
      if (x.type === T.LogicOperator && z.type === T.LogicOperator) {
        pos -= 2;
        left = 0;
        continue;
      }
      if (
        x.type === T.Variable &&
        y.type === T.Operator &&
        (z.type === T.Variable || z.type === T.Number || z.type === T.Bareword)
      ) {
        pos -= 2;
        left = 0;
        continue;
      }
      if (
        (x.type === T.Bareword || x.type === T.Number) &&
        y.type === T.Operator &&
        (z.type === T.Number || z.type === T.Bareword)
      ) {
        pos -= 2;
        left = 0;
        continue;
      }
      if (
        (x.type === T.Bareword || x.type === T.Number || x.type === T.Variable || x.type === T.String) &&
        y.type === T.Operator &&
        y.text === '::' &&
        z.type === T.SqlType
      ) {
        pos -= 2; // PostgreSQL cast: x::int is x
        left = 0;
        continue;
      }
      if (VALUE_TYPES[x.type] === 1 && y.type === T.Comma && VALUE_TYPES[z.type] === 1) {
        pos -= 2; // a list: 1,2 is one value
        left = 0;
        continue;
      }
      if (
        (x.type === T.Expression || x.type === T.Group || x.type === T.Comma) &&
        isUnaryOperator(y) &&
        z.type === T.LeftParens
      ) {
        y.copyFrom(z); // SELECT + (  ->  SELECT (
        pos--;
        left = 0;
        continue;
      }
      if (
        (x.type === T.Keyword || x.type === T.Expression || x.type === T.Group) &&
        isUnaryOperator(y) &&
        UNARY_OPERAND[z.type] === 1
      ) {
        y.copyFrom(z); // SELECT - 1  ->  SELECT 1
        pos--;
        left = 0;
        continue;
      }
      if (x.type === T.Comma && isUnaryOperator(y) && VALUE_TYPES[z.type] === 1) {
        // ", -1" -> ",1", and back up so that "1,-1" can fold into "1".
        y.copyFrom(z);
        left = 0;
        pos -= 3;
        continue;
      }
      if (x.type === T.Comma && isUnaryOperator(y) && z.type === T.Function) {
        y.copyFrom(z);
        pos--;
        left = 0;
        continue;
      }
      if (x.type === T.Bareword && y.type === T.Dot && z.type === T.Bareword) {
        pos -= 2; // database.table
        left = 0;
        continue;
      }
      if (x.type === T.Expression && y.type === T.Dot && z.type === T.Bareword) {
        y.copyFrom(z); // SELECT . `foo` -> SELECT `foo`
        pos--;
        left = 0;
        continue;
      }
      if (x.type === T.Function && y.type === T.LeftParens && z.type !== T.RightParens) {
        // USER() takes no argument: USER(x) is a column or a table, not the function.
        if (x.is('USER')) x.type = T.Bareword;
      }
      left++;
    }

    // A trailing comment that fell out of the five tokens is put back when there is room.
    if (left < MAX_TOKENS && this.lastComment.type === T.Comment) {
      tv[left]!.copyFrom(this.lastComment);
      left++;
    }
    return left > MAX_TOKENS ? MAX_TOKENS : left;
  }

  /** The fingerprint of the input in one mode (flags), left in `this.fingerprint`. */
  fingerprintIn(s: string, flags: number): string {
    this.reset(s, flags);
    const n = this.fold();
    const tv = this.tokens;
    // PHP's "`" opens a comment-like string: an empty unclosed backtick word at the end is a comment.
    const last = tv[n - 1];
    if (n > 2 && last && last.type === T.Bareword && last.strOpen === CHAR_TICK && last.len === 0 && last.strClose === 0) {
      last.type = T.Comment;
    }
    let fp = '';
    for (let i = 0; i < n; i++) fp += String.fromCharCode(tv[i]!.type);
    // Any evil token makes the whole fingerprint "X", which the attack set holds.
    if (fp.includes('X')) {
      fp = 'X';
      tv[0]!.clear();
      tv[0]!.type = T.Evil;
      tv[0]!.text = 'X';
      tv[0]!.len = 1;
      tv[1]!.type = 0;
    }
    this.fingerprint = fp;
    return fp;
  }

  /** The fingerprint is an attack: in the set, and not one of the false-positive shapes. */
  isAttack(): boolean {
    return isAttackFingerprint(this.fingerprint) && !this.isLikelyBenign();
  }

  /**
   * The false-positive reduction: short fingerprints that ordinary text also produces, told apart by
   * details the fingerprint does not carry (the comment's kind, what follows a number, token counts).
   */
  private isLikelyBenign(): boolean {
    const fp = this.fingerprint;
    const tv = this.tokens;
    const n = fp.length;
    // MS SQL audit logs skip any statement mentioning sp_password: a known way to hide an attack.
    if (n > 1 && fp.charCodeAt(n - 1) === T.Comment && this.s.includes('sp_password')) return false;
    if (n === 2) {
      const a = tv[0]!;
      const b = tv[1]!;
      if (b.type === T.Union) return this.statsTokens === 2; // a bare "1 union" is common text
      if (b.text.charCodeAt(0) === 0x23) return true; // "#..." comments: too many false positives
      if (a.type === T.Bareword && b.type === T.Comment && b.text.charCodeAt(0) !== 0x2f) return true; // word --
      if (a.type === T.Number && b.type === T.Comment && b.text.charCodeAt(0) === 0x2f) return false; // 1/*
      if (a.type === T.Number && b.type === T.Comment) {
        if (this.statsTokens > 2) return false; // folding happened: likely an attack
        // "1234--" and "1234 --" are scans; base64-ish "1234-ABC--" is not. What follows the number
        // (looked up at the number's length from the input's start, as libinjection does) decides.
        const c = this.code(a.len);
        // libinjection reads it as a signed char: a byte above 0x7f is negative, so "blank" too.
        if (c <= 32 || c >= 0x80) return false;
        if (c === 0x2f && this.code(a.len + 1) === 0x2a) return false;
        if (c === 0x2d && this.code(a.len + 1) === 0x2d) return false;
        return true;
      }
      // "--" followed by text is prose far more often than SQL.
      if (b.len > 2 && b.text.charCodeAt(0) === 0x2d) return true;
      return false;
    }
    if (n === 3) {
      if (fp === 'sos' || fp === 's&s') {
        // ...foo' + 'bar...: both strings open to the outside, and the same quote between them.
        const x = tv[0]!;
        const z = tv[2]!;
        if (x.strOpen === 0 && z.strClose === 0 && x.strClose === z.strOpen) return false;
        return true;
      }
      if (fp === 's&n' || fp === 'n&1' || fp === '1&1' || fp === '1&v' || fp === '1&s') {
        return this.statsTokens === 3; // 'sexy and 17' is text, 'sexy and 17<18' is not
      }
      if (tv[1]!.type === T.Keyword) {
        // Only INTO OUTFILE / INTO DUMPFILE (MySQL) keep a three-token keyword fingerprint.
        const k = tv[1]!;
        if (k.len < 5 || upperWord(k.text.slice(0, 4)) !== 'INTO') return true;
      }
    }
    return false;
  }
}

/** Sets of token types, as tables indexed by the type's character code (all below 128). */
function typeSet(...types: number[]): Uint8Array {
  const set = new Uint8Array(128);
  for (const t of types) set[t] = 1;
  return set;
}
const MERGE_LEFT = typeSet(T.Keyword, T.Bareword, T.Operator, T.Union, T.Function, T.Expression, T.Tsql, T.SqlType);
const MERGE_RIGHT = typeSet(
  T.Keyword,
  T.Bareword,
  T.Operator,
  T.Union,
  T.Function,
  T.Expression,
  T.Tsql,
  T.SqlType,
  T.LogicOperator,
);
const SQLTYPE_CAST_TARGET = typeSet(T.Bareword, T.Number, T.SqlType, T.LeftParens, T.Function, T.Variable, T.String);
const VALUE_TYPES = typeSet(T.Bareword, T.Number, T.String, T.Variable);
const UNARY_OPERAND = typeSet(T.Number, T.Bareword, T.Variable, T.String, T.Function);

const state = new SqliState();

export interface SqliResult {
  match: boolean;
  /** The fingerprint that matched (libinjection's letters), or null. */
  fingerprint: string | null;
}

/** Whether a run's statistics say the input used a MySQL-only comment form ('#', '--x'). */
function worthMysqlPass(st: SqliState): boolean {
  return st.statsCommentDdx > 0 || st.statsCommentHash > 0;
}

/**
 * `@detectSQLi`: libinjection's verdict on the bytes. The contexts, in libinjection's order: as-is
 * (ANSI, then MySQL when the ANSI pass saw '#' or '--x'); if the input holds a single quote, as if a
 * single-quoted string were open (ANSI, then MySQL likewise); if it holds a double quote, as if a
 * double-quoted string were open (MySQL only, where double quotes are strings).
 */
export function detectSqli(input: Uint8Array): SqliResult {
  if (input.length === 0) return NO_MATCH;
  const s = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  return detectSqliString(s);
}

/** The same over a latin1 string (one char per byte). */
export function detectSqliString(s: string): SqliResult {
  if (s.length === 0) return NO_MATCH;
  const st = state;
  if (attackIn(st, s, QUOTE_NONE | SQL_ANSI)) return matched(st);
  if (worthMysqlPass(st) && attackIn(st, s, QUOTE_NONE | SQL_MYSQL)) return matched(st);
  if (s.includes("'")) {
    if (attackIn(st, s, QUOTE_SINGLE | SQL_ANSI)) return matched(st);
    if (worthMysqlPass(st) && attackIn(st, s, QUOTE_SINGLE | SQL_MYSQL)) return matched(st);
  }
  if (s.includes('"') && attackIn(st, s, QUOTE_DOUBLE | SQL_MYSQL)) return matched(st);
  return NO_MATCH;
}

const NO_MATCH: SqliResult = Object.freeze({ match: false, fingerprint: null });

function attackIn(st: SqliState, s: string, flags: number): boolean {
  st.fingerprintIn(s, flags);
  return st.isAttack();
}

function matched(st: SqliState): SqliResult {
  return { match: true, fingerprint: st.fingerprint };
}

/** The fingerprint of a latin1 string in one context, for tests and tools. */
export function sqliFingerprint(input: string, context: 'none' | 'single' | 'double' = 'none', mysql = false): string {
  const quote = context === 'single' ? QUOTE_SINGLE : context === 'double' ? QUOTE_DOUBLE : QUOTE_NONE;
  return state.fingerprintIn(input, quote | (mysql ? SQL_MYSQL : SQL_ANSI));
}

/** A token as libinjection's test vectors print it: the type, a space, the text (strings with their
 * quotes, variables with their '@'s). */
function printToken(t: Token): string {
  let text = t.text;
  if (t.type === T.String || t.type === T.Variable) {
    text = (t.strOpen ? String.fromCharCode(t.strOpen) : '') + text + (t.strClose ? String.fromCharCode(t.strClose) : '');
    if (t.type === T.Variable) text = '@'.repeat(t.count) + text;
  }
  return `${String.fromCharCode(t.type)} ${text}`;
}

/** The tokens of a latin1 string as-is in ANSI mode, printed as the test vectors print them: every token
 * the lexer makes (`folded` false) or the folded ones (`folded` true). */
export function sqliTokenLines(input: string, folded: boolean): string[] {
  const st = new SqliState();
  st.reset(input, QUOTE_NONE | SQL_ANSI);
  const out: string[] = [];
  if (folded) {
    const n = st.fold();
    for (let i = 0; i < n; i++) out.push(printToken(st.tokens[i]!));
  } else {
    const t = new Token();
    while (st.nextToken(t)) out.push(printToken(t));
  }
  return out;
}
