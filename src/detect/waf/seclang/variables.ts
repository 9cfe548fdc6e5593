/**
 * A rule's targets: `ARGS|!ARGS:foo|&TX:x|REQUEST_COOKIES:/^_ga/|XML:/*`. `|` separates targets except inside a
 * `/regex/` key; `XML`'s key is an XPath (`XML:/*`, `XML://@*`), never a regex.
 */
import { SecLangError } from './lexer.js';
import type { SecVariable } from './model.js';

/** Collections: targets that hold named values and take a `:key` or `:/regex/` selector. */
export const COLLECTIONS: ReadonlySet<string> = new Set([
  'ARGS',
  'ARGS_GET',
  'ARGS_POST',
  'ARGS_NAMES',
  'ARGS_GET_NAMES',
  'ARGS_POST_NAMES',
  'REQUEST_HEADERS',
  'REQUEST_HEADERS_NAMES',
  'REQUEST_COOKIES',
  'REQUEST_COOKIES_NAMES',
  'RESPONSE_HEADERS',
  'RESPONSE_HEADERS_NAMES',
  'FILES',
  'FILES_NAMES',
  'FILES_SIZES',
  'MULTIPART_PART_HEADERS',
  'MATCHED_VARS',
  'MATCHED_VARS_NAMES',
  'TX',
  'IP',
  'GLOBAL',
  'RULE',
  'XML',
]);

/** Single-valued variables. */
export const SCALARS: ReadonlySet<string> = new Set([
  'ARGS_COMBINED_SIZE',
  'FILES_COMBINED_SIZE',
  'QUERY_STRING',
  'REQUEST_URI',
  'REQUEST_URI_RAW',
  'REQUEST_FILENAME',
  'REQUEST_BASENAME',
  'REQUEST_LINE',
  'REQUEST_METHOD',
  'REQUEST_PROTOCOL',
  'REQUEST_BODY',
  'REQUEST_BODY_LENGTH',
  'REQBODY_ERROR',
  'REQBODY_ERROR_MSG',
  'REQBODY_PROCESSOR',
  'REQBODY_PROCESSOR_ERROR',
  'REQBODY_PROCESSOR_ERROR_MSG',
  'MULTIPART_BOUNDARY_QUOTED',
  'MULTIPART_BOUNDARY_WHITESPACE',
  'MULTIPART_CRLF_LF_LINES',
  'MULTIPART_DATA_AFTER',
  'MULTIPART_DATA_BEFORE',
  'MULTIPART_FILE_LIMIT_EXCEEDED',
  'MULTIPART_FILENAME',
  'MULTIPART_HEADER_FOLDING',
  'MULTIPART_INVALID_HEADER_FOLDING',
  'MULTIPART_INVALID_PART',
  'MULTIPART_INVALID_QUOTING',
  'MULTIPART_LF_LINE',
  'MULTIPART_MISSING_SEMICOLON',
  'MULTIPART_NAME',
  'MULTIPART_STRICT_ERROR',
  'MULTIPART_UNMATCHED_BOUNDARY',
  'RESPONSE_STATUS',
  'RESPONSE_BODY',
  'RESPONSE_CONTENT_TYPE',
  'RESPONSE_CONTENT_LENGTH',
  'RESPONSE_PROTOCOL',
  'MATCHED_VAR',
  'MATCHED_VAR_NAME',
  'UNIQUE_ID',
  'REMOTE_ADDR',
  'REMOTE_PORT',
  'SERVER_ADDR',
  'SERVER_PORT',
  'DURATION',
  'URLENCODED_ERROR',
  'INBOUND_DATA_ERROR',
  'OUTBOUND_DATA_ERROR',
  'FULL_REQUEST',
  'FULL_REQUEST_LENGTH',
]);

/** Parses a target list. Throws SecLangError naming the variable at fault. */
export function parseVariables(text: string): SecVariable[] {
  const out: SecVariable[] = [];
  const n = text.length;
  let i = 0;
  if (text.trim() === '') throw new SecLangError('variables', 'no target');
  while (i <= n) {
    let exclude = false;
    let count = false;
    if (text[i] === '!') {
      exclude = true;
      i++;
    } else if (text[i] === '&') {
      count = true;
      i++;
    }
    let j = i;
    while (j < n && /[A-Za-z0-9_]/.test(text[j]!)) j++;
    const name = text.slice(i, j).toUpperCase();
    if (name === '')
      throw new SecLangError(text.slice(i, i + 20) || 'variables', `a target without a name at "${text.slice(i, i + 20)}"`);
    if (!COLLECTIONS.has(name) && !SCALARS.has(name)) throw new SecLangError(name, `variable ${name} is not supported`);
    let key: string | null = null;
    let keyRegex: string | null = null;
    if (text[j] === ':') {
      j++;
      if (name !== 'XML' && text[j] === '/') {
        let k = j + 1;
        let body = '';
        let closed = false;
        while (k < n) {
          const c = text[k]!;
          if (c === '\\' && k + 1 < n) {
            body += c + text[k + 1];
            k += 2;
            continue;
          }
          if (c === '/') {
            closed = true;
            k++;
            break;
          }
          body += c;
          k++;
        }
        if (!closed) throw new SecLangError(name, `${name}: the /regex/ key is not closed`);
        keyRegex = body;
        j = k;
      } else if (text[j] === "'") {
        const end = text.indexOf("'", j + 1);
        if (end < 0) throw new SecLangError(name, `${name}: the quoted key is not closed`);
        key = text.slice(j + 1, end);
        j = end + 1;
      } else {
        let k = j;
        while (k < n && text[k] !== '|') k++;
        key = text.slice(j, k);
        j = k;
      }
      if (key === '' && keyRegex === null) throw new SecLangError(name, `${name}: an empty key`);
    }
    if (j < n && text[j] !== '|') throw new SecLangError(name, `${name}: unexpected "${text[j]}" in the target list`);
    out.push({ name, key, keyRegex, count, exclude });
    if (j >= n) break;
    i = j + 1;
    if (i >= n) throw new SecLangError(name, 'the target list ends with "|"');
  }
  return out;
}
