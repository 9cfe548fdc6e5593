/**
 * The Markdown corpus (`cases/*.md`), in the manner of llhttp's: each `##` case has a why, the bytes of
 * each side in fenced blocks, and the expected log. Every case is replayed whole and at every piece size
 * from 1 to its longest step's length, against the one log.
 *
 * Case format:
 * - ```` ```client ```` / ```` ```server ````: bytes of that side. Each line gets CRLF appended, except a
 *   line ending in a lone `\` (removed); escapes `\r`, `\n`, `\t`, `\\`, `\xHH` are read.
 * - ```` ```gap client 10 ````: 10 bytes of that side are missing (-1: unknown); ```` ```end server fin ````.
 * - `<!-- options={"maxHeaders": 2} -->`: options for the case.
 * - ```` ```log ````: one line per record (`tx`), per anomaly raised (`anomaly name@direction`), and `stop`;
 *   bytes outside printable ASCII are shown as `\r`, `\n`, `\xHH`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HttpOptions } from '../../../src/protocols/http/options.js';
import { C2S, S2C, run, text, type Outcome, type Splitter, type Step } from './helpers.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

interface Case {
  file: string;
  title: string;
  steps: Step[];
  options: Partial<HttpOptions>;
  log: string[];
}

function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|r|n|t|\\)/g, (_m, e: string) => {
    if (e === 'r') return '\r';
    if (e === 'n') return '\n';
    if (e === 't') return '\t';
    if (e === '\\') return '\\';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

function block(lines: string[]): string {
  let out = '';
  for (const l of lines) out += l.endsWith('\\') && !l.endsWith('\\\\') ? unescape(l.slice(0, -1)) : `${unescape(l)}\r\n`;
  return out;
}

function parseCases(file: string): Case[] {
  const src = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
  const cases: Case[] = [];
  let cur: Case | null = null;
  for (let i = 0; i < src.length; i++) {
    const line = src[i]!;
    if (line.startsWith('## ')) {
      cur = { file, title: line.slice(3).trim(), steps: [], options: {}, log: [] };
      cases.push(cur);
      continue;
    }
    if (cur === null) continue;
    const opt = /^<!-- options=(.*) -->$/.exec(line);
    if (opt !== null) cur.options = JSON.parse(opt[1]!);
    if (!line.startsWith('```')) continue;
    const info = line.slice(3).trim().split(/\s+/);
    const body: string[] = [];
    for (i++; i < src.length && !src[i]!.startsWith('```'); i++) body.push(src[i]!);
    const side = info[1] === 'server' ? S2C : C2S;
    if (info[0] === 'client' || info[0] === 'server')
      cur.steps.push({ dir: info[0] === 'server' ? S2C : C2S, data: block(body) });
    else if (info[0] === 'gap') cur.steps.push({ dir: side, gap: Number(info[2]) });
    else if (info[0] === 'end') cur.steps.push({ dir: side, end: info[2] as 'fin' });
    else if (info[0] === 'log') cur.log = body.filter((l) => l.trim().length > 0);
  }
  return cases;
}

/** A string as the log shows it: printable ASCII as is, `"` and `\\` and every other byte escaped (`\x01`). */
function esc(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${s[i]}`;
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x0a) out += '\\n';
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}
const show = (s: string | null): string => (s === null ? '-' : esc(s));
const quoted = (b: Uint8Array): string => `"${esc(text(b))}"`;

/** The log of an outcome, in the corpus's notation. */
export function logOf(o: Outcome): string[] {
  const out: string[] = [];
  for (const r of o.records) {
    let l = `tx${r.txId} ${show(r.method)} ${show(r.uri)}`;
    if (r.host !== null) l += ` host=${show(r.host)}`;
    if (r.status !== null) l += ` status=${r.status}`;
    if (r.interimStatuses.length > 0) l += ` interim=${r.interimStatuses.join(',')}`;
    if (r.requestBodyLength > 0 || r.requestBody.length > 0) l += ` req=${quoted(r.requestBody)}`;
    if (r.responseBodyLength > 0 || r.responseBody.length > 0) l += ` resp=${quoted(r.responseBody)}`;
    if (r.requestTrailers.length + r.responseTrailers.length > 0)
      l += ` trailers=${[...r.requestTrailers, ...r.responseTrailers].map((h) => `${h.name}:${h.value}`).join(',')}`;
    if (r.tunnel !== null) l += ` tunnel=${r.tunnel}`;
    if (r.anomalies.length > 0) l += ` [${r.anomalies.map((a) => a.slice(5)).join(' ')}]`;
    out.push(l);
  }
  for (const a of o.anomalies) out.push(`anomaly ${a}`);
  if (o.stopped !== null) out.push(`stop ${o.stopped}`);
  return out;
}

const fixed =
  (n: number): Splitter =>
  (len) => {
    const out: number[] = [];
    for (let left = len; left > 0; left -= n) out.push(Math.min(n, left));
    return out;
  };

const files = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()
  : [];

describe('Markdown corpus', () => {
  for (const file of files) {
    describe(file, () => {
      for (const c of parseCases(file)) {
        it(c.title, () => {
          const whole = run(c.steps, undefined, c.options);
          expect(logOf(whole)).toEqual(c.log);
          expect(whole.afterStop).toBe(0);
          const longest = Math.max(...c.steps.map((s) => ('data' in s ? s.data.length : 0)));
          for (let n = 1; n <= longest; n++)
            expect(logOf(run(c.steps, fixed(n), c.options)), `pieces of ${n} bytes`).toEqual(c.log);
        });
      }
    });
  }
});
