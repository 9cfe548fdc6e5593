/**
 * XML request bodies, enough for CRS: the well-formedness verdict ModSecurity v3 takes from libxml2
 * (`REQBODY_ERROR` with "XML: Failed parsing document."), the text of the document for `XML:/*` (libxml2's
 * `xmlNodeGetContent` of the root: all text and CDATA below it, entities expanded, no comments, no
 * attributes) and the attribute values for `XML://@*` (namespace declarations are not attributes there).
 *
 * A checker written for this, not libxml2: one root element, matching tags, attribute syntax and
 * uniqueness, character and entity references (undeclared entities are fatal unless the document has an
 * external DTD subset or parameter entities, as in libxml2), comments without `--`, no `]]>` in text, no
 * control characters, nothing but comments and PIs after the root, the XML declaration only first, the
 * encoding (UTF-8 checked strictly; a BOM, UTF-16 or a declared encoding the runtime knows are converted),
 * line ends normalised. External entities are never loaded (ModSecurity's `SecXmlExternalEntity Off`),
 * nesting is bounded (libxml2's 256 without XML_PARSE_HUGE) and entity expansion is bounded. Namespace
 * prefixes are not checked: libxml2 reports them as namespace errors, which leave `wellFormed` alone.
 *
 * ModSecurity reads `XML:/*` from libxml2's document even when it is not well formed, so the text and
 * attributes are returned for a failed document too: what the partial tree holds (text up to the fault,
 * elements whose start tag was complete). libxml2's push-parser details reproduced here were found by the
 * differential test against libmodsecurity (test/detect/waf/body/differential.test.ts).
 */
import { TextDecoder } from 'node:util';
import type { BodyArg } from './types.js';

export interface XmlResult {
  /** The error (libxml2's wording where we know it), or null when the document is well formed. */
  error: string | null;
  /**
   * `XML:/*`: the root element's text content, UTF-8; null without a root. When the document is not well
   * formed this is what libxml2's partial tree holds, the text up to the fault, as ModSecurity still reads it.
   */
  text: Uint8Array | null;
  /** `XML://@*`: every attribute, in document order, values UTF-8. */
  attributes: BodyArg[];
}

/** Bound on the bytes that entity expansion may add (libxml2 stops "amplification" attacks too). */
export const MAX_ENTITY_EXPANSION = 10_000_000;

class XmlError extends Error {}

const encoder = new TextEncoder();

function fail(msg: string): never {
  throw new XmlError(msg);
}

function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f ||
    c === 0x3a ||
    (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x300 && c <= 0x36f) && c !== 0x37e && !(c >= 0x2000 && c <= 0x200b))
  );
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7 || (c >= 0x300 && c <= 0x36f);
}

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xfffd && c !== 0xfffe);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
}

/** Bytes to text, as libxml2 would convert them to its internal UTF-8. */
function decode(body: Uint8Array): string {
  let bytes = body;
  let label = 'utf-8';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  else if (bytes[0] === 0x3c && bytes[1] === 0x00 && bytes[2] === 0x3f && bytes[3] === 0x00) label = 'utf-16le';
  else if (bytes[0] === 0x00 && bytes[1] === 0x3c && bytes[2] === 0x00 && bytes[3] === 0x3f) label = 'utf-16be';
  else {
    // The declaration's encoding, read from the ASCII-compatible prefix.
    const head = String.fromCharCode(...bytes.subarray(0, 200));
    const m = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
    if (m !== null) label = m[1]!.toLowerCase();
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label === 'utf-16' ? 'utf-16le' : label, { fatal: true, ignoreBOM: false });
  } catch {
    // iconv (behind libxml2) ignores punctuation in names ("UTF--8" works); other unknown names are fatal.
    try {
      decoder = new TextDecoder(label.replace(/[^a-z0-9]/g, ''), { fatal: true, ignoreBOM: false });
    } catch {
      fail(`Unsupported encoding ${label}`);
    }
  }
  try {
    return decoder.decode(bytes);
  } catch {
    // libxml2 stops at the first bad sequence; what came before is still parsed (and still counts for XML:/*).
    const lenient = new TextDecoder(decoder.encoding).decode(bytes);
    const bad = lenient.indexOf('\ufffd');
    throw new BadEncoding(bad < 0 ? lenient : lenient.slice(0, bad));
  }
}

/** The input is not in its encoding: `prefix` is the text before the first bad sequence. */
class BadEncoding extends Error {
  constructor(readonly prefix: string) {
    super('Input is not proper UTF-8, indicate encoding !');
  }
}

interface EntityDecl {
  value: string | null; // null: external, never loaded
}

class Parser {
  p = 0;
  readonly s: string;
  entities = new Map<string, EntityDecl>();
  hasExternalSubset = false;
  hasPERefs = false;
  standalone = false;
  expanded = 0;
  /** Text under the root, in order; kept when the document fails (libxml2 keeps the partial tree). */
  text: string[] = [];
  rootSeen = false;
  attributes: { name: string; value: string }[] = [];
  depth = 0;
  /** How deep in entity expansion this parser runs (for replacement texts parsed as content). */
  entityDepth = 0;
  /** The input stops at a bad byte sequence: libxml2 keeps the text before it. */
  cutAtBadEncoding = false;

  constructor(
    s: string,
    readonly depthLimit: number,
  ) {
    // Line ends (CR LF and lone CR become LF, XML 1.0 2.11) are normalised in text and attribute values;
    // libxml2's push parser hands CDATA sections over raw.
    this.s = s;
  }

  c(i = 0): number {
    return this.p + i < this.s.length ? this.s.charCodeAt(this.p + i) : -1;
  }

  startsWith(t: string): boolean {
    return this.s.startsWith(t, this.p);
  }

  skipSpace(): boolean {
    const p0 = this.p;
    while (isSpace(this.c())) this.p++;
    return this.p > p0;
  }

  name(): string {
    const p0 = this.p;
    if (!isNameStart(this.c())) fail('xmlParseName: invalid name');
    this.p++;
    while (isNameChar(this.c())) this.p++;
    return this.s.slice(p0, this.p);
  }

  expect(t: string, msg: string): void {
    if (!this.startsWith(t)) fail(msg);
    this.p += t.length;
  }

  checkChars(from: number, to: number): void {
    const s = this.s;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 ? c !== 0x9 && c !== 0xa && c !== 0xd : c === 0xfffe || c === 0xffff) fail('PCDATA invalid Char value');
    }
  }

  document(): void {
    if (this.startsWith('<?xml') && (isSpace(this.c(5)) || this.c(5) === 0x3f)) this.xmlDecl();
    this.misc();
    if (this.startsWith('<!DOCTYPE')) {
      this.doctype();
      this.misc();
    }
    if (this.p >= this.s.length) fail('Document is empty');
    if (this.c() !== 0x3c) fail("Start tag expected, '<' not found");
    this.element(this.text);
    this.misc();
    if (this.p < this.s.length) fail('Extra content at the end of the document');
  }

  xmlDecl(): void {
    this.p += 5;
    const end = this.s.indexOf('?>', this.p);
    if (end < 0) fail("parsing XML declaration: '?>' expected");
    const decl = this.s.slice(this.p, end);
    if (!/^\s+version\s*=\s*(["'])[0-9]+\.[0-9]*\1/.test(decl)) fail('Malformed declaration expecting version');
    if (
      !/^\s+version\s*=\s*(["'])[^"']*\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/.test(
        decl,
      )
    ) {
      fail("parsing XML declaration: '?>' expected");
    }
    if (/standalone\s*=\s*["']yes/.test(decl)) this.standalone = true;
    this.p = end + 2;
  }

  misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<?')) this.pi();
      else return;
    }
  }

  comment(): void {
    const start = this.p + 4;
    const end = this.s.indexOf('--', start);
    if (end < 0) fail('Comment not terminated');
    if (this.s.charCodeAt(end + 2) !== 0x3e) fail('Double hyphen within comment');
    this.checkChars(start, end);
    this.p = end + 3;
  }

  pi(): void {
    this.p += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') fail('XML declaration allowed only at the start of the document');
    const end = this.s.indexOf('?>', this.p);
    if (end < 0) fail('PI not terminated');
    if (end > this.p && !isSpace(this.c())) fail('ParsePI: PI target space expected');
    this.checkChars(this.p, end);
    this.p = end + 2;
  }

  quoted(): string {
    const q = this.c();
    if (q !== 0x22 && q !== 0x27) fail('String literal expected');
    const end = this.s.indexOf(String.fromCharCode(q), this.p + 1);
    if (end < 0) fail('Unfinished literal');
    const v = this.s.slice(this.p + 1, end);
    this.p = end + 1;
    return v;
  }

  externalId(): boolean {
    if (this.startsWith('SYSTEM')) {
      this.p += 6;
      if (!this.skipSpace()) fail('Space required after SYSTEM');
      this.quoted();
      return true;
    }
    if (this.startsWith('PUBLIC')) {
      this.p += 6;
      if (!this.skipSpace()) fail('Space required after PUBLIC');
      this.quoted();
      if (!this.skipSpace()) fail('Space required after the Public Identifier');
      this.quoted();
      return true;
    }
    return false;
  }

  doctype(): void {
    this.p += 9;
    this.skipSpace(); // libxml2 reports a missing space here without failing the document
    this.name();
    this.skipSpace();
    if (this.externalId()) this.hasExternalSubset = true;
    this.skipSpace();
    if (this.c() === 0x5b) {
      this.p++;
      this.internalSubset();
      this.skipSpace();
    }
    this.expect('>', 'DOCTYPE improperly terminated');
    // libxml2's push parser also takes an internal subset that follows the '>' ("<!DOCTYPE a >[...]>").
    if (this.c() === 0x5b) {
      this.p++;
      this.internalSubset();
      this.skipSpace();
      this.expect('>', 'DOCTYPE improperly terminated');
    }
  }

  internalSubset(): void {
    for (;;) {
      this.skipSpace();
      const c = this.c();
      if (c === 0x5d) {
        this.p++;
        return;
      }
      if (c < 0) fail('internal subset not terminated');
      if (c === 0x25) {
        this.hasPERefs = true;
        this.p++;
        this.name();
        this.expect(';', "PEReference: expecting ';'");
      } else if (this.startsWith('<!--')) {
        this.comment();
      } else if (this.startsWith('<?')) {
        this.pi();
      } else if (this.startsWith('<!ENTITY')) {
        this.entityDecl();
      } else if (this.startsWith('<!ELEMENT') || this.startsWith('<!ATTLIST') || this.startsWith('<!NOTATION')) {
        this.skipDecl();
      } else {
        fail('internal error: internal subset');
      }
    }
  }

  /** Skips to the `>` ending a markup declaration, minding quoted literals. */
  skipDecl(): void {
    while (this.p < this.s.length) {
      const c = this.c();
      if (c === 0x22 || c === 0x27) this.quoted();
      else if (c === 0x3e) {
        this.p++;
        return;
      } else this.p++;
    }
    fail('markup declaration not terminated');
  }

  entityDecl(): void {
    this.p += 8;
    if (!this.skipSpace()) fail("Space required after '<!ENTITY'");
    let parameter = false;
    if (this.c() === 0x25) {
      parameter = true;
      this.p++;
      this.skipSpace();
      this.hasPERefs = true;
    }
    const name = this.name();
    if (!this.skipSpace()) fail('Space required after the entity name');
    let decl: EntityDecl;
    if (this.externalId()) {
      decl = { value: null };
      this.skipSpace();
      if (this.startsWith('NDATA')) {
        this.p += 5;
        this.skipSpace();
        this.name();
      }
    } else {
      const literal = this.quoted().replace(/\r\n?/g, '\n');
      if (literal.includes('%')) fail('PEReferences forbidden in internal subset');
      if (/&(?![A-Za-z_:][-A-Za-z0-9._:]*;|#[0-9]+;|#x[0-9a-fA-F]+;)/.test(literal)) {
        fail("EntityValue: '&' forbidden except for entities references");
      }
      decl = { value: literal.replace(/&#(x[0-9a-fA-F]+|[0-9]+);/g, (m) => charRef(m.slice(2, -1))) };
    }
    this.skipSpace();
    this.expect('>', 'xmlParseEntityDecl: entity not terminated');
    if (!parameter && !this.entities.has(name)) this.entities.set(name, decl);
  }

  /** A reference after `&`: its replacement text (expanded, markup dropped). */
  reference(depth: number): string {
    this.p++;
    if (this.c() === 0x23) {
      const end = this.s.indexOf(';', this.p);
      if (end < 0) fail('CharRef: invalid decimal value');
      const v = charRef(this.s.slice(this.p + 1, end));
      this.p = end + 1;
      return v;
    }
    const name = this.name();
    this.expect(';', "EntityRef: expecting ';'");
    return this.entityText(name, depth);
  }

  entityText(name: string, depth: number): string {
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const decl = this.entities.get(name);
    if (decl === undefined) {
      if (this.standalone || (!this.hasExternalSubset && !this.hasPERefs)) fail(`Entity '${name}' not defined`);
      return '';
    }
    if (decl.value === null) return '';
    if (depth > 40) fail('Detected an entity reference loop');
    if (decl.value.includes('<')) {
      // Markup in the replacement text: parsed as content (libxml2 refuses an unbalanced one).
      const wrapped = new Parser(`<_>${decl.value}</_>`, this.depthLimit);
      wrapped.entities = this.entities;
      wrapped.hasExternalSubset = this.hasExternalSubset;
      wrapped.hasPERefs = this.hasPERefs;
      wrapped.entityDepth = depth + 1;
      const parts: string[] = [];
      try {
        wrapped.element(parts);
      } catch (e) {
        fail(`Entity '${name}' failed to parse: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (wrapped.p !== wrapped.s.length) fail(`Entity '${name}' failed to parse`);
      const text = parts.join('');
      this.expanded += text.length + wrapped.expanded;
      if (this.expanded > MAX_ENTITY_EXPANSION) fail('Maximum entity amplification factor exceeded');
      return text;
    }
    const sub = new Parser(decl.value, this.depthLimit);
    sub.entities = this.entities;
    sub.hasExternalSubset = this.hasExternalSubset;
    sub.hasPERefs = this.hasPERefs;
    let out = '';
    while (sub.p < sub.s.length) {
      const c = sub.c();
      if (c === 0x26) out += sub.reference(depth + 1);
      else if (c === 0x3c) {
        const end = sub.s.indexOf('>', sub.p);
        sub.p = end < 0 ? sub.s.length : end + 1;
      } else {
        out += sub.s[sub.p];
        sub.p++;
      }
      if (out.length > MAX_ENTITY_EXPANSION) fail('Maximum entity amplification factor exceeded');
    }
    this.expanded += out.length;
    if (this.expanded > MAX_ENTITY_EXPANSION) fail('Maximum entity amplification factor exceeded');
    return out;
  }

  /** An element from its `<`; appends its text content to `parts`. Iterative over nesting. */
  element(parts: string[]): void {
    const open: string[] = [];
    for (;;) {
      // At a start tag.
      this.p++;
      const name = this.name();
      const seen = new Set<string>();
      const attrs: { name: string; value: string }[] = [];
      for (;;) {
        const hadSpace = this.skipSpace();
        const c = this.c();
        if (c === 0x3e || (c === 0x2f && this.c(1) === 0x3e)) break;
        if (c < 0) fail(`Couldn't find end of Start Tag ${name}`);
        if (!hadSpace) fail('attributes construct error');
        const an = this.name();
        this.skipSpace();
        this.expect('=', `Specification mandates value for attribute ${an}`);
        this.skipSpace();
        const value = this.attValue();
        if (seen.has(an)) fail(`Attribute ${an} redefined`);
        seen.add(an);
        // Namespace declarations are not attributes, unless the prefix is not a name (libxml2 keeps those).
        if (an !== 'xmlns' && !/^xmlns:[A-Za-z_\u00c0-\uffff]/.test(an)) attrs.push({ name: an, value });
      }
      // The element (and its attributes) exists in libxml2's tree only once its start tag is complete.
      this.rootSeen = true;
      for (const a of attrs) this.attributes.push(a);
      let empty = false;
      if (this.c() === 0x2f) {
        empty = true;
        this.p += 2;
      } else {
        this.p++;
      }
      if (!empty) {
        open.push(name);
        if (open.length > this.depthLimit) fail(`Excessive depth in document: ${this.depthLimit} use XML_PARSE_HUGE option`);
      }
      // Content until the next start tag, or until the element stack empties.
      for (;;) {
        if (open.length === 0) return;
        const c = this.c();
        if (c < 0) fail(`Premature end of data in tag ${open[open.length - 1]}`);
        if (c === 0x3c) {
          if (this.startsWith('</')) {
            this.p += 2;
            const end = this.name();
            this.skipSpace();
            this.expect('>', `expected '>'`);
            const top = open.pop()!;
            if (end !== top) fail(`Opening and ending tag mismatch: ${top} and ${end}`);
            continue;
          }
          if (this.startsWith('<!--')) {
            this.comment();
            continue;
          }
          if (this.startsWith('<![CDATA[')) {
            const start = this.p + 9;
            const end = this.s.indexOf(']]>', start);
            if (end < 0) fail('CData section not finished');
            this.checkChars(start, end);
            parts.push(this.s.slice(start, end));
            this.p = end + 3;
            continue;
          }
          if (this.startsWith('<?')) {
            this.pi();
            continue;
          }
          if (this.startsWith('<!')) fail('StartTag: invalid element name');
          break; // a child start tag
        }
        if (c === 0x26) {
          parts.push(this.reference(this.entityDepth));
          continue;
        }
        const start = this.p;
        let end = start;
        const s = this.s;
        while (end < s.length && s.charCodeAt(end) !== 0x3c && s.charCodeAt(end) !== 0x26) end++;
        // Text that runs to the end of the input (a document cut short): libxml2's push parser reads content
        // only while two bytes are left, so a last text of one byte stays unread.
        if (end >= s.length && !this.cutAtBadEncoding && encoder.encode(s.slice(start, end)).length < 2) {
          fail(`Premature end of data in tag ${open[open.length - 1]}`);
        }
        const chunk = s.slice(start, end);
        if (chunk.includes(']]>')) fail("Sequence ']]>' not allowed in content");
        this.checkChars(start, end);
        parts.push(chunk.indexOf('\r') < 0 ? chunk : chunk.replace(/\r\n?/g, '\n'));
        this.p = end;
      }
    }
  }

  attValue(): string {
    const q = this.c();
    if (q !== 0x22 && q !== 0x27) fail('AttValue: " or \' expected');
    this.p++;
    let out = '';
    for (;;) {
      const c = this.c();
      if (c < 0) fail("AttValue: ' expected");
      if (c === q) {
        this.p++;
        return out;
      }
      if (c === 0x3c) fail("Unescaped '<' not allowed in attributes values");
      if (c === 0x26) {
        const isEntity = this.c(1) !== 0x23;
        const name = isEntity ? this.s.slice(this.p + 1, this.s.indexOf(';', this.p)) : '';
        const text = this.reference(this.entityDepth);
        // A declared entity whose replacement text holds '<' may not appear in an attribute value.
        if (isEntity && this.entities.get(name)?.value?.includes('<')) {
          fail(`'<' in entity '${name}' is not allowed in attributes values`);
        }
        out += text; // libxml2 keeps the entity reference; its content comes back unnormalised
        continue;
      }
      if (!isXmlChar(c) && !(c >= 0xd800 && c <= 0xdfff)) fail('invalid character in attribute value');
      if (c === 0xd && this.c(1) === 0xa) this.p++; // CR LF is one line end, one space
      out += c === 0x9 || c === 0xa || c === 0xd ? ' ' : this.s[this.p];
      this.p++;
    }
  }
}

function charRef(body: string): string {
  let v: number;
  if (body.startsWith('x')) v = /^x[0-9a-fA-F]{1,8}$/.test(body) ? Number.parseInt(body.slice(1), 16) : -1;
  else v = /^[0-9]{1,10}$/.test(body) ? Number.parseInt(body, 10) : -1;
  if (v < 0 || !(isXmlChar(v) || (v >= 0x10000 && v <= 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff)) {
    fail(`xmlParseCharRef: invalid xmlChar value ${v}`);
  }
  return String.fromCodePoint(v);
}

/** Checks an XML body and extracts what `XML:/*` and `XML://@*` read. Never throws. */
export function parseXml(body: Uint8Array, depthLimit = 256): XmlResult {
  let source: string;
  let error: string | null = null;
  try {
    source = decode(body);
  } catch (e) {
    if (!(e instanceof BadEncoding)) return { error: e instanceof Error ? e.message : String(e), text: null, attributes: [] };
    source = e.prefix;
    error = e.message;
  }
  const parser = new Parser(source, depthLimit);
  parser.cutAtBadEncoding = error !== null;
  try {
    parser.document();
  } catch (e) {
    error ??= e instanceof Error ? e.message : String(e);
  }
  return {
    error,
    text: parser.rootSeen ? encoder.encode(parser.text.join('')) : null,
    attributes: parser.attributes.map((a) => ({ name: encoder.encode(a.name), value: encoder.encode(a.value) })),
  };
}
