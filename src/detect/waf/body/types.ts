/**
 * What the request body processors give the WAF's variables, and the limits they honour. Values are bytes
 * (`Uint8Array`), as ModSecurity's `std::string`s are: a body is not text until a transformation says so.
 */

/** One argument (`ARGS`, `ARGS_GET`, `ARGS_POST`): a name and a value, both decoded bytes. */
export interface BodyArg {
  name: Uint8Array;
  value: Uint8Array;
}

/** The limits ModSecurity's directives set for body processing. `null` means the directive is unset. */
export interface BodyLimits {
  /** `SecArgumentsLimit`: arguments past this count (query string and body together) are dropped. */
  argumentsLimit: number | null;
  /** `SecArgumentSeparator`: the byte between arguments (its first character; `&` by default). */
  argumentSeparator: number;
  /** `SecRequestBodyJsonDepthLimit` (ModSecurity's default when unset is 10000). */
  jsonDepthLimit: number;
  /** `SecRequestBodyNoFilesLimit`: a URL-encoded, JSON or XML body, or a multipart body's non-file bytes, over it is an error. */
  requestBodyNoFilesLimit: number | null;
  /** `SecUploadFileLimit`: files past it are not extracted (only when files are extracted, see `uploadKeepFiles`). */
  uploadFileLimit: number;
  /**
   * `SecUploadKeepFiles On` or `SecTmpSaveUploadedFiles On`: ModSecurity then extracts files, and only then
   * counts them against `SecUploadFileLimit` (`MULTIPART_FILE_LIMIT_EXCEEDED`).
   */
  uploadKeepFiles: boolean;
  /** netsieve's own bound on XML nesting (libxml2 refuses documents deeper than 256 without XML_PARSE_HUGE). */
  xmlDepthLimit: number;
}

/** ModSecurity's defaults (directives unset). */
export const DEFAULT_BODY_LIMITS: Readonly<BodyLimits> = {
  argumentsLimit: null,
  argumentSeparator: 0x26,
  jsonDepthLimit: 10000,
  requestBodyNoFilesLimit: null,
  uploadFileLimit: 100,
  uploadKeepFiles: false,
  xmlDepthLimit: 256,
};

/** Counts the argument list shares with the rest of the transaction (ARGS from the query string count against the limit). */
export interface ArgCounter {
  /** Arguments already in `ARGS`. */
  count: number;
  /** The limit, `null` for none. */
  limit: number | null;
}

/** Adds an argument unless `ARGS` is full (ModSecurity's `Transaction::addArgument`). Returns whether it was added. */
export function addArg(out: BodyArg[], counter: ArgCounter, name: Uint8Array, value: Uint8Array): boolean {
  if (counter.limit !== null && counter.count >= counter.limit) return false;
  out.push({ name, value });
  counter.count++;
  return true;
}

const encoder = new TextEncoder();

/** Latin-1 text (one char per byte) to bytes; for strings built from byte values. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** UTF-8 bytes of a string written in the source (names such as `json.a.b` are built from bytes, not from this). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Bytes to a latin-1 string (one char per byte), for messages and tests. */
export function bytesLatin1(b: Uint8Array): string {
  let s = '';
  if (b.length < 64) {
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}
