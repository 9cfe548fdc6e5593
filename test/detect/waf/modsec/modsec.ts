/**
 * libmodsecurity (ModSecurity v3, Debian's libmodsecurity-dev) as the differential reference for the WAF: builds
 * harness.c beside this file against the system library, and runs values through a transformation chain or an
 * operator exactly as a SecRule would.
 *
 * How a value gets in and out: the value is the request header `x` of a GET transaction (phase 1), read by
 * `REQUEST_HEADERS:x`. A transformation chain's result comes back through `@rx (?s)\A(.*)\z` with `capture`,
 * `t:hexEncode` appended to the chain, and a redirect whose URL carries `%{TX.0}`: the intervention's URL arrives
 * whole, where log lines would be escaped and cut. An operator's answer comes back the same way: whether it
 * matched, and what it put in TX.0 with `capture` (for @detectSQLi that is libinjection's fingerprint).
 *
 * The binary goes to the temp directory, named by a hash of the source and the compiler arguments, built once and
 * reused. Each call is one process over many values (`...Many`), so batch. Without a C compiler, without
 * libmodsecurity's headers or library, or with NETSIEVE_TEST_TOOLS=none (the unit tier), `modsecHarness()` says
 * why, and callers skip.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModsecProgram, type ModsecProgram } from './build.js';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'harness.c');

export type ModsecStatus = ModsecProgram;

let cached: ModsecStatus | undefined;

/** Builds the harness once per source and flags, or says why it cannot (the skip reason). */
export function modsecHarness(): ModsecStatus {
  if (cached === undefined) cached = build();
  return cached;
}

/** The reason to give `ctx.skip` when the harness is not available. */
export function modsecAbsent(): string {
  const h = modsecHarness();
  return h.ok ? '' : `libmodsecurity reference unavailable: ${h.reason}`;
}

function build(): ModsecStatus {
  return buildModsecProgram({ source: SOURCE, name: 'modsec-harness', what: 'the harness', testTool: true });
}

const hex = (b: Uint8Array | string): string => Buffer.from(b as Uint8Array).toString('hex');

/** One rule set and the values to run through it. */
export interface ModsecJob {
  rules: string;
  inputs: readonly Uint8Array[];
}

/** One transaction's intervention: the status and the redirect URL (null when none). */
export interface ModsecAnswer {
  status: number;
  url: string | null;
}

/** Runs several jobs in one harness process. Throws when the harness is unavailable, refuses a rule set, or fails. */
export function runModsec(jobs: readonly ModsecJob[]): ModsecAnswer[][] {
  const h = modsecHarness();
  if (!h.ok) throw new Error(`libmodsecurity reference unavailable: ${h.reason}`);
  const lines: string[] = [];
  for (const job of jobs) {
    lines.push(`R ${hex(job.rules)}`);
    for (const input of job.inputs) lines.push(`T ${hex(input)}`);
  }
  // Answers come on file descriptor 3: whatever libmodsecurity prints to stdout itself cannot mix with them.
  const r = spawnSync(h.binary, [], {
    input: `${lines.join('\n')}\n`,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 10 * 60_000,
  });
  if (r.error !== undefined) throw new Error(`modsec harness: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`modsec harness failed (status ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  const out = String(r.output[3] ?? '').split('\n');
  let k = 0;
  return jobs.map((job) => {
    const loaded = out[k++] ?? '';
    if (loaded !== 'OK') throw new Error(`libmodsecurity refused the rule set: ${loaded}\n${job.rules}`);
    return job.inputs.map(() => {
      const line = out[k++] ?? '';
      const m = /^(\d+) (.*)$/.exec(line);
      if (m === null) throw new Error(`modsec harness: unexpected answer ${JSON.stringify(line)}`);
      return { status: Number(m[1]), url: m[2] === '-' ? null : m[2]! };
    });
  });
}

const URL_PREFIX = 'http://netsieve.test/';

function tActions(chain: readonly string[]): string {
  return chain.map((t) => `t:${t.replace(/^t:/i, '')}`).join(',');
}

/** The rule set that hands back `chain`'s result (as hex) in the redirect URL. */
export function transformRules(chain: readonly string[]): string {
  const ts = tActions(['none', ...chain, 'hexEncode']);
  return [
    'SecRuleEngine On',
    `SecRule REQUEST_HEADERS:x "@rx (?s)\\A(.*)\\z" "id:1,phase:1,${ts},capture,redirect:'${URL_PREFIX}%{TX.0}'"`,
  ].join('\n');
}

function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function transformResult(a: ModsecAnswer): Uint8Array {
  if (a.url === null || !a.url.startsWith(URL_PREFIX))
    throw new Error(`modsec harness: no transformed value (${JSON.stringify(a)})`);
  return fromHex(a.url.slice(URL_PREFIX.length));
}

/** `chain` (names as in `t:` actions, `none` implied first) over each input, by libmodsecurity. */
export function modsecTransformMany(chain: readonly string[], inputs: readonly Uint8Array[]): Uint8Array[] {
  return runModsec([{ rules: transformRules(chain), inputs }])[0]!.map(transformResult);
}

/**
 * The rule set that runs every chain of `chains` on the same value in one transaction: one rule per chain keeps
 * its hex result in TX, and the last rule puts them all, dot-separated, in the redirect URL.
 */
export function chainsRules(chains: readonly (readonly string[])[]): string {
  const rules = ['SecRuleEngine On'];
  chains.forEach((chain, k) => {
    const ts = tActions(['none', ...chain, 'hexEncode']);
    rules.push(
      `SecRule REQUEST_HEADERS:x "@rx (?s)\\A(.*)\\z" "id:${k + 10},phase:1,pass,nolog,${ts},capture,setvar:tx.ns_${k}=%{TX.0}"`,
    );
  });
  const all = chains.map((_, k) => `%{tx.ns_${k}}`).join('.');
  rules.push(`SecAction "id:9,phase:1,redirect:'${URL_PREFIX}${all}'"`.replace('id:9,', `id:${chains.length + 10},`));
  return rules.join('\n');
}

/**
 * Every chain of `chains` over each input, by libmodsecurity, one transaction per input: `result[c][i]` is chain c
 * on input i. The fastest way to compare many chains on the same values.
 */
export function modsecTransformChains(chains: readonly (readonly string[])[], inputs: readonly Uint8Array[]): Uint8Array[][] {
  const answers = runModsec([{ rules: chainsRules(chains), inputs }])[0]!;
  const results = chains.map(() => new Array<Uint8Array>(inputs.length));
  answers.forEach((a, i) => {
    if (a.url === null || !a.url.startsWith(URL_PREFIX))
      throw new Error(`modsec harness: no transformed values (${JSON.stringify(a)})`);
    const parts = a.url.slice(URL_PREFIX.length).split('.');
    if (parts.length !== chains.length) throw new Error(`modsec harness: ${parts.length} results for ${chains.length} chains`);
    parts.forEach((h, c) => {
      results[c]![i] = fromHex(h);
    });
  });
  return results;
}

/** Several chains, each over its own inputs, in one process. */
export function modsecTransformJobs(
  jobs: readonly { chain: readonly string[]; inputs: readonly Uint8Array[] }[],
): Uint8Array[][] {
  const answers = runModsec(jobs.map((j) => ({ rules: transformRules(j.chain), inputs: j.inputs })));
  return answers.map((a) => a.map(transformResult));
}

export function modsecTransform(chain: readonly string[], input: Uint8Array): Uint8Array {
  return modsecTransformMany(chain, [input])[0]!;
}

/** What an operator did with a value: matched or not, and TX.0 after it when it matched and captured (else null). */
export interface ModsecOperatorResult {
  matched: boolean;
  capture: Uint8Array | null;
}

/**
 * The rule set that evaluates `@op param` on the header value after `transforms`, and reports the match and TX.0
 * (hex) in the redirect URL. `op` with or without `@`, negation as `!@op`. `param` goes inside a double-quoted
 * SecLang string as written (so write a regex as SecLang would have it), except that `"` is written `\"`, which
 * ModSecurity 3.0.9 keeps as both bytes: a parameter cannot hold a bare `"` there.
 */
export function operatorRules(op: string, param: string, transforms: readonly string[] = []): string {
  if (/[\r\n]/.test(param)) throw new Error('an operator parameter with a line break cannot be written into a rule');
  const negated = op.startsWith('!');
  const name = op.replace(/^!/, '').replace(/^@/, '');
  const operator = `${negated ? '!' : ''}@${name}${param === '' ? '' : ` ${param.replace(/"/g, '\\"')}`}`;
  return [
    'SecRuleEngine On',
    `SecAction "id:1,phase:1,pass,nolog,setvar:tx.ns_matched=0,setvar:tx.ns_capture=none"`,
    `SecRule REQUEST_HEADERS:x "${operator}" "id:2,phase:1,pass,nolog,${tActions(['none', ...transforms])},capture,setvar:tx.ns_matched=1"`,
    `SecRule TX:ns_matched "@eq 1" "id:3,phase:1,pass,nolog,chain"`,
    `  SecRule TX:0 "@rx (?s)\\A(.*)\\z" "t:none,t:hexEncode,capture,setvar:tx.ns_capture=%{TX.0}"`,
    `SecAction "id:4,phase:1,redirect:'${URL_PREFIX}%{tx.ns_matched}/%{tx.ns_capture}'"`,
  ].join('\n');
}

function operatorResult(a: ModsecAnswer): ModsecOperatorResult {
  const m = a.url === null ? null : new RegExp(`^${URL_PREFIX}([01])/(none|[0-9a-f]*)$`).exec(a.url);
  if (m === null) throw new Error(`modsec harness: no operator answer (${JSON.stringify(a)})`);
  return { matched: m[1] === '1', capture: m[1] === '1' && m[2] !== 'none' ? fromHex(m[2]!) : null };
}

/** `@op param` (after `transforms`) on each input, by libmodsecurity. */
export function modsecOperatorMany(
  op: string,
  param: string,
  inputs: readonly Uint8Array[],
  transforms: readonly string[] = [],
): ModsecOperatorResult[] {
  return runModsec([{ rules: operatorRules(op, param, transforms), inputs }])[0]!.map(operatorResult);
}

export function modsecOperator(op: string, param: string, input: Uint8Array, transforms: readonly string[] = []): boolean {
  return modsecOperatorMany(op, param, [input], transforms)[0]!.matched;
}
