/**
 * From parsed JSON to the record's bounded fields: parameters summarised (the password redacted), the
 * worker, agent, job and difficulty read where each method puts them, the result and the error in their
 * two dialects. Every string is cut to maxStringBytes (characters), every list to maxParams.
 */
import type { StratumError, StratumVariant } from './events.js';

export const REDACTED = '(redacted)';

/** A string cut to `max` characters (a lone surrogate at the cut is dropped), and whether it was cut. */
export function cut(s: string, max: number): [string, boolean] {
  if (s.length <= max) return [s, false];
  let n = max;
  const c = s.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--;
  return [s.slice(0, n), true];
}

/** A value as text: a string as it is, anything else as its compact JSON; cut. */
export function valueText(v: unknown, max: number): [string, boolean] {
  if (typeof v === 'string') return cut(v, max);
  if (v === undefined) return ['', false];
  return cut(JSON.stringify(v) ?? '', max);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The dialect a call's method and params prove, or null when they prove none. */
export function variantOfCall(method: string, params: unknown): StratumVariant | null {
  if (method.startsWith('mining.') || method.startsWith('client.')) return 'stratum-v1';
  if (method === 'login' || method === 'job' || method === 'keepalived' || method === 'getjob') return 'xmrig';
  if (method === 'submit') return isObject(params) ? 'xmrig' : null;
  return null;
}

/** Whether a call's parameter (by index, or by member name) is the miner's password. */
function isSecret(method: string, index: number, key: string | null): boolean {
  if (method === 'mining.authorize') return index === 1;
  return method === 'login' && key === 'pass';
}

export interface ParamsSummary {
  list: string[];
  count: number;
  truncated: boolean;
}

export function summarizeParams(method: string, params: unknown, maxParams: number, maxString: number): ParamsSummary {
  const out: ParamsSummary = { list: [], count: 0, truncated: false };
  if (params === undefined || params === null) return out;
  if (Array.isArray(params)) {
    out.count = params.length;
    for (let i = 0; i < params.length && i < maxParams; i++) {
      if (isSecret(method, i, null)) {
        out.list.push(REDACTED);
        continue;
      }
      const [t, c] = valueText(params[i], maxString);
      out.list.push(t);
      if (c) out.truncated = true;
    }
  } else if (isObject(params)) {
    const keys = Object.keys(params);
    out.count = keys.length;
    for (let i = 0; i < keys.length && i < maxParams; i++) {
      const k = keys[i]!;
      const [t, c] = isSecret(method, i, k) ? [REDACTED, false] : valueText(params[k], maxString);
      const [kv, c2] = cut(`${k}=${t}`, maxString);
      out.list.push(kv);
      if (c || c2) out.truncated = true;
    }
  } else {
    out.count = 1;
    const [t, c] = valueText(params, maxString);
    out.list.push(t);
    out.truncated = c;
  }
  if (out.count > out.list.length) out.truncated = true;
  return out;
}

/** A string parameter by index (v1's arrays) or member name (XMRig's objects), or null. */
function stringParam(params: unknown, index: number, key: string): string | null {
  const v = Array.isArray(params) ? params[index] : isObject(params) ? params[key] : undefined;
  return typeof v === 'string' ? v : null;
}

/** What a call says about who mines and with what: worker/login, agent, job id, difficulty (uncut). */
export interface CallFacts {
  worker: string | null;
  agent: string | null;
  jobId: string | null;
  difficulty: number | null;
}

export function callFacts(method: string, params: unknown): CallFacts {
  const f: CallFacts = { worker: null, agent: null, jobId: null, difficulty: null };
  switch (method) {
    case 'mining.authorize':
      f.worker = stringParam(params, 0, 'user');
      break;
    case 'login':
      f.worker = stringParam(params, -1, 'login');
      f.agent = stringParam(params, -1, 'agent');
      break;
    case 'mining.subscribe':
      f.agent = stringParam(params, 0, 'agent');
      break;
    case 'mining.notify':
      f.jobId = stringParam(params, 0, 'job_id');
      break;
    case 'mining.submit':
      f.worker = stringParam(params, 0, 'worker');
      f.jobId = stringParam(params, 1, 'job_id');
      break;
    case 'job':
    case 'submit':
      f.jobId = stringParam(params, -1, 'job_id');
      break;
    case 'mining.set_difficulty': {
      const d = Array.isArray(params) ? params[0] : undefined;
      if (typeof d === 'number' && Number.isFinite(d)) f.difficulty = d;
      break;
    }
    default:
  }
  return f;
}

/** The job id an XMRig login result carries (`result.job.job_id`), or null. */
export function resultJobId(result: unknown): string | null {
  if (!isObject(result) || !isObject(result.job)) return null;
  const id = result.job.job_id;
  return typeof id === 'string' ? id : null;
}

/** A result as the record keeps it (see `StratumRecord.result`). */
export function summarizeResult(v: unknown, max: number): [boolean | number | string | null, boolean] {
  if (v === undefined || v === null) return [null, false];
  if (typeof v === 'boolean' || typeof v === 'number') return [v, false];
  return valueText(v, max);
}

/** An error in either dialect: v1's `[code, message, traceback]`, XMRig's `{code, message}`, or a bare value. */
export function summarizeError(v: unknown, max: number): [StratumError | null, boolean] {
  if (v === undefined || v === null || v === false) return [null, false];
  let code: unknown = null;
  let message: unknown = v;
  if (Array.isArray(v)) {
    code = v[0];
    message = v[1];
  } else if (isObject(v)) {
    code = v.code;
    message = 'message' in v ? v.message : v;
  } else if (typeof v === 'number') {
    code = v;
    message = '';
  }
  const [text, c] = valueText(message, max);
  return [{ code: typeof code === 'number' && Number.isFinite(code) ? code : null, message: text }, c];
}

/** The record's id: a number or string as sent, another JSON value as its text (cut), null when none. */
export function idOf(id: unknown, max: number): number | string | null {
  if (id === undefined || id === null) return null;
  if (typeof id === 'number' || typeof id === 'string') return typeof id === 'string' ? cut(id, max)[0] : id;
  return valueText(id, max)[0];
}

/** The key that pairs a response with its request: same type and value. */
export function idKey(id: unknown): string {
  if (typeof id === 'number') return `n${id}`;
  if (typeof id === 'string') return `s${id}`;
  return `j${JSON.stringify(id) ?? ''}`;
}
