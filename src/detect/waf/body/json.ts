/**
 * `application/json` bodies as ModSecurity v3 reads them: yajl 2's grammar and error messages (no comments,
 * no trailing garbage, strings checked as UTF-8 the way yajl checks them), and ModSecurity's argument names:
 *
 * - a value at the top level is `json`; a member of an object is `<path>.<key>`, where the path of the
 *   top-level container is `json`; an element of an array is `<path of the array>.array_<index>`, so
 *   `{"a":[1,{"b":2}]}` gives `json.a.array_0` and `json.a.array_1.b`, and `[1]` gives `json.array_0`;
 * - an empty key is `empty-key` (`{"":1}` gives `json.empty-key`); empty objects and arrays give nothing;
 * - `true`/`false` are the words, `null` is the empty value, numbers are their text, strings are decoded
 *   (a lone high surrogate becomes `?`, as in yajl 2.1);
 * - each value goes through `SecArgumentsLimit`: when ARGS is full, ModSecurity's callback fails and the
 *   parse stops with yajl's "client cancelled parse" error (so REQBODY_ERROR is set);
 * - an object or array deeper than `SecRequestBodyJsonDepthLimit` stops the parse the same way, with
 *   ". Parsing depth limit exceeded" appended.
 *
 * The error is yajl's non-verbose message ("parse error: premature EOF\n"), without ModSecurity's
 * "JSON parsing error: " prefix. Iterative (no recursion), linear in the body except for the argument names
 * themselves, whose total size netsieve bounds (`MAX_NAME_BYTES`, a netsieve limit reported as an error).
 */
import { type ArgCounter, addArg, type BodyArg, latin1Bytes } from './types.js';

export interface JsonResult {
  args: BodyArg[];
  /** yajl's message, or null when the body parsed. */
  error: string | null;
  depthLimitExceeded: boolean;
}

/** netsieve's bound on the total bytes of argument names built from one body (deep paths repeat per value). */
export const MAX_NAME_BYTES = 64 * 1024 * 1024;

const CANCELLED = 'client cancelled parse via callback return value';

interface Container {
  name: string; // latin-1 (one char per byte)
  array: boolean;
  counter: number;
}

enum St {
  Start,
  ParseComplete,
  MapStart,
  MapNeedKey,
  MapSep,
  MapNeedVal,
  MapGotVal,
  ArrayStart,
  ArrayNeedVal,
  ArrayGotVal,
}

enum Tok {
  Eof,
  Error,
  String,
  Number,
  True,
  False,
  Null,
  LeftBrace,
  RightBrace,
  LeftBracket,
  RightBracket,
  Colon,
  Comma,
}

class Lexer {
  pos = 0;
  error = '';
  start = 0;
  end = 0;
  constructor(readonly s: Uint8Array) {}

  next(): Tok {
    const s = this.s;
    const n = s.length;
    let p = this.pos;
    while (p < n) {
      const c = s[p]!;
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c) p++;
      else break;
    }
    if (p >= n) {
      this.pos = p;
      return Tok.Eof;
    }
    const c = s[p]!;
    this.start = p;
    switch (c) {
      case 0x7b:
        this.pos = p + 1;
        return Tok.LeftBrace;
      case 0x7d:
        this.pos = p + 1;
        return Tok.RightBrace;
      case 0x5b:
        this.pos = p + 1;
        return Tok.LeftBracket;
      case 0x5d:
        this.pos = p + 1;
        return Tok.RightBracket;
      case 0x3a:
        this.pos = p + 1;
        return Tok.Colon;
      case 0x2c:
        this.pos = p + 1;
        return Tok.Comma;
      case 0x74:
        return this.word(p, 'true', Tok.True);
      case 0x66:
        return this.word(p, 'false', Tok.False);
      case 0x6e:
        return this.word(p, 'null', Tok.Null);
      case 0x22:
        return this.string(p + 1);
      case 0x2f:
        return this.fail('probable comment found in input text, comments are not enabled.');
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(p);
        return this.fail('invalid char in json text.');
    }
  }

  fail(msg: string): Tok {
    this.error = msg;
    return Tok.Error;
  }

  word(p: number, w: string, t: Tok): Tok {
    for (let i = 1; i < w.length; i++) {
      if (p + i >= this.s.length) return this.fail('invalid string in json text.'); // yajl ends the text with a space
      if (this.s[p + i] !== w.charCodeAt(i)) return this.fail('invalid string in json text.');
    }
    this.pos = p + w.length;
    return t;
  }

  number(p: number): Tok {
    const s = this.s;
    const at = (i: number): number => (i < s.length ? s[i]! : -1);
    const digit = (c: number): boolean => c >= 0x30 && c <= 0x39;
    if (at(p) === 0x2d) p++;
    if (at(p) === 0x30) p++;
    else if (at(p) >= 0x31 && at(p) <= 0x39) while (digit(at(p))) p++;
    else return this.fail('malformed number, a digit is required after the minus sign.');
    if (at(p) === 0x2e) {
      p++;
      if (!digit(at(p))) return this.fail('malformed number, a digit is required after the decimal point.');
      while (digit(at(p))) p++;
    }
    if (at(p) === 0x65 || at(p) === 0x45) {
      p++;
      if (at(p) === 0x2b || at(p) === 0x2d) p++;
      if (!digit(at(p))) return this.fail('malformed number, a digit is required after the exponent.');
      while (digit(at(p))) p++;
    }
    this.end = p;
    this.pos = p;
    return Tok.Number;
  }

  /** Scans a string from just after its opening quote; start..end is the raw text between the quotes. */
  string(p: number): Tok {
    const s = this.s;
    const n = s.length;
    this.start = p;
    while (p < n) {
      const c = s[p]!;
      if (c === 0x22) {
        this.end = p;
        this.pos = p + 1;
        return Tok.String;
      }
      // At the end of the text yajl sees the space yajl_complete_parse adds: a fault, not a premature EOF.
      if (c === 0x5c) {
        if (p + 1 >= n) return this.fail("inside a string, '\\' occurs before a character which it may not.");
        const e = s[p + 1]!;
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            if (p + k >= n || !isHex(s[p + k]!))
              return this.fail("invalid (non-hex) character occurs after '\\u' inside string.");
          }
          p += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          return this.fail("inside a string, '\\' occurs before a character which it may not.");
        }
        p += 2;
        continue;
      }
      if (c < 0x20) return this.fail('invalid character inside string.');
      if (c < 0x80) {
        p++;
        continue;
      }
      let follow: number;
      if (c >> 5 === 0x6) follow = 1;
      else if (c >> 4 === 0xe) follow = 2;
      else if (c >> 3 === 0x1e) follow = 3;
      else return this.fail('invalid bytes in UTF8 string.');
      for (let k = 1; k <= follow; k++) {
        if (p + k >= n || s[p + k]! >> 6 !== 0x2) return this.fail('invalid bytes in UTF8 string.');
      }
      p += follow + 1;
    }
    return this.eofInString();
  }

  eofInString(): Tok {
    this.pos = this.s.length;
    return Tok.Eof;
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hex4(s: Uint8Array, p: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = s[p + i]!;
    v = (v << 4) | (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10);
  }
  return v;
}

/** yajl_string_decode: the raw bytes between the quotes, escapes resolved. */
function decodeString(s: Uint8Array, start: number, end: number): Uint8Array {
  if (s.subarray(start, end).indexOf(0x5c) < 0) return s.slice(start, end);
  const out: number[] = [];
  let p = start;
  while (p < end) {
    const c = s[p]!;
    if (c !== 0x5c) {
      out.push(c);
      p++;
      continue;
    }
    const e = s[p + 1]!;
    p += 2;
    switch (e) {
      case 0x62:
        out.push(0x08);
        break;
      case 0x66:
        out.push(0x0c);
        break;
      case 0x6e:
        out.push(0x0a);
        break;
      case 0x72:
        out.push(0x0d);
        break;
      case 0x74:
        out.push(0x09);
        break;
      case 0x75: {
        let cp = hex4(s, p);
        p += 4;
        if ((cp & 0xfc00) === 0xd800) {
          if (p + 6 <= end && s[p] === 0x5c && s[p + 1] === 0x75) {
            const lo = hex4(s, p + 2);
            cp = ((cp & 0x3f) << 10) | ((((cp >> 6) & 0xf) + 1) << 16) | (lo & 0x3ff);
            p += 6;
          } else {
            out.push(0x3f);
            break;
          }
        }
        utf8(cp, out);
        break;
      }
      default:
        out.push(e); // " \ /
    }
  }
  return Uint8Array.from(out);
}

function utf8(cp: number, out: number[]): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else if (cp < 0x200000) out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0x3f);
}

function latin1(b: Uint8Array): string {
  let s = '';
  if (b.length < 64) {
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** ModSecurity's JSON naming state (`RequestBodyProcessor::JSON`). */
class Namer {
  containers: Container[] = [];
  currentKey = '';
  /** prefixes[i] is the path of containers[0..i); valid up to `valid`. */
  prefixes: string[] = [''];
  valid = 0;
  nameBytes = 0;

  constructor(
    readonly out: BodyArg[],
    readonly counter: ArgCounter,
  ) {}

  getCurrentKey(): string {
    const ret = this.currentKey;
    if (this.containers.length === 0) return 'json';
    if (ret === '') {
      if (this.containers[this.containers.length - 1]!.array) return '';
      return 'empty-key';
    }
    this.currentKey = '';
    return ret;
  }

  path(): string {
    const cs = this.containers;
    if (this.valid > cs.length) this.valid = cs.length;
    for (let i = this.valid; i < cs.length; i++) {
      const c = cs[i]!;
      this.prefixes[i + 1] = this.prefixes[i] + c.name + (c.array ? `.array_${c.counter}` : '.');
    }
    this.valid = cs.length;
    return this.prefixes[cs.length]!;
  }

  /** Returns false to cancel the parse (ARGS full, or netsieve's name budget spent). */
  add(value: Uint8Array): boolean {
    const path = this.path();
    let data = '';
    const cs = this.containers;
    if (cs.length > 0) {
      const last = cs[cs.length - 1]!;
      if (last.array) this.bump(cs.length - 1);
      else data = this.getCurrentKey();
    } else {
      data = this.getCurrentKey();
    }
    const name = path + data;
    this.nameBytes += name.length;
    if (this.nameBytes > MAX_NAME_BYTES) return false;
    return addArg(this.out, this.counter, latin1Bytes(name), value);
  }

  bump(level: number): void {
    this.containers[level]!.counter++;
    if (this.valid > level) this.valid = level;
  }

  start(array: boolean): void {
    const name = this.getCurrentKey();
    this.containers.push({ name, array, counter: 0 });
  }

  end(): void {
    const cs = this.containers;
    if (cs.length === 0) return;
    cs.pop();
    if (this.valid > cs.length) this.valid = cs.length;
    if (cs.length > 0 && cs[cs.length - 1]!.array) this.bump(cs.length - 1);
  }
}

/** Parses a JSON body into arguments. Never throws. */
export function parseJson(body: Uint8Array, counter: ArgCounter, depthLimit: number): JsonResult {
  const args: BodyArg[] = [];
  const namer = new Namer(args, counter);
  const lex = new Lexer(body);
  const stack: St[] = [St.Start];
  let depth = 0;
  let depthExceeded = false;
  const result = (error: string | null): JsonResult => ({
    args,
    error: error === null ? null : depthExceeded ? `${error}. Parsing depth limit exceeded` : error,
    depthLimitExceeded: depthExceeded,
  });
  const parseError = (msg: string): JsonResult => result(`parse error: ${msg}\n`);
  const cancelled = (): JsonResult =>
    namer.nameBytes > MAX_NAME_BYTES
      ? result(`parse error: ${CANCELLED}\n. netsieve: argument names over ${MAX_NAME_BYTES} bytes`)
      : parseError(CANCELLED);

  for (;;) {
    const state = stack[stack.length - 1]!;
    const tok = lex.next();
    if (state === St.ParseComplete) {
      // yajl reports anything after the value, even a lexical fault, as trailing garbage.
      if (tok !== Tok.Eof) return parseError('trailing garbage');
      return result(null);
    }
    if (tok === Tok.Error) return result(`lexical error: ${lex.error}\n`);
    if (tok === Tok.Eof) return parseError('premature EOF');
    switch (state) {
      case St.Start:
      case St.MapNeedVal:
      case St.ArrayNeedVal:
      case St.ArrayStart: {
        let value: Uint8Array | null = null;
        let open = -1;
        switch (tok) {
          case Tok.String:
            value = decodeString(body, lex.start, lex.end);
            break;
          case Tok.Number:
            value = body.slice(lex.start, lex.end);
            break;
          case Tok.True:
            value = TRUE;
            break;
          case Tok.False:
            value = FALSE;
            break;
          case Tok.Null:
            value = EMPTY;
            break;
          case Tok.LeftBrace:
            open = St.MapStart;
            break;
          case Tok.LeftBracket:
            open = St.ArrayStart;
            break;
          case Tok.RightBracket:
            if (state === St.ArrayStart) {
              namer.end();
              depth--;
              stack.pop();
              continue;
            }
            return parseError('unallowed token at this point in JSON text');
          default:
            return parseError('unallowed token at this point in JSON text');
        }
        if (value !== null) {
          if (!namer.add(value)) return cancelled();
        } else {
          namer.start(open === St.ArrayStart);
          depth++;
          if (depth > depthLimit) {
            depthExceeded = true;
            return parseError(CANCELLED);
          }
        }
        stack[stack.length - 1] = state === St.Start ? St.ParseComplete : state === St.MapNeedVal ? St.MapGotVal : St.ArrayGotVal;
        if (open >= 0) stack.push(open);
        continue;
      }
      case St.MapStart:
      case St.MapNeedKey:
        if (tok === Tok.String) {
          namer.currentKey = latin1(decodeString(body, lex.start, lex.end));
          stack[stack.length - 1] = St.MapSep;
          continue;
        }
        if (tok === Tok.RightBrace && state === St.MapStart) {
          namer.end();
          depth--;
          stack.pop();
          continue;
        }
        return parseError('invalid object key (must be a string)');
      case St.MapSep:
        if (tok === Tok.Colon) {
          stack[stack.length - 1] = St.MapNeedVal;
          continue;
        }
        return parseError("object key and value must be separated by a colon (':')");
      case St.MapGotVal:
        if (tok === Tok.RightBrace) {
          namer.end();
          depth--;
          stack.pop();
          continue;
        }
        if (tok === Tok.Comma) {
          stack[stack.length - 1] = St.MapNeedKey;
          continue;
        }
        return parseError("after key and value, inside map, I expect ',' or '}'");
      case St.ArrayGotVal:
        if (tok === Tok.RightBracket) {
          namer.end();
          depth--;
          stack.pop();
          continue;
        }
        if (tok === Tok.Comma) {
          stack[stack.length - 1] = St.ArrayNeedVal;
          continue;
        }
        return parseError("after array element, I expect ',' or ']'");
    }
  }
}

const TRUE = latin1Bytes('true');
const FALSE = latin1Bytes('false');
const EMPTY = new Uint8Array(0);
