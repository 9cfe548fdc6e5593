/**
 * The HTML5 tokenizer libinjection's XSS detector reads input with: a cut-down version of the HTML5
 * specification's tokenizer states (data, tag open, tag name, attribute name and value in each quoting,
 * comments, bogus comments, CDATA, doctype), plus the browser quirks that matter for attacks (NUL bytes
 * ignored in tag names, IE's backquoted values and `<% %>` comments). It yields tag names, attribute names
 * and values, comments and doctypes; no tree, no entity decoding (the URL check decodes what it needs).
 *
 * It can start in the data state or inside an attribute value (unquoted, '…', "…" or `…`), since a
 * parameter may land in any of those places of a page. It works on the bytes in place: a token is a
 * span of the input. Every state moves forward, so a run is linear in the input.
 */

export enum Html5Token {
  DataText,
  TagNameOpen,
  TagNameClose,
  TagNameSelfClose,
  TagData,
  TagClose,
  AttrName,
  AttrValue,
  TagComment,
  Doctype,
}

/** Where the input is assumed to start. */
export enum Html5Start {
  Data,
  ValueNoQuote,
  ValueSingleQuote,
  ValueDoubleQuote,
  ValueBackQuote,
}

enum State {
  Eof,
  Data,
  TagOpen,
  TagNameClose,
  BeforeAttributeName,
  AttributeValueSingle,
  AttributeValueDouble,
  AttributeValueBack,
  AfterAttributeName,
  BeforeAttributeValue,
  AfterAttributeValueQuoted,
  SelfClosingStartTag,
  AttributeName,
}

/** Returned by skipWhite at the end of the input. libinjection returns the byte as a signed char, so a
 * 0xff byte reads as this same -1 and ends the tag there too; kept, since ModSecurity behaves so. */
const EOF = -1;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const PERCENT = 0x25;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const TICK = 0x60;
const DASH = 0x2d;
const RBRACKET = 0x5d;

/** HTML whitespace as libinjection tests it, NUL included (its test finds C strings' terminator). */
function isWhite(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

export class Html5Tokenizer {
  private s: Uint8Array = new Uint8Array(0);
  private len = 0;
  private pos = 0;
  private state: State = State.Eof;
  private isClose = false;
  tokenStart = 0;
  tokenLen = 0;
  tokenType: Html5Token = Html5Token.DataText;

  init(s: Uint8Array, start: Html5Start): void {
    this.s = s;
    this.len = s.length;
    this.pos = 0;
    this.isClose = false;
    this.tokenStart = 0;
    this.tokenLen = 0;
    this.tokenType = Html5Token.DataText;
    switch (start) {
      case Html5Start.Data:
        this.state = State.Data;
        break;
      case Html5Start.ValueNoQuote:
        this.state = State.BeforeAttributeName;
        break;
      case Html5Start.ValueSingleQuote:
        this.state = State.AttributeValueSingle;
        break;
      case Html5Start.ValueDoubleQuote:
        this.state = State.AttributeValueDouble;
        break;
      case Html5Start.ValueBackQuote:
        this.state = State.AttributeValueBack;
        break;
    }
  }

  /** The next token into tokenStart/tokenLen/tokenType; false at the end. */
  next(): boolean {
    switch (this.state) {
      case State.Eof:
        return false;
      case State.Data:
        return this.data();
      case State.TagOpen:
        return this.tagOpen();
      case State.TagNameClose:
        return this.tagNameClose();
      case State.BeforeAttributeName:
        return this.beforeAttributeName();
      case State.AttributeValueSingle:
        return this.attributeValueQuoted(SQUOTE);
      case State.AttributeValueDouble:
        return this.attributeValueQuoted(DQUOTE);
      case State.AttributeValueBack:
        return this.attributeValueQuoted(TICK);
      case State.AfterAttributeName:
        return this.afterAttributeName();
      case State.BeforeAttributeValue:
        return this.beforeAttributeValue();
      case State.AfterAttributeValueQuoted:
        return this.afterAttributeValueQuoted();
      case State.SelfClosingStartTag:
        return this.selfClosingStartTag();
      case State.AttributeName:
        return this.attributeName();
    }
  }

  private emit(type: Html5Token, start: number, len: number): true {
    this.tokenType = type;
    this.tokenStart = start;
    this.tokenLen = len;
    return true;
  }

  /** Skips whitespace (NUL and the vertical tab too, as IE does); the next byte, or EOF. */
  private skipWhite(): number {
    while (this.pos < this.len) {
      const c = this.s[this.pos]!;
      if (c === 0 || c === 0x20 || (c >= 0x09 && c <= 0x0d)) this.pos++;
      else return c === 0xff ? EOF : c;
    }
    return EOF;
  }

  private data(): boolean {
    const lt = this.s.indexOf(LT, this.pos);
    if (lt < 0) {
      const start = this.pos;
      this.state = State.Eof;
      if (this.len - start === 0) return false;
      return this.emit(Html5Token.DataText, start, this.len - start);
    }
    const start = this.pos;
    this.pos = lt + 1;
    this.state = State.TagOpen;
    if (lt - start === 0) return this.tagOpen();
    return this.emit(Html5Token.DataText, start, lt - start);
  }

  private tagOpen(): boolean {
    if (this.pos >= this.len) return false;
    const c = this.s[this.pos]!;
    if (c === BANG) {
      this.pos++;
      return this.markupDeclarationOpen();
    }
    if (c === SLASH) {
      this.pos++;
      this.isClose = true;
      return this.endTagOpen();
    }
    if (c === QUESTION) {
      this.pos++;
      return this.bogusComment();
    }
    if (c === PERCENT) {
      // <% ... %>: not HTML5, but old IE and Safari took it as a comment.
      this.pos++;
      return this.bogusComment2();
    }
    if (isAsciiLetter(c) || c === 0) return this.tagName(); // NULs are ignored in tag names (IE)
    if (this.pos === 0) return this.data();
    // A '<' followed by anything else is text.
    this.state = State.Data;
    return this.emit(Html5Token.DataText, this.pos - 1, 1);
  }

  private endTagOpen(): boolean {
    if (this.pos >= this.len) return false;
    const c = this.s[this.pos]!;
    if (c === GT) return this.data();
    if (isAsciiLetter(c)) return this.tagName();
    this.isClose = false;
    return this.bogusComment();
  }

  private tagNameClose(): boolean {
    this.isClose = false;
    const start = this.pos;
    this.pos++;
    this.state = this.pos < this.len ? State.Data : State.Eof;
    return this.emit(Html5Token.TagNameClose, start, 1);
  }

  private tagName(): boolean {
    const start = this.pos;
    for (let p = start; p < this.len; p++) {
      const c = this.s[p]!;
      if (c === 0) continue;
      if (isWhite(c)) {
        this.pos = p + 1;
        this.state = State.BeforeAttributeName;
        return this.emit(Html5Token.TagNameOpen, start, p - start);
      }
      if (c === SLASH) {
        this.pos = p + 1;
        this.state = State.SelfClosingStartTag;
        return this.emit(Html5Token.TagNameOpen, start, p - start);
      }
      if (c === GT) {
        if (this.isClose) {
          this.pos = p + 1;
          this.isClose = false;
          this.state = State.Data;
          return this.emit(Html5Token.TagClose, start, p - start);
        }
        this.pos = p;
        this.state = State.TagNameClose;
        return this.emit(Html5Token.TagNameOpen, start, p - start);
      }
    }
    this.state = State.Eof;
    return this.emit(Html5Token.TagNameOpen, start, this.len - start);
  }

  private beforeAttributeName(): boolean {
    // A run of '/' not followed by '>' is skipped here in a loop (libinjection turned this mutual
    // recursion with the self-closing state into a loop to bound its stack).
    for (;;) {
      const c = this.skipWhite();
      if (c === EOF) return false;
      if (c === SLASH) {
        this.pos++;
        if (this.pos < this.len && this.s[this.pos] !== GT) continue;
        return this.selfClosingStartTag();
      }
      if (c === GT) {
        this.state = State.Data;
        const start = this.pos;
        this.pos++;
        return this.emit(Html5Token.TagNameClose, start, 1);
      }
      return this.attributeName();
    }
  }

  private attributeName(): boolean {
    const start = this.pos;
    for (let p = start + 1; p < this.len; p++) {
      const c = this.s[p]!;
      let next: State | -1 = -1;
      let after = p + 1;
      if (isWhite(c)) next = State.AfterAttributeName;
      else if (c === SLASH) next = State.SelfClosingStartTag;
      else if (c === EQUALS) next = State.BeforeAttributeValue;
      else if (c === GT) {
        next = State.TagNameClose;
        after = p;
      }
      if (next !== -1) {
        this.state = next;
        this.pos = after;
        return this.emit(Html5Token.AttrName, start, p - start);
      }
    }
    this.state = State.Eof;
    this.pos = this.len;
    return this.emit(Html5Token.AttrName, start, this.len - start);
  }

  private afterAttributeName(): boolean {
    const c = this.skipWhite();
    if (c === EOF) return false;
    if (c === SLASH) {
      this.pos++;
      return this.selfClosingStartTag();
    }
    if (c === EQUALS) {
      this.pos++;
      return this.beforeAttributeValue();
    }
    if (c === GT) return this.tagNameClose();
    return this.attributeName();
  }

  private beforeAttributeValue(): boolean {
    const c = this.skipWhite();
    if (c === EOF) {
      this.state = State.Eof;
      return false;
    }
    if (c === DQUOTE) return this.attributeValueQuoted(DQUOTE);
    if (c === SQUOTE) return this.attributeValueQuoted(SQUOTE);
    if (c === TICK) return this.attributeValueQuoted(TICK); // IE's backquoted values
    return this.attributeValueUnquoted();
  }

  private attributeValueQuoted(quote: number): boolean {
    // At the very start the input is already inside the value (a quote context): no quote to skip.
    if (this.pos > 0) this.pos++;
    const start = this.pos;
    const end = this.s.indexOf(quote, start);
    if (end < 0) {
      this.state = State.Eof;
      return this.emit(Html5Token.AttrValue, start, this.len - start);
    }
    this.state = State.AfterAttributeValueQuoted;
    this.pos = end + 1;
    return this.emit(Html5Token.AttrValue, start, end - start);
  }

  private attributeValueUnquoted(): boolean {
    const start = this.pos;
    for (let p = start; p < this.len; p++) {
      const c = this.s[p]!;
      if (isWhite(c)) {
        this.pos = p + 1;
        this.state = State.BeforeAttributeName;
        return this.emit(Html5Token.AttrValue, start, p - start);
      }
      if (c === GT) {
        this.pos = p;
        this.state = State.TagNameClose;
        return this.emit(Html5Token.AttrValue, start, p - start);
      }
    }
    this.state = State.Eof;
    return this.emit(Html5Token.AttrValue, start, this.len - start);
  }

  private afterAttributeValueQuoted(): boolean {
    if (this.pos >= this.len) return false;
    const c = this.s[this.pos]!;
    if (isWhite(c)) {
      this.pos++;
      return this.beforeAttributeName();
    }
    if (c === SLASH) {
      this.pos++;
      return this.selfClosingStartTag();
    }
    if (c === GT) {
      const start = this.pos;
      this.pos++;
      this.state = State.Data;
      return this.emit(Html5Token.TagNameClose, start, 1);
    }
    return this.beforeAttributeName();
  }

  private selfClosingStartTag(): boolean {
    if (this.pos >= this.len) return false;
    if (this.s[this.pos] === GT) {
      const start = this.pos - 1;
      this.pos++;
      this.state = State.Data;
      return this.emit(Html5Token.TagNameSelfClose, start, 2);
    }
    return this.beforeAttributeName();
  }

  /** `<?...>` and `</ ...>`: up to the next '>'. */
  private bogusComment(): boolean {
    const start = this.pos;
    const gt = this.s.indexOf(GT, start);
    if (gt < 0) {
      this.pos = this.len;
      this.state = State.Eof;
      return this.emit(Html5Token.TagComment, start, this.len - start);
    }
    this.pos = gt + 1;
    this.state = State.Data;
    return this.emit(Html5Token.TagComment, start, gt - start);
  }

  /** `<% ... %>` */
  private bogusComment2(): boolean {
    const start = this.pos;
    let from = start;
    for (;;) {
      const pc = this.s.indexOf(PERCENT, from);
      if (pc < 0 || pc + 1 >= this.len) {
        this.pos = this.len;
        this.state = State.Eof;
        return this.emit(Html5Token.TagComment, start, this.len - start);
      }
      if (this.s[pc + 1] !== GT) {
        from = pc + 1;
        continue;
      }
      this.pos = pc + 2;
      this.state = State.Data;
      return this.emit(Html5Token.TagComment, start, pc - start);
    }
  }

  /** After `<!`: a doctype, a CDATA section, a comment, or a bogus comment. */
  private markupDeclarationOpen(): boolean {
    const s = this.s;
    const p = this.pos;
    const remaining = this.len - p;
    if (remaining >= 7 && matchesFolded(s, p, 'DOCTYPE')) return this.doctype();
    if (remaining >= 7 && matchesExact(s, p, '[CDATA[')) {
      this.pos += 7;
      return this.cdata();
    }
    if (remaining >= 2 && s[p] === DASH && s[p + 1] === DASH) {
      this.pos += 2;
      return this.comment();
    }
    return this.bogusComment();
  }

  /** `<!-- ... -->`, also closed by `--!>`, with NULs ignored between the dashes. */
  private comment(): boolean {
    const s = this.s;
    const start = this.pos;
    const toEnd = (): boolean => {
      this.state = State.Eof;
      return this.emit(Html5Token.TagComment, start, this.len - start);
    };
    let from = start;
    for (;;) {
      const dash = s.indexOf(DASH, from);
      if (dash < 0 || dash > this.len - 3) return toEnd();
      let off = 1;
      while (dash + off < this.len && s[dash + off] === 0) off++;
      if (dash + off === this.len) return toEnd();
      let c = s[dash + off]!;
      if (c !== DASH && c !== BANG) {
        from = dash + 1;
        continue;
      }
      off++;
      if (dash + off === this.len) return toEnd();
      c = s[dash + off]!;
      if (c !== GT) {
        from = dash + 1;
        continue;
      }
      off++;
      this.pos = dash + off;
      this.state = State.Data;
      return this.emit(Html5Token.TagComment, start, dash - start);
    }
  }

  private cdata(): boolean {
    const s = this.s;
    const start = this.pos;
    let from = start;
    for (;;) {
      const rb = s.indexOf(RBRACKET, from);
      if (rb < 0 || rb > this.len - 3) {
        this.state = State.Eof;
        return this.emit(Html5Token.DataText, start, this.len - start);
      }
      if (s[rb + 1] === RBRACKET && s[rb + 2] === GT) {
        this.state = State.Data;
        this.pos = rb + 3;
        return this.emit(Html5Token.DataText, start, rb - start);
      }
      from = rb + 1;
    }
  }

  private doctype(): boolean {
    const start = this.pos;
    const gt = this.s.indexOf(GT, start);
    if (gt < 0) {
      this.state = State.Eof;
      return this.emit(Html5Token.Doctype, start, this.len - start);
    }
    this.state = State.Data;
    this.pos = gt + 1;
    return this.emit(Html5Token.Doctype, start, gt - start);
  }
}

/** ASCII case-insensitive match of `word` (upper case) at `s[p..]`. */
function matchesFolded(s: Uint8Array, p: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    let c = s[p + i]!;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

function matchesExact(s: Uint8Array, p: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (s[p + i] !== word.charCodeAt(i)) return false;
  return true;
}
