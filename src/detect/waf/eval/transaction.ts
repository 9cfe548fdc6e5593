/**
 * The variables of one WAF transaction (ModSecurity's collections) built from the request and response as
 * the HTTP parser saw them, with macro expansion (`%{tx.x}`, `%{MATCHED_VAR}`, `%{rule.id}`, ...). Values are
 * binary strings (one character per byte). Request arguments come from the query string and, from phase 2
 * on, the body, through ModSecurity's body processors (src/detect/waf/body/).
 */
import { type BodyArg, type BodyProcessorName, processRequestBody } from '../body/index.js';
import type { SecConfig, SecRule, SecVariable } from '../seclang/model.js';

export interface WafRequest {
  method: string;
  /** The request target as sent. */
  uri: string;
  /** `HTTP/1.1`. */
  version: string;
  /** In order, as sent. */
  headers: [string, string][];
  /** The body after transfer decoding (binary string), or null. */
  body: string | null;
  remoteAddr?: string;
}

export interface WafResponse {
  status: number;
  version: string;
  headers: [string, string][];
  body: string | null;
}

export interface WafValue {
  /** `ARGS:id`, `REQUEST_HEADERS:User-Agent`, `REQUEST_URI`. */
  name: string;
  value: string;
}

let uniqueCounter = 0;

export class WafVariables {
  readonly tx = new Map<string, string>();
  private readonly persistentCols = new Map<string, Map<string, string>>();
  private readonly scalars = new Map<string, string>();
  private readonly collections = new Map<string, WafValue[]>();
  readonly matchedVars: WafValue[] = [];
  matchedVar = '';
  matchedVarName = '';
  bodyProcessor: string | null = null;
  forceRequestBody = false;
  private bodyDone = false;

  constructor(
    private readonly request: WafRequest,
    response: WafResponse | null,
    private readonly config: SecConfig,
  ) {
    const r = request;
    const s = this.scalars;
    s.set('REQUEST_METHOD', r.method);
    s.set('REQUEST_PROTOCOL', r.version);
    s.set('REQUEST_LINE', `${r.method} ${r.uri} ${r.version}`);
    s.set('REQUEST_URI_RAW', r.uri);
    // REQUEST_URI never holds the scheme and host of an absolute-form target.
    const uri = r.uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
    s.set('REQUEST_URI', uri);
    const q = uri.indexOf('?');
    const path = q < 0 ? uri : uri.slice(0, q);
    s.set('QUERY_STRING', q < 0 ? '' : uri.slice(q + 1));
    const filename = percentDecode(path);
    s.set('REQUEST_FILENAME', filename);
    s.set('REQUEST_BASENAME', filename.slice(filename.lastIndexOf('/') + 1));
    s.set('REMOTE_ADDR', r.remoteAddr ?? '127.0.0.1');
    s.set('UNIQUE_ID', `netsieve-${++uniqueCounter}`);
    s.set('DURATION', '0');
    s.set('REQBODY_ERROR', '0');
    s.set('REQBODY_PROCESSOR_ERROR', '0');
    s.set('REQUEST_BODY_LENGTH', String(r.body?.length ?? 0));
    // As in ModSecurity v3, REQBODY_PROCESSOR is known from phase 1: a Content-Type header that begins (any
    // case) with one of the two form types names it as the header is added (the body may name another later).
    for (const [n, v] of r.headers) {
      if (n.toLowerCase() !== 'content-type') continue;
      const l = v.toLowerCase();
      if (l.startsWith('multipart/form-data')) s.set('REQBODY_PROCESSOR', 'MULTIPART');
      if (l.startsWith('application/x-www-form-urlencoded')) s.set('REQBODY_PROCESSOR', 'URLENCODED');
    }
    const headers = r.headers.map(([n, v]) => ({ name: `REQUEST_HEADERS:${n}`, value: v }));
    this.collections.set('REQUEST_HEADERS', headers);
    this.collections.set(
      'REQUEST_HEADERS_NAMES',
      r.headers.map(([n]) => ({ name: `REQUEST_HEADERS_NAMES:${n}`, value: n })),
    );
    const cookies: WafValue[] = [];
    for (const [n, v] of r.headers) {
      if (n.toLowerCase() !== 'cookie') continue;
      for (const part of v.split(';')) {
        const t = part.replace(/^\s+/, '');
        if (t === '') continue;
        const eq = t.indexOf('=');
        const name = eq < 0 ? t : t.slice(0, eq);
        cookies.push({ name, value: eq < 0 ? '' : t.slice(eq + 1) });
      }
    }
    this.collections.set(
      'REQUEST_COOKIES',
      cookies.map((c) => ({ name: `REQUEST_COOKIES:${c.name}`, value: c.value })),
    );
    this.collections.set(
      'REQUEST_COOKIES_NAMES',
      cookies.map((c) => ({ name: `REQUEST_COOKIES_NAMES:${c.name}`, value: c.name })),
    );
    const get = parseUrlEncoded(s.get('QUERY_STRING')!, config.argumentSeparator);
    this.setArgs(get, []);
    if (response !== null) this.setResponse(response);
  }

  /** The response arrives (phases 3 and 4 read it): its status, headers and, when inspected, its body. */
  setResponse(response: WafResponse): void {
    const s = this.scalars;
    const config = this.config;
    s.set('RESPONSE_STATUS', String(response.status));
    s.set('RESPONSE_PROTOCOL', response.version);
    // The body is inspected only with SecResponseBodyAccess and a MIME type SecResponseBodyMimeType lists.
    const ctHeader = response.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
    const mime = ctHeader.split(';')[0]!.trim().toLowerCase();
    const inspect = config.responseBodyAccess && config.responseBodyMimeTypes.includes(mime);
    s.set('RESPONSE_BODY', inspect ? (response.body ?? '') : '');
    this.collections.set(
      'RESPONSE_HEADERS',
      response.headers.map(([n, v]) => ({ name: `RESPONSE_HEADERS:${n}`, value: v })),
    );
    this.collections.set(
      'RESPONSE_HEADERS_NAMES',
      response.headers.map(([n]) => ({ name: `RESPONSE_HEADERS_NAMES:${n}`, value: n })),
    );
    const ct = response.headers.find(([n]) => n.toLowerCase() === 'content-type');
    s.set('RESPONSE_CONTENT_TYPE', ct?.[1] ?? '');
  }

  /** ARGS_GET, ARGS_POST and ARGS (`all`: the body's arguments in ARGS, when they differ from ARGS_POST). */
  private setArgs(get: [string, string][], post: [string, string][], bodyArgs: [string, string][] = post): void {
    const toValues = (col: string, list: [string, string][]) => list.map(([n, v]) => ({ name: `${col}:${n}`, value: v }));
    const names = (col: string, list: [string, string][]) => list.map(([n]) => ({ name: `${col}:${n}`, value: n }));
    this.collections.set('ARGS_GET', toValues('ARGS_GET', get));
    this.collections.set('ARGS_GET_NAMES', names('ARGS_GET_NAMES', get));
    this.collections.set('ARGS_POST', toValues('ARGS_POST', post));
    this.collections.set('ARGS_POST_NAMES', names('ARGS_POST_NAMES', post));
    const all = [...get, ...bodyArgs];
    this.collections.set('ARGS', toValues('ARGS', all));
    this.collections.set('ARGS_NAMES', names('ARGS_NAMES', all));
    this.scalars.set('ARGS_COMBINED_SIZE', String(all.reduce((n, [k, v]) => n + k.length + v.length, 0)));
  }

  /** Phase 2 starts: the request body through its processor (once), ModSecurity's (src/detect/waf/body/). */
  processRequestBody(): void {
    if (this.bodyDone) return;
    this.bodyDone = true;
    const body = this.request.body;
    if (body === null || !this.config.requestBodyAccess) return;
    const ct = this.request.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? null;
    const get = this.collections.get('ARGS_GET')!.map((v) => [v.name.slice(9), v.value] as [string, string]);
    const bytes = Buffer.from(body, 'latin1');
    const r = processRequestBody(
      ct,
      bytes,
      {
        argumentsLimit: this.config.argumentsLimit,
        argumentSeparator: (this.config.argumentSeparator || '&').charCodeAt(0),
        jsonDepthLimit: this.config.requestBodyJsonDepthLimit,
        requestBodyNoFilesLimit: this.config.requestBodyNoFilesLimit,
      },
      { processor: (this.bodyProcessor as BodyProcessorName | null) ?? null, argsBefore: get.length },
    );
    if (r.processor !== null) this.scalars.set('REQBODY_PROCESSOR', r.processor);
    // ModSecurity v3 sets REQUEST_BODY to any non-empty body it had access to, whatever its processor (JSON
    // bodies are matched there by CRS's 934210, for one). The one exception is CRS's: an XML body parsed into
    // XML:/* stays out of REQUEST_BODY (unless forceRequestBodyVariable), as CRS's regression tests expect
    // (their nginx overrides call v3's REQUEST_BODY on XML an artefact "a libmodsecurity3 plugin could solve").
    if (body.length > 0 && (r.processor !== 'XML' || this.forceRequestBody)) this.scalars.set('REQUEST_BODY', body);
    const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    const pairs = (list: readonly BodyArg[]) => list.map((a) => [text(a.name), text(a.value)] as [string, string]);
    // JSON arguments go to ARGS only (not ARGS_POST), as in ModSecurity: `args` holds them all.
    this.setArgs(get, pairs(r.argsPost), pairs(r.args));
    if (r.error !== null) {
      this.scalars.set('REQBODY_ERROR', '1');
      this.scalars.set('REQBODY_ERROR_MSG', r.error);
    }
    if (r.processorError) {
      this.scalars.set('REQBODY_PROCESSOR_ERROR', '1');
      this.scalars.set('REQBODY_PROCESSOR_ERROR_MSG', r.error ?? '');
    }
    if (r.flags !== null) {
      const f = r.flags;
      const set = (name: string, v: number) => this.scalars.set(`MULTIPART_${name}`, String(v));
      set('BOUNDARY_QUOTED', f.boundaryQuoted);
      set('BOUNDARY_WHITESPACE', f.boundaryWhitespace);
      set('DATA_BEFORE', f.dataBefore);
      set('DATA_AFTER', f.dataAfter);
      set('HEADER_FOLDING', f.headerFolding);
      set('LF_LINE', f.lfLine);
      set('CRLF_LF_LINES', f.crlfLfLines);
      set('MISSING_SEMICOLON', f.missingSemicolon);
      set('INVALID_QUOTING', f.invalidQuoting);
      set('INVALID_PART', f.invalidPart);
      set('INVALID_HEADER_FOLDING', f.invalidHeaderFolding);
      set('FILE_LIMIT_EXCEEDED', f.fileLimitExceeded);
      set('UNMATCHED_BOUNDARY', f.unmatchedBoundary);
      set('STRICT_ERROR', f.strictError);
    }
    const files = r.files.map((f) => ({ name: text(f.name), filename: text(f.filename), size: f.size }));
    this.collections.set(
      'FILES',
      files.map((f) => ({ name: `FILES:${f.name}`, value: f.filename })),
    );
    this.collections.set(
      'FILES_NAMES',
      files.map((f) => ({ name: `FILES_NAMES:${f.name}`, value: f.name })),
    );
    this.collections.set(
      'FILES_SIZES',
      files.map((f) => ({ name: `FILES_SIZES:${f.name}`, value: String(f.size) })),
    );
    this.scalars.set('FILES_COMBINED_SIZE', String(r.filesCombinedSize));
    this.collections.set(
      'MULTIPART_PART_HEADERS',
      r.partHeaders.map((h) => ({ name: `MULTIPART_PART_HEADERS:${text(h.name)}`, value: text(h.value) })),
    );
    if (r.multipartNames.length > 0) this.scalars.set('MULTIPART_NAME', text(r.multipartNames[0]!));
    if (r.multipartFilenames.length > 0) this.scalars.set('MULTIPART_FILENAME', text(r.multipartFilenames[0]!));
    if (r.xml !== null) {
      const xml: WafValue[] = [];
      if (r.xml.text !== null) xml.push({ name: 'XML:/*', value: text(r.xml.text) });
      for (const a of r.xml.attributes) xml.push({ name: `XML://@*`, value: text(a.value) });
      this.collections.set('XML', xml);
    }
  }

  /** `ctl:requestBodyProcessor`: as in ModSecurity v3, REQBODY_PROCESSOR names it at once (before any body). */
  setBodyProcessor(name: string): void {
    this.bodyProcessor = name;
    this.scalars.set('REQBODY_PROCESSOR', name);
  }

  persistent(name: string): Map<string, string> {
    let m = this.persistentCols.get(name);
    if (m === undefined) {
      m = new Map();
      this.persistentCols.set(name, m);
    }
    return m;
  }

  setMatched(name: string, value: string): void {
    this.matchedVar = value;
    this.matchedVarName = name;
    this.matchedVars.push({ name, value });
  }

  /** Every value of one variable (a collection's members, or the scalar), before key selection. */
  private valuesOf(name: string): WafValue[] {
    switch (name) {
      case 'TX':
        return [...this.tx].map(([k, v]) => ({ name: `TX:${k}`, value: v }));
      case 'IP':
      case 'GLOBAL':
        return [...this.persistent(name.toLowerCase())].map(([k, v]) => ({ name: `${name}:${k}`, value: v }));
      case 'MATCHED_VAR':
        return this.matchedVarName === '' ? [] : [{ name: 'MATCHED_VAR', value: this.matchedVar }];
      case 'MATCHED_VAR_NAME':
        return this.matchedVarName === '' ? [] : [{ name: 'MATCHED_VAR_NAME', value: this.matchedVarName }];
      case 'MATCHED_VARS':
        return this.matchedVars.map((m) => ({ name: `MATCHED_VARS:${m.name}`, value: m.value }));
      case 'MATCHED_VARS_NAMES':
        return this.matchedVars.map((m) => ({ name: `MATCHED_VARS_NAMES:${m.name}`, value: m.name }));
      default: {
        const col = this.collections.get(name);
        if (col !== undefined) return col;
        const s = this.scalars.get(name);
        return s === undefined ? [] : [{ name, value: s }];
      }
    }
  }

  /** The values a rule's targets select (exclusions and removed targets applied; `&` gives counts). */
  collect(
    variables: readonly SecVariable[],
    keyRegexes: readonly (RegExp | null)[],
    removed: readonly SecVariable[] | undefined,
  ): WafValue[] {
    const excl = variables.filter((v) => v.exclude).concat(removed ?? []);
    const out: WafValue[] = [];
    variables.forEach((v, i) => {
      if (v.exclude) return;
      const selected = this.select(v, keyRegexes[i] ?? null).filter((x) => !excl.some((e) => excludes(e, x)));
      if (v.count) out.push({ name: `&${v.name}${v.key !== null ? `:${v.key}` : ''}`, value: String(selected.length) });
      else out.push(...selected);
    });
    return out;
  }

  private select(v: SecVariable, keyRegex: RegExp | null): WafValue[] {
    const all = this.valuesOf(v.name);
    if (v.key === null && keyRegex === null) return all;
    return all.filter((x) => {
      const key = x.name.slice(x.name.indexOf(':') + 1);
      if (keyRegex !== null) return keyRegex.test(key);
      return key.toLowerCase() === v.key!.toLowerCase();
    });
  }

  /** Expands `%{...}` macros. */
  expand(text: string, rule?: SecRule): string {
    if (!text.includes('%{')) return text;
    return text.replace(/%\{([^}]+)\}/g, (_, name: string) => this.macro(name, rule));
  }

  private macro(name: string, rule: SecRule | undefined): string {
    const dot = name.indexOf('.');
    const col = (dot < 0 ? name : name.slice(0, dot)).toUpperCase();
    const key = dot < 0 ? null : name.slice(dot + 1);
    if (col === 'RULE' && key !== null && rule !== undefined) {
      const k = key.toLowerCase();
      if (k === 'id') return String(rule.id ?? '');
      if (k === 'msg') return rule.msg === null ? '' : this.expand(rule.msg, rule);
      if (k === 'severity') return String(rule.severity ?? '');
      if (k === 'logdata') return rule.logdata === null ? '' : this.expand(rule.logdata, rule);
      return '';
    }
    if (col === 'TX' && key !== null) return this.tx.get(key.toLowerCase()) ?? '';
    const values = this.valuesOf(col);
    if (key === null) return values[0]?.value ?? '';
    const k = key.toLowerCase();
    return values.find((v) => v.name.slice(v.name.indexOf(':') + 1).toLowerCase() === k)?.value ?? '';
  }
}

/** Exclusion regexes by source, compiled once (they are checked against every value of every rule). */
const keyRegexes = new Map<string, RegExp>();
function keyRegex(source: string): RegExp {
  let re = keyRegexes.get(source);
  if (re === undefined) {
    re = new RegExp(source, 'i');
    keyRegexes.set(source, re);
  }
  return re;
}

/** Whether exclusion `e` (`!ARGS:foo`, `!ARGS:/re/`, `!REQUEST_HEADERS`) removes value `x`. */
function excludes(e: SecVariable, x: WafValue): boolean {
  const colon = x.name.indexOf(':');
  const col = colon < 0 ? x.name : x.name.slice(0, colon);
  if (col !== e.name) return false;
  if (e.key === null && e.keyRegex === null) return true;
  const key = colon < 0 ? '' : x.name.slice(colon + 1);
  if (e.keyRegex !== null) return keyRegex(e.keyRegex).test(key);
  return key.toLowerCase() === e.key!.toLowerCase();
}

/** `a=1&b=%41+c`: pairs with `%xx` and `+` decoded (ModSecurity keeps invalid escapes as they are). */
export function parseUrlEncoded(s: string, separator: string): [string, string][] {
  if (s === '') return [];
  const out: [string, string][] = [];
  for (const part of s.split(separator || '&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    out.push([formDecode(name), formDecode(value)]);
  }
  return out;
}

function formDecode(s: string): string {
  return percentDecode(s.replace(/\+/g, ' '));
}

/** `%xx` to the byte; an invalid escape stays as written. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}
