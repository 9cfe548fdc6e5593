/**
 * libinjection's XSS detector, as ModSecurity's `@detectXSS` runs it, written for netsieve.
 *
 * The input is tokenized as HTML (html5.ts) five times: as page text and as the inside of an attribute
 * value (unquoted, '…', "…", `…`), since a parameter can land in any of these. It is an attack when the
 * tokens show one of the known ways to run script:
 *  - a doctype, or a tag that loads or runs code (script, iframe, object, embed, base, link, meta, style,
 *    anything svg or xsl...);
 *  - an `on…` event handler attribute (a known event name, or any, see XssOptions), `xmlns`/`xlink`, attributes that
 *    always carry script (datasrc, style, filter...);
 *  - a URL attribute (href, src, action, formaction...) whose value starts with `javascript:`, `vbscript:`,
 *    `data:` or `view-source:`, after HTML character references and leading blanks and controls;
 *  - comments IE executes (conditional comments, `<?import`, `<!ENTITY`, a backquote).
 * The lists are libinjection's (data.ts). Work is linear: each pass reads the input once.
 */
import { XSS_ATTRIBUTES, XSS_EVENT_NAMES_TEXT, XSS_TAGS } from './data.js';
import { Html5Start, Html5Token, Html5Tokenizer } from './html5.js';

enum Attr {
  None,
  Black,
  Url,
  Style,
  Indirect,
}

const ATTR_KIND = { black: Attr.Black, url: Attr.Url, style: Attr.Style, indirect: Attr.Indirect } as const;
/** Event names by their first letter: a name can only match an attribute whose third byte is that letter. */
const EVENTS_BY_FIRST: string[][] = Array.from({ length: 128 }, () => []);
for (const name of XSS_EVENT_NAMES_TEXT.split(' ')) EVENTS_BY_FIRST[name.charCodeAt(0)]!.push(name);

/**
 * libinjection's name comparison: the `n` bytes at `s[at..]` with NUL bytes dropped, ASCII upper-cased,
 * equal `word`. Bytes past the end of the input count as NUL (ModSecurity's strings end with one), so a
 * comparison that runs off the input never matches a whole word.
 */
function equalsIgnoringNuls(word: string, s: Uint8Array, at: number, n: number): boolean {
  let wi = 0;
  for (let i = 0; i < n; i++) {
    let c = at + i < s.length ? s[at + i]! : 0;
    if (c === 0) continue;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (wi >= word.length || word.charCodeAt(wi) !== c) return false;
    wi++;
  }
  return wi === word.length;
}

/**
 * The bytes `s[at..at+len)` with NULs dropped and ASCII letters upper-cased, as libinjection compares names;
 * null when more than `max` bytes remain (no listed name is that long), so a long token costs nothing.
 */
function foldedName(s: Uint8Array, at: number, len: number, max: number): string | null {
  let out = '';
  for (let i = at; i < at + len; i++) {
    let c = s[i]!;
    if (c === 0) continue;
    if (out.length === max) return null;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    out += String.fromCharCode(c);
  }
  return out;
}

const TAGS = new Set(XSS_TAGS);
const TAG_MAX = Math.max(...XSS_TAGS.map((t) => t.length));
const ATTRIBUTES = new Map<string, Attr>(XSS_ATTRIBUTES.map(([name, kind]) => [name, ATTR_KIND[kind]]));
const ATTRIBUTE_MAX = Math.max(...XSS_ATTRIBUTES.map(([name]) => name.length));

function isBlackTag(s: Uint8Array, at: number, len: number): boolean {
  if (len < 3) return false;
  const name = foldedName(s, at, len, TAG_MAX);
  if (name !== null && TAGS.has(name)) return true;
  // Anything SVG or XSL(T): their elements can carry script in many ways.
  const a = s[at]! | 0x20;
  const b = s[at + 1]! | 0x20;
  const c = s[at + 2]! | 0x20;
  if (a === 0x73 && b === 0x76 && c === 0x67) return true; // svg
  if (a === 0x78 && b === 0x73 && c === 0x6c) return true; // xsl
  return false;
}

/**
 * Which `on…` attributes are event handlers. 'known': those whose name after "on" starts with a known event
 * name (libinjection since 2020, v3.10 and later). 'any': every `on…` attribute of five characters or more,
 * as libinjection 3.9.2 did, the version ModSecurity 3.0.x embeds (Debian 12's libmodsecurity3 3.0.9).
 */
export type XssEventHandlers = 'known' | 'any';

export interface XssOptions {
  eventHandlers?: XssEventHandlers;
}

function blackAttr(s: Uint8Array, at: number, len: number, anyOn: boolean): Attr {
  if (len < 2) return Attr.None;
  if (len >= 5) {
    if ((s[at]! | 0x20) === 0x6f && (s[at + 1]! | 0x20) === 0x6e) {
      if (anyOn) return Attr.Black;
      // The name after "on" starts with a known event name (a prefix match, as libinjection does).
      let c = at + 2 < s.length ? s[at + 2]! : 0;
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
      const names = c < 128 ? EVENTS_BY_FIRST[c]! : [];
      for (const name of names) if (equalsIgnoringNuls(name, s, at + 2, name.length)) return Attr.Black;
    }
    // xmlns can declare arbitrary elements, xlink can point anywhere.
    if (equalsIgnoringNuls('XMLNS', s, at, 5) || equalsIgnoringNuls('XLINK', s, at, 5)) return Attr.Black;
  }
  const name = foldedName(s, at, len, ATTRIBUTE_MAX);
  return name === null ? Attr.None : (ATTRIBUTES.get(name) ?? Attr.None);
}

/**
 * One character of HTML-encoded text at `s[at..at+n)`: `&#NN;` and `&#xHH;` decoded (the ';' optional),
 * other bytes as they are. Returns the code and sets `consumed`. Like libinjection it may look one or two
 * bytes past `n` (`&#` at the end of a value): those are the input's next bytes, or NUL past its end.
 */
let consumed = 0;
function byteAt(s: Uint8Array, i: number): number {
  return i < s.length ? s[i]! : 0;
}
function decodeCharAt(s: Uint8Array, at: number, n: number): number {
  consumed = 1;
  const c0 = byteAt(s, at);
  if (c0 !== 0x26 || n < 2) return c0;
  if (byteAt(s, at + 1) !== 0x23) return 0x26; // a named reference: '&' is all that matters here
  let value = 0;
  let i: number;
  if ((byteAt(s, at + 2) | 0x20) === 0x78) {
    const first = hexValue(byteAt(s, at + 3));
    if (first < 0) return 0x26;
    value = first;
    for (i = 4; i < n; i++) {
      const c = byteAt(s, at + i);
      if (c === 0x3b) {
        consumed = i + 1;
        return value;
      }
      const h = hexValue(c);
      if (h < 0) {
        consumed = i;
        return value;
      }
      value = value * 16 + h;
      if (value > 0x1000ff) return 0x26;
    }
  } else {
    const first = byteAt(s, at + 2);
    if (first < 0x30 || first > 0x39) return 0x26;
    value = first - 0x30;
    for (i = 3; i < n; i++) {
      const c = byteAt(s, at + i);
      if (c === 0x3b) {
        consumed = i + 1;
        return value;
      }
      if (c < 0x30 || c > 0x39) {
        consumed = i;
        return value;
      }
      value = value * 10 + (c - 0x30);
      if (value > 0x1000ff) return 0x26;
    }
  }
  consumed = i;
  return value;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Whether HTML-encoded `s[at..at+n)` starts with `prefix` (upper case), ignoring case, leading blanks and
 * controls, NULs and newlines anywhere; a decoded character compares by its low byte, as in libinjection.
 */
function encodedStartsWith(prefix: string, s: Uint8Array, at: number, n: number): boolean {
  let pi = 0;
  let first = true;
  while (n > 0) {
    if (pi === prefix.length) return true;
    let c = decodeCharAt(s, at, n);
    at += consumed;
    n = consumed > n ? 0 : n - consumed;
    if (first && c <= 32) continue;
    first = false;
    if (c === 0 || c === 10) continue;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if ((c & 0xff) !== prefix.charCodeAt(pi)) return false;
    pi++;
  }
  return pi === prefix.length;
}

/** A URL value that runs script: javascript: (and "java..."), vbscript:, data:, view-source:. */
function isBlackUrl(s: Uint8Array, at: number, n: number): boolean {
  // Leading blanks, controls and any byte above 0x7e are skipped (browsers skip some Unicode spaces).
  while (n > 0 && (s[at]! <= 32 || s[at]! >= 127)) {
    at++;
    n--;
  }
  return (
    encodedStartsWith('DATA', s, at, n) ||
    encodedStartsWith('VIEW-SOURCE', s, at, n) ||
    encodedStartsWith('JAVA', s, at, n) ||
    encodedStartsWith('VBSCRIPT', s, at, n)
  );
}

const tokenizer = new Html5Tokenizer();

function isXssFrom(s: Uint8Array, start: Html5Start, anyOn: boolean): boolean {
  const h = tokenizer;
  h.init(s, start);
  let attr = Attr.None;
  while (h.next()) {
    const at = h.tokenStart;
    const len = h.tokenLen;
    if (h.tokenType !== Html5Token.AttrValue) attr = Attr.None;
    switch (h.tokenType) {
      case Html5Token.Doctype:
        return true;
      case Html5Token.TagNameOpen:
        if (isBlackTag(s, at, len)) return true;
        break;
      case Html5Token.AttrName:
        attr = blackAttr(s, at, len, anyOn);
        break;
      case Html5Token.AttrValue:
        switch (attr) {
          case Attr.Black:
          case Attr.Style:
            return true;
          case Attr.Url:
            if (isBlackUrl(s, at, len)) return true;
            break;
          case Attr.Indirect:
            if (blackAttr(s, at, len, anyOn) !== Attr.None) return true;
            break;
          case Attr.None:
            break;
        }
        attr = Attr.None;
        break;
      case Html5Token.TagComment: {
        // IE ends tags at a backquote; conditional comments and <?xml / <?import / <!ENTITY run things.
        const tick = s.indexOf(0x60, at);
        if (tick >= 0 && tick < at + len) return true;
        if (len > 3) {
          const a = s[at]!;
          const b = s[at + 1]! | 0x20;
          const c = s[at + 2]! | 0x20;
          if (a === 0x5b && b === 0x69 && c === 0x66) return true; // [if
          if ((a | 0x20) === 0x78 && b === 0x6d && c === 0x6c) return true; // xml
        }
        if (len > 5 && (equalsIgnoringNuls('IMPORT', s, at, 6) || equalsIgnoringNuls('ENTITY', s, at, 6))) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

/**
 * `@detectXSS`: libinjection's verdict on the bytes, trying each place the input could sit in a page.
 * `options.eventHandlers` picks the libinjection version's rule for `on…` attributes (default 'known').
 */
export function detectXss(input: Uint8Array, options?: XssOptions): boolean {
  const anyOn = options?.eventHandlers === 'any';
  return (
    isXssFrom(input, Html5Start.Data, anyOn) ||
    isXssFrom(input, Html5Start.ValueNoQuote, anyOn) ||
    isXssFrom(input, Html5Start.ValueSingleQuote, anyOn) ||
    isXssFrom(input, Html5Start.ValueDoubleQuote, anyOn) ||
    isXssFrom(input, Html5Start.ValueBackQuote, anyOn)
  );
}

/** The HTML5 tokens of an input, for the tokenizer test vectors: [type, bytes as latin1]. */
export function html5Tokens(input: Uint8Array, start: Html5Start = Html5Start.Data): [Html5Token, string][] {
  const h = new Html5Tokenizer();
  h.init(input, start);
  const out: [Html5Token, string][] = [];
  while (h.next())
    out.push([h.tokenType, Buffer.from(input.subarray(h.tokenStart, h.tokenStart + h.tokenLen)).toString('latin1')]);
  return out;
}
