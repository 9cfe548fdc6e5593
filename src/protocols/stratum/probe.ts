/**
 * Is this stream Stratum? Decided on the first line of either direction, whatever the port (pools listen on
 * 3333, 4444, 14444, 443, 80, ...; the port only orders the probes).
 *
 * A Stratum line is a JSON object and its newline. The probe answers NOT_MINE at the first byte that is not
 * `{` (HTTP, TLS, SSH, Redis, binary), and while the first line is incomplete it follows the JSON prefix:
 * bytes outside strings that JSON does not allow are NOT_MINE, a top-level `"method"` of another family is
 * NOT_MINE, a `mining.*` method is MINE. A complete first line is parsed and must be, in full:
 * - a v1 call: `mining.*`, or `client.reconnect` / `client.get_version` / `client.show_message`;
 * - an XMRig call with its params' shape: `login` (login and pass or agent), `submit` (job_id and nonce),
 *   `keepalived` or `getjob` (id), `job` (job_id and blob);
 * - from the server, a response that only a pool sends: a v1 subscribe result naming `mining.*`
 *   subscriptions, or an XMRig login result carrying a job.
 * Any other JSON (JSON-RPC of another application, JSON lines of a log shipper) is NOT_MINE.
 */
import { Direction } from '../../flow/stream.js';
import { Probe, type ProbeContext, type ProbeResult } from '../module.js';

export const STRATUM_PORT = 3333;

/** A first line longer than this does not decide (a subscribe, a login or a job is well under it). */
const PROBE_LINE = 4096;
/** Blank bytes tolerated before the first `{`. */
const MAX_LEADING_BLANKS = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** v1 names outside `mining.*` (pool → miner requests and notifications). */
const V1_CLIENT_METHODS: ReadonlySet<string> = new Set(['client.reconnect', 'client.get_version', 'client.show_message']);
/** XMRig names: decided on the params' shape, so only on a complete line. */
const XMRIG_METHODS: ReadonlySet<string> = new Set(['login', 'submit', 'keepalived', 'getjob', 'job']);

export function probeStratum(d: Uint8Array, start: number, end: number, ctx: ProbeContext): ProbeResult {
  let s = start;
  while (s < end && (d[s] === 0x20 || d[s] === 0x09 || d[s] === 0x0d || d[s] === 0x0a)) {
    if (s - start >= MAX_LEADING_BLANKS) return Probe.NOT_MINE;
    s++;
  }
  if (s === end) return Probe.NEED_MORE;
  if (d[s] !== 0x7b) return Probe.NOT_MINE;
  const limit = Math.min(end, s + PROBE_LINE);
  let lf = s;
  while (lf < limit && d[lf] !== 0x0a) {
    const b = d[lf]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0d) return Probe.NOT_MINE;
    lf++;
  }
  if (lf === limit) return limit - s >= PROBE_LINE ? Probe.NOT_MINE : prefixVerdict(d, s, lf);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(d.subarray(s, lf)));
  } catch {
    return Probe.NOT_MINE;
  }
  return isStratumMessage(value, ctx.direction) ? Probe.MINE : Probe.NOT_MINE;
}

/** Whether one parsed line is a Stratum message (see the file comment). */
export function isStratumMessage(v: unknown, direction: Direction): boolean {
  if (!isObject(v)) return false;
  const method = v.method;
  if (typeof method === 'string') {
    const params = v.params;
    if (method.startsWith('mining.') || V1_CLIENT_METHODS.has(method))
      return params === undefined || params === null || typeof params === 'object';
    if (!XMRIG_METHODS.has(method) || !isObject(params)) return false;
    switch (method) {
      case 'login':
        return typeof params.login === 'string' && (typeof params.pass === 'string' || typeof params.agent === 'string');
      case 'submit':
        return params.job_id !== undefined && params.nonce !== undefined;
      case 'job':
        return params.job_id !== undefined && params.blob !== undefined;
      default:
        return params.id !== undefined;
    }
  }
  if (method !== undefined || direction !== Direction.TO_CLIENT || !('id' in v) || !('result' in v)) return false;
  const r = v.result;
  // XMRig's login result: {id, job: {blob, job_id, target, ...}, status}.
  if (isObject(r)) return isObject(r.job) && r.job.blob !== undefined && r.job.job_id !== undefined;
  // v1's subscribe result: [[["mining.set_difficulty", id], ["mining.notify", id]], extranonce1, size]
  // (older pools: [["mining.notify", id], extranonce1, size]).
  return Array.isArray(r) && namesMiningMethod(r[0], 2);
}

function namesMiningMethod(v: unknown, depth: number): boolean {
  if (!Array.isArray(v)) return false;
  if (typeof v[0] === 'string') return v[0].startsWith('mining.');
  return depth > 0 && v.some((x) => namesMiningMethod(x, depth - 1));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The first line is not complete yet: NOT_MINE when the prefix cannot be JSON or its top-level method is of
 * another family, MINE for a `mining.*` or v1 `client.*` method, NEED_MORE otherwise.
 */
function prefixVerdict(d: Uint8Array, s: number, e: number): ProbeResult {
  let depth = 0;
  let i = s;
  /** At depth 1: the next string is a key (after `{` or `,`), and the key just read. */
  let expectKey = false;
  let key: string | null = null;
  while (i < e) {
    const c = d[i]!;
    if (c === 0x22) {
      const close = stringEnd(d, i + 1, e);
      if (close < 0) return Probe.NEED_MORE;
      if (depth === 1) {
        if (expectKey) {
          key = close - i - 1 <= 16 ? ascii(d, i + 1, close) : '';
          expectKey = false;
        } else if (key === 'method') {
          const name = close - i - 1 <= 64 ? ascii(d, i + 1, close) : '';
          if (name.startsWith('mining.') || V1_CLIENT_METHODS.has(name)) return Probe.MINE;
          return XMRIG_METHODS.has(name) ? Probe.NEED_MORE : Probe.NOT_MINE;
        }
      }
      i = close + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) expectKey = true;
      if (depth > 1 && key === 'method') return Probe.NOT_MINE; // a method that is not a string
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth <= 0) return Probe.NEED_MORE; // the object is whole: its newline decides
    } else if (c === 0x2c) {
      if (depth === 1) {
        expectKey = true;
        key = null;
      }
    } else if (c === 0x3a || c === 0x20 || c === 0x09 || c === 0x0d) {
      // separators and blanks
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e) {
      if (depth === 1 && key === 'method') return Probe.NOT_MINE;
    } else if (
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e ||
      c === 0x72 ||
      c === 0x75 ||
      c === 0x65 ||
      c === 0x61 ||
      c === 0x6c ||
      c === 0x73 ||
      c === 0x45
    ) {
      // the letters of true, false, null and exponents
      if (depth === 1 && key === 'method' && c !== 0x6e && c !== 0x75 && c !== 0x6c) return Probe.NOT_MINE;
    } else {
      return Probe.NOT_MINE;
    }
    i++;
  }
  return Probe.NEED_MORE;
}

/** The index of the quote that closes a string whose text starts at `i`, or -1 when the bytes end first. */
function stringEnd(d: Uint8Array, i: number, e: number): number {
  while (i < e) {
    const c = d[i]!;
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i;
    else i++;
  }
  return -1;
}

function ascii(d: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(d[i]!);
  return out;
}
