/**
 * The request body processors: `processRequestBody` picks one as ModSecurity v3's
 * `Transaction::processRequestBody` does and returns what the WAF's variables read.
 *
 * - `ctl:requestBodyProcessor=XML` or `=JSON` (CRS's rules 200000, 200001 and 200006 set them in phase 1
 *   from the Content-Type) win over the Content-Type; otherwise a Content-Type starting (any case) with
 *   `multipart/form-data` selects MULTIPART and one starting with `application/x-www-form-urlencoded`
 *   selects URLENCODED (`ctl:requestBodyProcessor=URLENCODED` selects it too). Any other body is not
 *   parsed and is no error.
 * - `SecRequestBodyNoFilesLimit`: a URL-encoded, JSON or XML body over it is not parsed and sets
 *   REQBODY_ERROR (not REQBODY_PROCESSOR_ERROR); for multipart, the non-file bytes are compared after
 *   parsing, and only when parsing raised no error.
 * - REQBODY_ERROR_MSG is ModSecurity's: "Multipart parsing error: ...", "JSON parsing error: ...",
 *   "XML parsing error: XML: Failed parsing document." (netsieve's own reason is in `detail`).
 * - A JSON body that is empty is no error (ModSecurity ignores yajl's error then); an empty XML body is.
 */
import { parseJson } from './json.js';
import { type MultipartFile, type MultipartFlags, parseMultipart } from './multipart.js';
import { type ArgCounter, type BodyArg, type BodyLimits, bytesLatin1, DEFAULT_BODY_LIMITS } from './types.js';
import { parseUrlencoded, urldecodeNonstrict } from './urlencoded.js';
import { parseXml } from './xml.js';

export type { JsonResult } from './json.js';
export { MAX_NAME_BYTES, parseJson } from './json.js';
export type { MultipartFile, MultipartFlags, MultipartResult } from './multipart.js';
export { parseBoundary, parseMultipart } from './multipart.js';
export type { ArgCounter, BodyArg, BodyLimits } from './types.js';
export { DEFAULT_BODY_LIMITS } from './types.js';
export type { UrlencodedResult } from './urlencoded.js';
export { parseUrlencoded, urldecodeNonstrict };
export type { XmlResult } from './xml.js';
export { MAX_ENTITY_EXPANSION, parseXml } from './xml.js';

/** REQBODY_PROCESSOR's values. */
export type BodyProcessorName = 'URLENCODED' | 'MULTIPART' | 'JSON' | 'XML';

export interface BodyResult {
  /** REQBODY_PROCESSOR (null when no processor applies). */
  processor: BodyProcessorName | null;
  /** The body's arguments, in order, to append to ARGS (after the query string's). */
  args: BodyArg[];
  /** ARGS_POST: the same list for URL-encoded and multipart bodies; empty for JSON (ModSecurity adds JSON to ARGS only). */
  argsPost: BodyArg[];
  /** FILES, FILES_NAMES, FILES_SIZES (multipart). */
  files: MultipartFile[];
  filesCombinedSize: number;
  /** MULTIPART_PART_HEADERS, keyed by part name. */
  partHeaders: BodyArg[];
  /** MULTIPART_NAME, MULTIPART_FILENAME. */
  multipartNames: Uint8Array[];
  multipartFilenames: Uint8Array[];
  /** Every multipart error message in order (ModSecurity keeps only the last, which is `error`). */
  multipartMessages: string[];
  /** Multipart: ModSecurity's own outcome is undefined for this body (see `MultipartResult`). */
  multipartUndefined: boolean;
  /** The MULTIPART_* flags (null when the body is not multipart). */
  flags: MultipartFlags | null;
  /** URLENCODED_ERROR (1 when a URL-encoded body's value had an invalid % escape). */
  urlencodedError: boolean;
  /**
   * `XML:/*` (the root's text, null without a root) and `XML://@*`; null unless the XML processor ran. Set
   * for a document that is not well formed too: ModSecurity reads libxml2's partial tree.
   */
  xml: { text: Uint8Array | null; attributes: BodyArg[] } | null;
  /** REQBODY_ERROR_MSG; REQBODY_ERROR is 1 when it is not null. */
  error: string | null;
  /** REQBODY_PROCESSOR_ERROR (the processor failed; a size limit alone sets only REQBODY_ERROR). */
  processorError: boolean;
  /** INBOUND_DATA_ERROR: SecRequestBodyNoFilesLimit was exceeded. */
  inboundDataError: boolean;
  /** netsieve's reason for an XML error (ModSecurity's message says only "Failed parsing document"). */
  detail: string | null;
}

export interface BodyOptions {
  /** The ctl:requestBodyProcessor the rules set, if any. */
  processor?: BodyProcessorName | null;
  /** Arguments already in ARGS (from the query string), which count against SecArgumentsLimit. */
  argsBefore?: number;
}

function text(contentType: string | Uint8Array | null): string {
  if (contentType === null) return '';
  return typeof contentType === 'string' ? contentType : bytesLatin1(contentType);
}

const NO_FILES_MSG = 'Request body excluding files is bigger than the maximum expected.';

/**
 * Runs the body processor for a request. `contentType` is the first Content-Type header's value (latin-1
 * text or bytes), `body` the whole (already de-chunked, decoded and possibly truncated) request body.
 */
export function processRequestBody(
  contentType: string | Uint8Array | null,
  body: Uint8Array,
  limits: Partial<BodyLimits> = {},
  options: BodyOptions = {},
): BodyResult {
  const lim: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...limits };
  const ct = text(contentType);
  const lower = ct.toLowerCase();
  let type: BodyProcessorName | null = null;
  if (lower.startsWith('multipart/form-data')) type = 'MULTIPART';
  if (lower.startsWith('application/x-www-form-urlencoded')) type = 'URLENCODED';
  const override = options.processor ?? null;
  if (override === 'URLENCODED' || override === 'MULTIPART') type = override;
  const processor = override === 'JSON' || override === 'XML' ? override : type;
  const r: BodyResult = {
    processor,
    args: [],
    argsPost: [],
    files: [],
    filesCombinedSize: 0,
    partHeaders: [],
    multipartNames: [],
    multipartFilenames: [],
    multipartMessages: [],
    multipartUndefined: false,
    flags: null,
    urlencodedError: false,
    xml: null,
    error: null,
    processorError: false,
    inboundDataError: false,
    detail: null,
  };
  const counter: ArgCounter = { count: options.argsBefore ?? 0, limit: lim.argumentsLimit };
  if (processor === 'URLENCODED' || processor === 'JSON' || processor === 'XML') {
    if (lim.requestBodyNoFilesLimit !== null && body.length > lim.requestBodyNoFilesLimit) {
      r.error = NO_FILES_MSG;
      r.inboundDataError = true;
      return r;
    }
  }
  switch (processor) {
    case 'XML': {
      const x = parseXml(body, lim.xmlDepthLimit);
      r.xml = { text: x.text, attributes: x.attributes };
      if (x.error !== null) {
        r.error = 'XML parsing error: XML: Failed parsing document.';
        r.processorError = true;
        r.detail = x.error;
      }
      return r;
    }
    case 'JSON': {
      const j = parseJson(body, counter, lim.jsonDepthLimit);
      r.args = j.args;
      if (j.error !== null && body.length > 0) {
        r.error = `JSON parsing error: ${j.error}`;
        r.processorError = true;
      }
      return r;
    }
    case 'MULTIPART': {
      if (contentType === null) return r; // ModSecurity parses multipart only with a Content-Type header
      const m = parseMultipart(ct, body, lim);
      r.args = m.args;
      r.argsPost = m.args;
      r.files = m.files;
      r.filesCombinedSize = m.filesCombinedSize;
      r.partHeaders = m.partHeaders;
      r.multipartNames = m.names;
      r.multipartFilenames = m.filenames;
      r.multipartMessages = m.messages;
      r.multipartUndefined = m.undefinedInModSecurity;
      r.flags = m.flags;
      if (m.error !== null) {
        r.error = `Multipart parsing error: ${m.error}`;
        r.processorError = true;
      } else if (lim.requestBodyNoFilesLimit !== null && m.noFilesLength > lim.requestBodyNoFilesLimit) {
        r.error = NO_FILES_MSG;
        r.inboundDataError = true;
      }
      return r;
    }
    case 'URLENCODED': {
      const u = parseUrlencoded(body, lim.argumentSeparator, counter);
      r.args = u.args;
      r.argsPost = u.args;
      r.urlencodedError = u.invalidEncoding;
      return r;
    }
    default:
      return r;
  }
}
