/**
 * The variables of one WAF transaction (ModSecurity's collections) built from the request and response as
 * the HTTP parser saw them, with macro expansion (`%{tx.x}`, `%{MATCHED_VAR}`, `%{rule.id}`, ...). Values are
 * binary strings (one character per byte). Request arguments come from the query string and, from phase 2
 * on, the body, through ModSecurity's body processors (src/detect/waf/body/).
 */
import { type BodyArg, type BodyProcessorName, processRequestBody } from '../body/index.js';
import type { SecConfig, SecRule, SecVariable } from '../seclang/model.js';
import { type CompiledTargets, keySelects, type TargetSpec, targetSpec } from './targets.js';

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
  /** The key within its collection (`id`, `User-Agent`; empty for a variable that is not a collection). */
  key: string;
  /** The key in lower case (keys are compared without case). */
  keyLower: string;
}

/** Targets `ctl` removed from a rule; `key` names this list (equal keys, equal lists) for the selection cache. */
export interface Removal {
  targets: readonly SecVariable[];
  key: string;
  /** Selection cache keys made with it, per target list (made once: the same string object each time). */
  keys?: Map<CompiledTargets, string>;
}

/** The selection cache's key of a target list with a removal. */
function removalKey(targets: CompiledTargets, removal: Removal): string {
  removal.keys ??= new Map();
  let k = removal.keys.get(targets);
  if (k === undefined) {
    k = `${targets.signature}\u0001${removal.key}`;
    removal.keys.set(targets, k);
  }
  return k;
}

/** A member of collection `col`. */
function member(col: string, key: string, value: string): WafValue {
  return { name: `${col}:${key}`, value, key, keyLower: key.toLowerCase() };
}

const NONE: readonly WafValue[] = [];

/** A variable that is not a collection. */
function scalar(name: string, value: string): WafValue {
  return { name, value, key: '', keyLower: '' };
}

let uniqueCounter = 0;

export class WafVariables {
  readonly tx = new Map<string, string>();
  private readonly persistentCols = new Map<string, Map<string, string>>();
  private readonly scalars = new Map<string, string>();
  private readonly collections = new Map<string, WafValue[]>();
  readonly matchedVars: WafValue[] = [];
  /** Stable selections by target-list signature, until the collections change. */
  private readonly selections = new Map<string, readonly WafValue[]>();
  /** The last list `valuesOf` gave per scalar variable. */
  private readonly scalarLists = new Map<string, readonly WafValue[]>();
  /** The last list `keyed` gave per variable and key. */
  private readonly keyedLists = new Map<string, readonly WafValue[]>();
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
    const headers = r.headers.map(([n, v]) => member('REQUEST_HEADERS', n, v));
    this.collections.set('REQUEST_HEADERS', headers);
    this.collections.set(
      'REQUEST_HEADERS_NAMES',
      r.headers.map(([n]) => member('REQUEST_HEADERS_NAMES', n, n)),
    );
    const cookies: { name: string; value: string }[] = [];
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
      cookies.map((c) => member('REQUEST_COOKIES', c.name, c.value)),
    );
    this.collections.set(
      'REQUEST_COOKIES_NAMES',
      cookies.map((c) => member('REQUEST_COOKIES_NAMES', c.name, c.name)),
    );
    const get = parseUrlEncoded(s.get('QUERY_STRING')!, config.argumentSeparator);
    this.setArgs(get, []);
    if (response !== null) this.setResponse(response);
  }

  /** The response arrives (phases 3 and 4 read it): its status, headers and, when inspected, its body. */
  setResponse(response: WafResponse): void {
    this.changed();
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
      response.headers.map(([n, v]) => member('RESPONSE_HEADERS', n, v)),
    );
    this.collections.set(
      'RESPONSE_HEADERS_NAMES',
      response.headers.map(([n]) => member('RESPONSE_HEADERS_NAMES', n, n)),
    );
    const ct = response.headers.find(([n]) => n.toLowerCase() === 'content-type');
    s.set('RESPONSE_CONTENT_TYPE', ct?.[1] ?? '');
  }

  /** ARGS_GET, ARGS_POST and ARGS (`all`: the body's arguments in ARGS, when they differ from ARGS_POST). */
  private setArgs(get: [string, string][], post: [string, string][], bodyArgs: [string, string][] = post): void {
    const toValues = (col: string, list: [string, string][]) => list.map(([n, v]) => member(col, n, v));
    const names = (col: string, list: [string, string][]) => list.map(([n]) => member(col, n, n));
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
    this.changed();
    const body = this.request.body;
    if (body === null || !this.config.requestBodyAccess) return;
    const ct = this.request.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? null;
    const get = this.collections.get('ARGS_GET')!.map((v) => [v.key, v.value] as [string, string]);
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
      files.map((f) => member('FILES', f.name, f.filename)),
    );
    this.collections.set(
      'FILES_NAMES',
      files.map((f) => member('FILES_NAMES', f.name, f.name)),
    );
    this.collections.set(
      'FILES_SIZES',
      files.map((f) => member('FILES_SIZES', f.name, String(f.size))),
    );
    this.scalars.set('FILES_COMBINED_SIZE', String(r.filesCombinedSize));
    this.collections.set(
      'MULTIPART_PART_HEADERS',
      r.partHeaders.map((h) => member('MULTIPART_PART_HEADERS', text(h.name), text(h.value))),
    );
    if (r.multipartNames.length > 0) this.scalars.set('MULTIPART_NAME', text(r.multipartNames[0]!));
    if (r.multipartFilenames.length > 0) this.scalars.set('MULTIPART_FILENAME', text(r.multipartFilenames[0]!));
    if (r.xml !== null) {
      const xml: WafValue[] = [];
      if (r.xml.text !== null) xml.push(member('XML', '/*', text(r.xml.text)));
      for (const a of r.xml.attributes) xml.push(member('XML', '//@*', text(a.value)));
      this.collections.set('XML', xml);
    }
  }

  /** `ctl:requestBodyProcessor`: as in ModSecurity v3, REQBODY_PROCESSOR names it at once (before any body). */
  setBodyProcessor(name: string): void {
    this.changed();
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
    this.matchedVars.push(scalar(name, value));
  }

  /**
   * The collections changed (the request body was processed, the response arrived, the body processor was
   * set): selections computed before are dropped.
   */
  private changed(): void {
    this.selections.clear();
  }

  /** The member of TX, IP or GLOBAL under one (lower-case) key: no list of the whole collection. */
  private keyed(spec: TargetSpec): readonly WafValue[] {
    const name = spec.name;
    const keyLower = spec.keyLower!;
    const v = (name === 'TX' ? this.tx : this.persistent(name.toLowerCase())).get(keyLower);
    if (v === undefined) return NONE;
    // Rules read the same few TX variables again and again (paranoia levels, scores): one list per value.
    const id = spec.id;
    const last = this.keyedLists.get(id);
    if (last !== undefined && last[0]!.value === v) return last;
    const list = [member(name, keyLower, v)];
    this.keyedLists.set(id, list);
    return list;
  }

  /** Every value of one variable (a collection's members, or the scalar), before key selection. */
  private valuesOf(name: string): readonly WafValue[] {
    switch (name) {
      case 'TX':
        return [...this.tx].map(([k, v]) => member('TX', k, v));
      case 'IP':
      case 'GLOBAL':
        return [...this.persistent(name.toLowerCase())].map(([k, v]) => member(name, k, v));
      case 'MATCHED_VAR':
        return this.matchedVarName === '' ? [] : [scalar('MATCHED_VAR', this.matchedVar)];
      case 'MATCHED_VAR_NAME':
        return this.matchedVarName === '' ? [] : [scalar('MATCHED_VAR_NAME', this.matchedVarName)];
      case 'MATCHED_VARS':
        return this.matchedVars.map((m) => member('MATCHED_VARS', m.name, m.value));
      case 'MATCHED_VARS_NAMES':
        return this.matchedVars.map((m) => member('MATCHED_VARS_NAMES', m.name, m.name));
      default: {
        const col = this.collections.get(name);
        if (col !== undefined) return col;
        const s = this.scalars.get(name);
        if (s === undefined) return NONE;
        const last = this.scalarLists.get(name);
        if (last !== undefined && last[0]!.value === s) return last;
        const list = [scalar(name, s)];
        this.scalarLists.set(name, list);
        return list;
      }
    }
  }

  /**
   * The values a rule's targets select (its exclusions and the targets `ctl` removed applied; `&` gives
   * counts). A stable selection without removals is computed once until the collections change: rules with
   * the same target list (most of CRS's) share it. The caller must not modify the array.
   */
  collect(targets: CompiledTargets, removal: Removal | undefined): readonly WafValue[] {
    // One variable (TX:x, a whole collection, a scalar), nothing excluded: its list as it is.
    if (targets.include.length === 1 && targets.exclude.length === 0 && removal === undefined) {
      const spec = targets.include[0]!;
      if (!spec.count && spec.keyRegex === null) {
        if (spec.keyLower === null) return this.valuesOf(spec.name);
        if (spec.name === 'TX' || spec.name === 'IP' || spec.name === 'GLOBAL') return this.keyed(spec);
      }
    }
    const cacheable = targets.stable;
    const cacheKey = removal === undefined ? targets.signature : removalKey(targets, removal);
    if (cacheable) {
      const hit = this.selections.get(cacheKey);
      if (hit !== undefined) return hit;
    }
    const excl = removal === undefined ? targets.exclude : [...targets.exclude, ...removal.targets.map(targetSpec)];
    const out: WafValue[] = [];
    for (const spec of targets.include) {
      const all =
        spec.keyLower !== null && (spec.name === 'TX' || spec.name === 'IP' || spec.name === 'GLOBAL')
          ? this.keyed(spec)
          : this.valuesOf(spec.name);
      let n = 0;
      for (const x of all) {
        if (!keySelects(spec, x.key, x.keyLower) || excluded(excl, spec.name, x)) continue;
        n++;
        if (!spec.count) out.push(x);
      }
      if (spec.count) out.push(scalar(spec.countName, String(n)));
    }
    if (cacheable) this.selections.set(cacheKey, out);
    return out;
  }

  /** Expands `%{...}` macros. */
  expand(text: string, rule?: SecRule): string {
    if (!text.includes('%{')) return text;
    const parts = macroParts(text);
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      out += typeof p === 'string' ? p : this.macro(p, rule);
    }
    return out;
  }

  private macro(m: MacroRef, rule: SecRule | undefined): string {
    const { col, keyLower } = m;
    if (col === 'RULE' && keyLower !== null && rule !== undefined) {
      if (keyLower === 'id') return String(rule.id ?? '');
      if (keyLower === 'msg') return rule.msg === null ? '' : this.expand(rule.msg, rule);
      if (keyLower === 'severity') return String(rule.severity ?? '');
      if (keyLower === 'logdata') return rule.logdata === null ? '' : this.expand(rule.logdata, rule);
      return '';
    }
    if (col === 'TX' && keyLower !== null) return this.tx.get(keyLower) ?? '';
    const values = this.valuesOf(col);
    if (keyLower === null) return values[0]?.value ?? '';
    return values.find((v) => v.keyLower === keyLower)?.value ?? '';
  }
}

/** `%{tx.x}` in a macro text: the variable (upper case) and its key in lower case. */
interface MacroRef {
  col: string;
  keyLower: string | null;
}

/** Macro texts split into literal parts and references, once per text (rule texts are fixed). */
const macroCache = new Map<string, readonly (string | MacroRef)[]>();

function macroParts(text: string): readonly (string | MacroRef)[] {
  let parts = macroCache.get(text);
  if (parts !== undefined) return parts;
  const list: (string | MacroRef)[] = [];
  const re = /%\{([^}]+)\}/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) list.push(text.slice(last, m.index));
    const name = m[1]!;
    const dot = name.indexOf('.');
    list.push({
      col: (dot < 0 ? name : name.slice(0, dot)).toUpperCase(),
      keyLower: dot < 0 ? null : name.slice(dot + 1).toLowerCase(),
    });
    last = m.index + m[0].length;
  }
  if (last < text.length) list.push(text.slice(last));
  parts = list;
  // Texts come from the rules (a fixed set); a cap keeps texts built at run time from growing it.
  if (macroCache.size < 50_000) macroCache.set(text, parts);
  return parts;
}

/** Whether an exclusion (`!ARGS:foo`, `!ARGS:/re/`, `!REQUEST_HEADERS`) removes a value of variable `name`. */
function excluded(excl: readonly TargetSpec[], name: string, x: WafValue): boolean {
  for (const e of excl) if (e.name === name && keySelects(e, x.key, x.keyLower)) return true;
  return false;
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
