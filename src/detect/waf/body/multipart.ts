/**
 * `multipart/form-data` bodies with ModSecurity v3's semantics (`RequestBodyProcessor::Multipart`), which
 * CRS reads through `ARGS_POST`, `FILES*`, `MULTIPART_PART_HEADERS`, `MULTIPART_STRICT_ERROR` and its parts,
 * `MULTIPART_UNMATCHED_BOUNDARY` and `REQBODY_ERROR`. ModSecurity's behaviour, faults included, is the
 * specification here, because CRS's rules and regression tests are written against it:
 *
 * - The body is cut into lines of at most 4096 bytes (a longer line is cut into pieces; a `\r` never ends a
 *   piece, and only a piece that starts a line can be a boundary).
 * - A field's value is the concatenation of its lines *without* their line ends (ModSecurity v3 drops the
 *   CR/LF it holds back at each line end for form fields); a file's size counts every byte but the line end
 *   before the next boundary.
 * - Part-header faults (missing Content-Disposition, a bad Content-Disposition, a header without a colon,
 *   NUL bytes, folding without a header) set the error message (`REQBODY_ERROR`) but do not stop the
 *   parser; a later fault replaces the message. Boundary faults stop it. A duplicate part header is ignored.
 * - `filename=""` makes a field, not a file. Parts without a name are dropped (`MULTIPART_INVALID_PART`).
 * - Without its final boundary ("Final boundary missing.") a body gives no ARGS and no FILES at all
 *   (MULTIPART_PART_HEADERS, MULTIPART_NAME and MULTIPART_FILENAME keep what was read).
 * - Fields bypass `SecArgumentsLimit` (ModSecurity adds them to ARGS directly).
 * - `MULTIPART_UNMATCHED_BOUNDARY` is 1 when a line looked like a boundary but was not ours, and becomes 2
 *   at every matched boundary after the first (CRS's rule 200004 tests `@eq 1`).
 */
import { type BodyArg, type BodyLimits, bytesLatin1, latin1Bytes } from './types.js';

const BUF_SIZE = 4096;
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/** The MULTIPART_* flags ModSecurity sets once a multipart body has been processed (0 or 1, UNMATCHED_BOUNDARY 0-2). */
export interface MultipartFlags {
  boundaryQuoted: number;
  boundaryWhitespace: number;
  dataBefore: number;
  dataAfter: number;
  headerFolding: number;
  lfLine: number;
  crlfLfLines: number;
  missingSemicolon: number;
  invalidQuoting: number;
  invalidPart: number;
  invalidHeaderFolding: number;
  fileLimitExceeded: number;
  unmatchedBoundary: number;
  /** MULTIPART_STRICT_ERROR: the OR of the flags above but CRLF_LF_LINES and UNMATCHED_BOUNDARY, and of a parser error. */
  strictError: number;
}

export interface MultipartFile {
  /** The part's name (FILES_NAMES, and the key of FILES and FILES_SIZES). */
  name: Uint8Array;
  /** The filename the client sent (FILES). */
  filename: Uint8Array;
  /** FILES_SIZES. */
  size: number;
}

export interface MultipartResult {
  /** ARGS_POST (and ARGS), in part order. */
  args: BodyArg[];
  files: MultipartFile[];
  /** FILES_COMBINED_SIZE. */
  filesCombinedSize: number;
  /** MULTIPART_PART_HEADERS: every part's header lines, keyed by the part's name. */
  partHeaders: BodyArg[];
  /** MULTIPART_NAME and MULTIPART_FILENAME: every `name=` and `filename=` read, in order. */
  names: Uint8Array[];
  filenames: Uint8Array[];
  flags: MultipartFlags;
  /** The error message without ModSecurity's "Multipart parsing error: " prefix, or null (the last one set). */
  error: string | null;
  /**
   * The body reached code where ModSecurity reads past a string (an unterminated quoted value in
   * Content-Disposition): its outcome depends on heap contents; netsieve fails the part (code -12).
   */
  undefinedInModSecurity: boolean;
  /** Every error message set, in order (ModSecurity keeps only the last; at most 64 are kept here). */
  messages: string[];
  /** The bytes that are not file contents (for SecRequestBodyNoFilesLimit). */
  noFilesLength: number;
}

interface Part {
  type: 1 | 2; // 1 form data, 2 file
  name: Uint8Array | null;
  filename: Uint8Array | null;
  valueParts: Uint8Array[];
  size: number;
  /** Header name (lower-case latin-1) -> its value, kept in pieces so folding stays linear. */
  headers: Map<string, HeaderValue>;
  lastHeaderName: string;
  /** The header line being built: its bytes, or the name of a folded header (built when it is recorded). */
  lastHeaderLine: Uint8Array | string | null;
  headerLines: Uint8Array[];
}

interface HeaderValue {
  pieces: Uint8Array[];
  length: number;
}

function headerBytes(h: HeaderValue): Uint8Array {
  if (h.pieces.length > 1) h.pieces = [concat(h.pieces)];
  return h.pieces[0]!;
}

function newPart(): Part {
  return {
    type: 1,
    name: null,
    filename: null,
    valueParts: [],
    size: 0,
    headers: new Map(),
    lastHeaderName: '',
    lastHeaderLine: null,
    headerLines: [],
  };
}

/** C's isspace in the C locale. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isXdigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const MIME_CHARSET_SPECIAL = new Set(Array.from('!#$%&+-^_`{}~', (c) => c.charCodeAt(0)));
const ATTR_CHAR_SPECIAL = new Set(Array.from('!#$&+-.^_`~', (c) => c.charCodeAt(0)));
const TOKEN_SEPARATORS = new Set(Array.from('()<>@,;:\\"/[]?=', (c) => c.charCodeAt(0)));
const BOUNDARY_SPECIAL = new Set(Array.from("'()+_,-./:=?", (c) => c.charCodeAt(0)));

function isTokenChar(c: number): boolean {
  return c > 32 && c < 127 && !TOKEN_SEPARATORS.has(c);
}

/** RFC 2046's boundary characters; a space is allowed but not last. */
function boundaryCharactersValid(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (isAlnum(c) || BOUNDARY_SPECIAL.has(c)) continue;
    if (c === 0x20 && i + 1 < b.length) continue;
    return false;
  }
  return true;
}

/** How many times "boundary" appears (any case) with a `=` somewhere after it. */
function countBoundaryParams(s: string): number {
  const lower = s.toLowerCase();
  let count = 0;
  let i = 0;
  while ((i = lower.indexOf('boundary', i)) >= 0) {
    i += 8;
    if (lower.indexOf('=', i) >= 0) count++;
  }
  return count;
}

/** C string semantics: the text stops at the first NUL. */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

interface BoundaryInit {
  boundary: Uint8Array | null;
  error: string | null;
  flagError: boolean;
  quoted: number;
  whitespace: number;
  missingSemicolon: number;
}

/** `Multipart::init`: the boundary from the Content-Type value (latin-1 text). */
export function parseBoundary(contentType: string): BoundaryInit {
  const r: BoundaryInit = { boundary: null, error: null, flagError: false, quoted: 0, whitespace: 0, missingSemicolon: 0 };
  const fail = (msg: string): BoundaryInit => {
    r.flagError = true;
    r.error = msg;
    return r;
  };
  const header = cString(contentType);
  if (header.length === 0) return fail('Multipart: Content-Type header not available.');
  if (header.length > 1024) return fail('Multipart: Invalid boundary in C-T (length).');
  if (header.slice(0, 19).toLowerCase() !== 'multipart/form-data') return fail('Multipart: Invalid MIME type.');
  if (countBoundaryParams(header) > 1) return fail('Multipart: Multiple boundary parameters in C-T.');
  const at = header.indexOf('boundary');
  if (at < 0) {
    if (countBoundaryParams(header) > 0) return fail('Multipart: Invalid boundary in C-T (case sensitivity).');
    return fail('Multipart: Boundary not found in C-T.');
  }
  let seenSemicolon = false;
  for (let p = 19; p < at; p++) {
    const c = header.charCodeAt(p);
    if (isSpace(c)) continue;
    if (!seenSemicolon && c === 0x3b) seenSemicolon = true;
    else return fail('Multipart: Invalid boundary in C-T (malformed).');
  }
  if (!seenSemicolon) r.missingSemicolon = 1;
  let b = header.indexOf('=', at + 8);
  if (b < 0) return fail('Multipart: Invalid boundary in C-T (malformed).');
  for (let p = at + 8; p < b; p++) {
    if (isSpace(header.charCodeAt(p))) r.whitespace = 1;
    else return fail('Multipart: Invalid boundary in C-T (parameter name).');
  }
  b++;
  const rest = header.slice(b);
  if (rest.length > 0 && isSpace(rest.charCodeAt(0))) r.whitespace = 1;
  let boundary: string;
  if (rest.length >= 2 && rest[0] === '"' && rest[rest.length - 1] === '"') {
    boundary = rest.slice(1, -1);
    if (boundary.length === 0) return r; // ModSecurity gives up here without an error or a flag
    r.quoted = 1;
  } else {
    if (rest[0] === '"' || (rest.length >= 2 && rest[rest.length - 1] === '"')) {
      return fail('Multipart: Invalid boundary in C-T (quote).');
    }
    boundary = rest;
    if (boundary.length === 0) return r;
  }
  if (countBoundaryParams(boundary) !== 0) return fail('Multipart: Invalid boundary in C-T (content).');
  let bytes = latin1Bytes(boundary);
  if (!boundaryCharactersValid(bytes)) {
    // Some frameworks put a charset= after the boundary; ModSecurity tolerates it.
    const semi = bytes.indexOf(0x3b);
    if (semi >= 0) bytes = bytes.subarray(0, semi);
  }
  if (!boundaryCharactersValid(bytes)) return fail('Multipart: Invalid boundary in C-T (characters).');
  if (bytes.length === 0) return fail('Multipart: Invalid boundary in C-T (empty).');
  r.boundary = bytes;
  return r;
}

/** The multipart parser's state, one per body. */
class MultipartParser {
  readonly boundary: Uint8Array;
  readonly limits: BodyLimits;
  readonly buf = new Uint8Array(BUF_SIZE + 2);
  len = 0;
  bufContainsLine = true;
  crlfState = 0;
  crlfStateBufEnd = 0;
  mpp: Part | null = null;
  mppState = 0;
  dataRead = 0;
  reserve = 0; // bytes held back at the end of the last data line (1 or 2)
  boundaryCount = 0;
  isComplete = false;
  seenData = false;
  nfiles = 0;
  noFilesLength = 0;
  parts: Part[] = [];
  partHeaders: BodyArg[] = [];
  names: Uint8Array[] = [];
  filenames: Uint8Array[] = [];
  error: string | null = null;
  flagError = false;
  f = {
    dataBefore: 0,
    dataAfter: 0,
    headerFolding: 0,
    lfLine: 0,
    crlfLine: 0,
    unmatchedBoundary: 0,
    invalidQuoting: 0,
    invalidPart: 0,
    invalidHeaderFolding: 0,
    fileLimitExceeded: 0,
  };

  readonly bufView: Buffer;
  readonly dashBoundary: Buffer;

  constructor(boundary: Uint8Array, limits: BodyLimits) {
    this.boundary = boundary;
    this.bufView = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.dashBoundary = Buffer.concat([Buffer.of(DASH, DASH), boundary]);
    this.limits = limits;
  }

  /** The byte at i, or 0 past the line (the C buffer is NUL-terminated). */
  at(i: number): number {
    return i < this.len ? this.buf[i]! : 0;
  }

  /** strlen(m_buf). */
  strlen(): number {
    const z = this.buf.subarray(0, this.len).indexOf(0);
    return z < 0 ? this.len : z;
  }

  /** strncmp(buf + from, boundary, blen) == 0, with C string semantics. */
  boundaryAt(from: number): boolean {
    const b = this.boundary;
    for (let i = 0; i < b.length; i++) if (this.at(from + i) !== b[i]) return false;
    return true;
  }

  lineText(): string {
    return cString(bytesLatin1(this.buf.subarray(0, this.len)));
  }

  /** `Multipart::process` over the whole body. */
  process(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    this.seenData = true;
    let i = 0;
    while (i < n) {
      const c = data[i]!;
      let processBuffer = false;
      if (c === CR && this.len === BUF_SIZE - 1) {
        processBuffer = true; // a \r is never the last byte of a piece
      } else {
        i++;
        this.buf[this.len++] = c;
      }
      if (c === LF || this.len === BUF_SIZE || processBuffer) {
        if (!this.processLine(processBuffer)) return;
        this.len = 0;
        this.bufContainsLine = c === LF;
        if (c === LF) this.crlfState = this.crlfState === 1 ? 3 : 2;
        this.crlfStateBufEnd = this.crlfState;
      }
      if (c === CR) this.crlfState = 1;
      else if (c !== LF) this.crlfState = 0;
      if (this.isComplete && i < n) {
        this.f.dataAfter = 1;
        return;
      }
    }
  }

  fail(msg: string): false {
    this.flagError = true;
    this.setError(msg);
    return false;
  }

  messages: string[] = [];

  setError(msg: string): void {
    this.error = msg;
    if (this.messages.length < 64) this.messages.push(msg);
  }

  /** One piece of the body (a line, or up to 4096 bytes of one). Returns false when ModSecurity stops. */
  processLine(processBuffer: boolean): boolean {
    const blen = this.boundary.length;
    let asBoundary = false;
    const sl = this.strlen();
    if (this.bufContainsLine && sl > 3 && this.buf[0] === DASH && this.buf[1] === DASH) {
      if (sl >= blen + 2 && this.boundaryAt(2)) {
        if (this.crlfStateBufEnd === 2) this.f.lfLine = 1;
        if (this.dataRead === 0 && this.boundaryCount > 0) {
          this.f.invalidPart = 1; // our boundary where part data should begin: treated as data
        } else {
          let end = 2 + blen;
          if (this.boundaryCount > 0) this.f.unmatchedBoundary = 2;
          let isFinal = false;
          if (this.at(end) === DASH && this.at(end + 1) === DASH) {
            isFinal = true;
            end += 2;
            if (this.isComplete) return this.fail('Multipart: Invalid boundary (final duplicate).');
          }
          const crlf = this.at(end) === CR && this.at(end + 1) === LF && this.at(end + 2) === 0 && end + 2 === this.len;
          const lf = this.at(end) === LF && end + 1 === this.len;
          if (!crlf && !lf) return this.fail(`Multipart: Invalid boundary: ${this.lineText()}`);
          if (lf) this.f.lfLine = 1;
          else this.f.crlfLine = 1;
          this.processBoundary(isFinal);
          if (isFinal) this.isComplete = true;
          asBoundary = true;
          this.boundaryCount++;
        }
      } else {
        if (this.quotedFlag && sl >= blen + 3 && this.buf[2] === 0x22 && this.boundaryAt(3)) {
          return this.fail('Multipart: Invalid boundary (quotes).');
        }
        let p = 2;
        while (isSpace(this.at(p))) p++;
        if (p !== 2 && this.boundaryAt(p)) return this.fail('Multipart: Invalid boundary (whitespace).');
        this.f.unmatchedBoundary = 1;
      }
    } else if (this.bufContainsLine) {
      // "--" and our boundary anywhere in the line (Buffer's search keeps this linear).
      if (this.bufView.subarray(0, this.len).indexOf(this.dashBoundary) >= 0) this.f.unmatchedBoundary = 1;
    }
    if (!asBoundary) {
      if (this.mpp === null) {
        this.f.dataBefore = 1;
      } else if (this.mppState === 0) {
        if (this.len === BUF_SIZE || processBuffer) {
          return this.fail(`Multipart: Part header line over ${BUF_SIZE} bytes long`);
        }
        this.processPartHeader(this.mpp);
      } else {
        this.processPartData(this.mpp);
      }
    }
    return true;
  }

  quotedFlag = 0;

  processPartData(part: Part): void {
    this.dataRead = 1;
    let len = this.len;
    let reserved = 0;
    if (len >= 1 && this.buf[len - 1] === LF) {
      reserved = len >= 2 && this.buf[len - 2] === CR ? 2 : 1;
      len -= reserved;
    }
    if (part.type === 2) {
      let extract = this.limits.uploadKeepFiles;
      if (extract && this.limits.uploadFileLimit > 0 && this.nfiles >= this.limits.uploadFileLimit) {
        if (this.f.fileLimitExceeded === 0) {
          this.setError(
            `Multipart: Upload file limit exceeded ${this.limits.uploadFileLimit}. Use SecUploadFileLimit to change the limit.`,
          );
          this.f.fileLimitExceeded = 1;
        }
        extract = false;
      }
      if (extract && part.size === 0 && !this.fileOpen.has(part)) {
        this.fileOpen.add(part);
        this.nfiles++;
      }
      part.size += len + this.reserve;
    } else {
      this.noFilesLength += len + this.reserve;
      // ModSecurity v3 assigns the held-back line end and then overwrites it with the line: it is lost.
      part.valueParts.push(this.buf.slice(0, len));
      part.size += len;
    }
    this.reserve = reserved;
  }

  fileOpen = new Set<Part>();

  processPartHeader(part: Part): void {
    const len = this.len;
    const line = this.buf.subarray(0, len);
    if (line.indexOf(0) >= 0) {
      this.setError('Multipart: Nul byte in part headers.');
      return;
    }
    this.noFilesLength += len;
    let lenWithoutEnd = len - 1;
    if (len > 1 && this.buf[len - 2] === CR) {
      this.f.crlfLine = 1;
      lenWithoutEnd--;
    } else {
      this.f.lfLine = 1;
    }
    if ((len === 2 && line[0] === CR && line[1] === LF) || (len === 1 && line[0] === LF)) {
      this.endOfHeaders(part);
      return;
    }
    if (isSpace(line[0]!)) {
      this.f.headerFolding = 1;
      if (line[0] !== 0x09 && line[0] !== 0x20) this.f.invalidHeaderFolding = 1;
      if (part.lastHeaderName === '') {
        this.setError('Multipart: Invalid part header (folding error).');
        return;
      }
      let d = 0;
      while (d < len && isSpace(line[d]!)) {
        if (line[d] !== 0x09 && line[d] !== 0x20) this.f.invalidHeaderFolding = 1;
        d++;
      }
      const added = chomp(line.subarray(d)).slice();
      const h = part.headers.get(part.lastHeaderName.toLowerCase())!;
      h.pieces.push(SPACE, added);
      h.length += 1 + added.length;
      if (h.length > BUF_SIZE) {
        this.setError('Multipart: Part header too long.');
        return;
      }
      part.lastHeaderLine = part.lastHeaderName;
      return;
    }
    this.recordHeaderLine(part);
    const colon = line.indexOf(0x3a);
    if (colon < 0) {
      this.setError(`Multipart: Invalid part header (colon missing): ${bytesLatin1(line)}`);
      return;
    }
    if (colon === 0) {
      this.setError('Multipart: Invalid part header (header name missing).');
      return;
    }
    for (let k = 0; k < colon; k++) {
      const ch = line[k]!;
      if (ch < 33 || ch > 126) {
        this.setError('Multipart: Invalid part header (contains invalid character).');
        return;
      }
    }
    const name = bytesLatin1(line.subarray(0, colon));
    let v = colon + 1;
    while (v < len && (line[v] === 0x09 || line[v] === 0x20)) v++;
    const value = chomp(line.subarray(v));
    const key = name.toLowerCase();
    if (part.headers.has(key)) return; // ModSecurity logs the duplicate and ignores it
    part.lastHeaderName = name;
    part.headers.set(key, { pieces: [value.slice()], length: value.length });
    part.lastHeaderLine = lenWithoutEnd > 0 ? line.slice(0, lenWithoutEnd) : null;
  }

  /** Moves the header line being built to the part's header lines (MULTIPART_PART_HEADERS). */
  recordHeaderLine(part: Part): void {
    const l = part.lastHeaderLine;
    if (typeof l === 'string') {
      const h = part.headers.get(l.toLowerCase())!;
      part.headerLines.push(concat([latin1Bytes(l), COLON_SPACE, headerBytes(h)]));
    } else if (l !== null && l.length > 0) {
      part.headerLines.push(l);
    }
    part.lastHeaderLine = null;
  }

  endOfHeaders(part: Part): void {
    this.recordHeaderLine(part);
    const cdh = part.headers.get('content-disposition');
    if (cdh === undefined) {
      this.setError('Multipart: Part missing Content-Disposition header.');
      return;
    }
    const cd = headerBytes(cdh);
    const rc = this.parseContentDisposition(part, cd);
    if (rc < 0) {
      this.setError(`Multipart: Invalid Content-Disposition header (${rc}): ${cString(bytesLatin1(cd))}`);
      return;
    }
    if (part.name === null || part.name.length === 0) {
      this.setError('Multipart: Content-Disposition header missing name field.');
      return;
    }
    if (part.filename !== null && part.filename.length > 0) {
      if (!bytesLatin1(cd).includes('filename=')) {
        this.setError('Multipart: Invalid Content-Disposition header (filename).');
        return;
      }
      part.type = 2;
    } else {
      part.type = 1;
    }
    this.mppState = 1;
    this.dataRead = 0;
    part.lastHeaderName = '';
  }

  /** `Multipart::parse_content_disposition`: 1, or ModSecurity's negative error code. */
  parseContentDisposition(part: Part, value: Uint8Array): number {
    const z = value.indexOf(0);
    const s = z < 0 ? value : value.subarray(0, z);
    const n = s.length;
    const at = (i: number): number => (i < n ? s[i]! : 0);
    if (bytesLatin1(s.subarray(0, 9)) !== 'form-data') return -1;
    let p = 9;
    while (at(p) === 0x09 || at(p) === 0x20) p++;
    if (p >= n) return 1;
    if (at(p) !== 0x3b) return -2;
    p++;
    let filenameStar: Uint8Array | null = null;
    while (p < n) {
      while (at(p) === 0x09 || at(p) === 0x20) p++;
      if (p >= n) return -3;
      const start = p;
      while (p < n && at(p) !== 0x3d && at(p) !== 0x09 && at(p) !== 0x20) p++;
      if (p >= n) return -4;
      const name = bytesLatin1(s.subarray(start, p));
      while (at(p) === 0x09 || at(p) === 0x20) p++;
      if (p >= n) return -5;
      if (at(p) !== 0x3d) return -13;
      p++;
      while (at(p) === 0x09 || at(p) === 0x20) p++;
      if (p >= n) return -6;
      let quote = 0;
      let unterminated = false;
      let val: Uint8Array;
      if (name === 'filename*') {
        const cs = p;
        while (p < n && (isAlnum(at(p)) || MIME_CHARSET_SPECIAL.has(at(p)))) p++;
        if (at(p) !== 0x27 || p === cs) return -16;
        p++;
        while (p < n && at(p) !== 0x27) p++;
        if (at(p) !== 0x27) return -17;
        p++;
        const fs = p;
        while (p < n && at(p) !== 0x3b) {
          if (at(p) === 0x25) {
            if (p + 1 >= n || !isXdigit(at(p + 1)) || !isXdigit(at(p + 2))) return -18;
            p += 3;
          } else if (isAlnum(at(p)) || ATTR_CHAR_SPECIAL.has(at(p))) {
            p++;
          } else {
            return -19;
          }
        }
        val = s.slice(fs, p > n ? n : p);
        if (p > n) p = n;
      } else if (at(p) === 0x22 || at(p) === 0x27) {
        quote = at(p);
        if (quote === 0x27) this.f.invalidQuoting = 1;
        p++;
        if (p >= n) return -7;
        const out: number[] = [];
        while (p < n) {
          if (at(p) === 0x5c) {
            if (p + 1 >= n) return -8;
            if (at(p + 1) === quote || at(p + 1) === 0x5c) p++; // only the quote and \ are escaped
          } else if (at(p) === quote) {
            break;
          }
          out.push(at(p));
          p++;
        }
        // Past the closing quote. Without one, ModSecurity steps over the string's NUL and reads what lies
        // beyond (undefined behaviour); libmodsecurity 3.0.9 was seen to fail there, so an unterminated quote
        // fails here with the code of "no semicolon after the value", after the name is taken.
        if (p >= n) {
          unterminated = true;
          this.undefinedInModSecurity = true;
        }
        p = p < n ? p + 1 : n;
        val = Uint8Array.from(out);
      } else {
        const start2 = p;
        while (p < n && isTokenChar(at(p))) p++;
        val = s.slice(start2, p);
      }
      if (name === 'name') {
        this.validateQuotes(val, quote);
        this.names.push(val);
        if (part.name !== null && part.name.length > 0) return -14;
        part.name = val;
      } else if (name === 'filename') {
        this.validateQuotes(val, quote);
        this.filenames.push(val);
        if (part.filename !== null && part.filename.length > 0) return -15;
        part.filename = val;
      } else if (name === 'filename*') {
        if (filenameStar !== null && filenameStar.length > 0) return -20;
        filenameStar = val;
      } else {
        return -11;
      }
      if (unterminated) return -12;
      if (p < n) {
        while (at(p) === 0x09 || at(p) === 0x20) p++;
        if (p < n) {
          if (at(p) !== 0x3b) {
            if (at(p - 1) === 0x27 || at(p - 1) === 0x22) this.f.invalidQuoting = 1;
            return -12;
          }
          p++;
        }
      }
    }
    if (filenameStar !== null && filenameStar.length > 0 && (part.filename === null || part.filename.length === 0)) return -21;
    return 1;
  }

  validateQuotes(v: Uint8Array, quote: number): void {
    if (quote === 0x22) return;
    if (v.indexOf(0x27) >= 0) this.f.invalidQuoting = 1;
  }

  processBoundary(last: boolean): void {
    const part = this.mpp;
    if (part !== null) {
      const key = part.name ?? EMPTY;
      for (const line of part.headerLines) this.partHeaders.push({ name: key, value: line });
      if (part.name !== null && part.name.length > 0) this.parts.push(part);
      else this.f.invalidPart = 1;
      this.mpp = null;
    }
    if (!last) {
      this.mpp = newPart();
      this.mppState = 0;
      this.dataRead = 0;
      this.reserve = 0;
    }
  }

  /** `Multipart::multipart_complete`. */
  complete(flags: MultipartFlags): void {
    const f = this.f;
    flags.dataBefore = f.dataBefore;
    flags.dataAfter = f.dataAfter;
    flags.headerFolding = f.headerFolding;
    flags.lfLine = f.lfLine;
    flags.crlfLfLines = f.crlfLine && f.lfLine ? 1 : 0;
    flags.invalidQuoting = f.invalidQuoting;
    flags.invalidPart = f.invalidPart;
    flags.invalidHeaderFolding = f.invalidHeaderFolding;
    flags.fileLimitExceeded = f.fileLimitExceeded;
    flags.unmatchedBoundary = f.unmatchedBoundary;
    flags.strictError =
      this.flagError ||
      flags.boundaryQuoted ||
      flags.boundaryWhitespace ||
      f.dataBefore ||
      f.dataAfter ||
      f.headerFolding ||
      f.lfLine ||
      flags.missingSemicolon ||
      f.invalidQuoting ||
      f.invalidPart ||
      f.invalidHeaderFolding ||
      f.fileLimitExceeded
        ? 1
        : 0;
    if (this.seenData && !this.isComplete) {
      if (this.boundaryCount > 0) {
        const blen = this.boundary.length;
        if (
          this.bufContainsLine &&
          this.len === 4 + blen &&
          this.buf[0] === DASH &&
          this.buf[1] === DASH &&
          this.boundaryAt(2) &&
          this.buf[2 + blen] === DASH &&
          this.buf[3 + blen] === DASH
        ) {
          // The final boundary without a line end: ModSecurity re-sets these variables one by one.
          if (this.crlfStateBufEnd === 2 && f.lfLine !== 1) {
            f.lfLine = 1;
            flags.lfLine = 1;
            flags.crlfLfLines = f.crlfLine ? 1 : 0;
            flags.strictError = 1;
          }
          if (this.dataRead === 0 && f.invalidPart !== 1) {
            f.invalidPart = 1;
            flags.invalidPart = 1;
            flags.strictError = 1;
          }
          this.processBoundary(true);
          this.isComplete = true;
        }
        if (!this.isComplete) {
          this.setError('Multipart: Final boundary missing.');
          this.incomplete = true;
        }
      } else {
        this.setError('Multipart: No boundaries found in payload.');
        this.incomplete = true;
      }
    }
  }

  /** The body reached code where ModSecurity's outcome is undefined (an unterminated quoted value). */
  undefinedInModSecurity = false;

  /** ModSecurity returns before adding the parts to ARGS and FILES when the body ends without its final boundary. */
  incomplete = false;
}

const EMPTY = new Uint8Array(0);
const SPACE = Uint8Array.of(0x20);
const COLON_SPACE = Uint8Array.of(0x3a, 0x20);

/** std::string chomp: drop trailing CR/LF, unless the text is nothing but CR/LF. */
function chomp(b: Uint8Array): Uint8Array {
  let e = b.length;
  while (e > 0 && (b[e - 1] === CR || b[e - 1] === LF)) e--;
  return e === 0 ? b : b.subarray(0, e);
}

function concat(list: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const b of list) n += b.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const b of list) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function emptyFlags(): MultipartFlags {
  return {
    boundaryQuoted: 0,
    boundaryWhitespace: 0,
    dataBefore: 0,
    dataAfter: 0,
    headerFolding: 0,
    lfLine: 0,
    crlfLfLines: 0,
    missingSemicolon: 0,
    invalidQuoting: 0,
    invalidPart: 0,
    invalidHeaderFolding: 0,
    fileLimitExceeded: 0,
    unmatchedBoundary: 0,
    strictError: 0,
  };
}

/**
 * Parses a multipart/form-data body. `contentType` is the request's (first) Content-Type value as latin-1
 * text. Never throws; linear in the body's length.
 */
export function parseMultipart(contentType: string, body: Uint8Array, limits: BodyLimits): MultipartResult {
  const flags = emptyFlags();
  const init = parseBoundary(contentType);
  const result: MultipartResult = {
    args: [],
    files: [],
    filesCombinedSize: 0,
    partHeaders: [],
    names: [],
    filenames: [],
    flags,
    error: init.error,
    messages: init.error === null ? [] : [init.error],
    undefinedInModSecurity: false,
    noFilesLength: 0,
  };
  flags.boundaryQuoted = init.quoted;
  flags.boundaryWhitespace = init.whitespace;
  flags.missingSemicolon = init.missingSemicolon;
  if (init.boundary === null) {
    // ModSecurity still completes the (empty) parse: only the C-T flags and the error count.
    flags.strictError = init.flagError || init.quoted || init.whitespace || init.missingSemicolon ? 1 : 0;
    return result;
  }
  const p = new MultipartParser(init.boundary, limits);
  p.quotedFlag = init.quoted;
  p.process(body);
  p.complete(flags);
  result.error = p.error;
  result.messages = p.messages;
  result.undefinedInModSecurity = p.undefinedInModSecurity;
  result.partHeaders = p.partHeaders;
  result.names = p.names;
  result.filenames = p.filenames;
  result.noFilesLength = p.noFilesLength;
  if (p.incomplete) return result;
  for (const part of p.parts) {
    const name = part.name!;
    if (part.type === 2) {
      result.files.push({ name, filename: part.filename ?? EMPTY, size: part.size });
      result.filesCombinedSize += part.size;
    } else {
      result.args.push({ name, value: concat(part.valueParts) });
    }
  }
  return result;
}
