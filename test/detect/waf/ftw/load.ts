/**
 * CRS's go-ftw regression tests (`crs/tests/regression/tests/**\/*.yaml`) read into typed stages, with the
 * per-engine overrides CRS CI applies (`crs/tests/regression/{nginx,httpd,coraza}-overrides.yaml`).
 *
 * The files are third-party and stay in the shared folder: nothing here reads a file when imported, and
 * `ftwPresent` says whether they are there (tests skip, reported, when they are not).
 *
 * The fields and their defaults are go-ftw's (github.com/coreruleset/go-ftw v2, with the schema of
 * github.com/coreruleset/ftw-tests-schema): a missing `test_id` is the test's position from 1; a missing
 * method, URI and version are GET, `/` and HTTP/1.1; `autocomplete_headers` defaults to true and the legacy
 * `stop_magic` is its inverse when only it is given; the legacy `log_contains`/`no_log_contains` become the
 * log regexes when no ids are given. Header values are strings as go-yaml reads them into a
 * `map[string]string`: the scalar's text as written, an empty or null scalar as ''.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument, type Node as YamlNode } from 'yaml';
import { SHARED_DIR } from '../../../support/corpus.js';

export const CRS_DIR = path.join(SHARED_DIR, 'crs');
export const FTW_REGRESSION_DIR = path.join(CRS_DIR, 'tests', 'regression');
export const FTW_TESTS_DIR = path.join(FTW_REGRESSION_DIR, 'tests');
/** Whether CRS's regression tests are in the shared folder (an `existsSync`, no read). */
export const ftwPresent = fs.existsSync(FTW_TESTS_DIR);
/** Why a test that needs CRS's regression tests did not run. */
export const FTW_ABSENT = `CRS regression tests absent (${FTW_TESTS_DIR})`;

/** The engines CRS CI keeps override lists for, by file name (`<engine>-overrides.yaml`). */
export const FTW_ENGINES = ['nginx', 'httpd', 'coraza'] as const;
export type FtwEngine = (typeof FTW_ENGINES)[number];

export interface FtwHeader {
  name: string;
  value: string;
}

/** A stage's request as the YAML gives it (go-ftw's defaults applied, nothing encoded yet). */
export interface FtwInput {
  destAddr: string;
  port: number;
  /** `http` or `https`. */
  protocol: string;
  method: string;
  uri: string;
  version: string;
  /** The `headers` mapping in the order written in the file (go-ftw sends them sorted: see request.ts). */
  headers: FtwHeader[];
  /** `ordered_headers`, sent in this order when given (no CRS test uses it today). */
  orderedHeaders: FtwHeader[] | null;
  /** `data` as read from the YAML (a Go text/template go-ftw evaluates before sending). */
  data: string | null;
  /** `encoded_data`: the body, base64. */
  encodedData: string | null;
  /** `encoded_request`: the whole request, base64, sent as it is. */
  encodedRequest: string | null;
  autocompleteHeaders: boolean;
  /** The legacy inverse of `autocompleteHeaders`, kept in step as go-ftw does. */
  stopMagic: boolean;
  saveCookie: boolean;
  virtualHostMode: boolean;
  followRedirect: boolean;
}

/** What a stage expects. */
export interface FtwOutput {
  expectIds: number[];
  noExpectIds: number[];
  /** The HTTP status expected; null when any will do. */
  status: number | null;
  responseContains: string | null;
  /** Regex the WAF log must match (or legacy `log_contains`). */
  matchRegex: string | null;
  noMatchRegex: string | null;
  /** The request is expected to fail (connection error, no response). */
  expectError: boolean;
  retryOnce: boolean;
  isolated: boolean;
}

/** One entry of an `<engine>-overrides.yaml` file. */
export interface FtwOverride {
  engine: FtwEngine;
  ruleId: number;
  testIds: number[];
  /** Stage indexes (from 0) the override applies to; empty: every stage of the test. */
  stageIds: number[];
  reason: string;
  /**
   * The output replacing the stage's expectations, as go-ftw applies it (whole, not merged). An override
   * with no `output` in the file replaces the expectations with empty ones: the stage is in effect skipped.
   */
  output: FtwOutput;
  /** The override gave no output at all (a "skip" in effect). */
  skips: boolean;
}

export interface FtwStage {
  /** `<rule id>-<test id>`, as go-ftw names a test (e.g. `942100-1`). */
  id: string;
  /** `<rule id>-<test id>/<stage index>` (unique). */
  key: string;
  ruleId: number;
  testId: number;
  /** Position of the stage in its test, from 0. */
  stageIndex: number;
  stageCount: number;
  /** The YAML file, relative to the tests folder (`REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml`). */
  file: string;
  /** The rule file's folder (`REQUEST-942-APPLICATION-ATTACK-SQLI`). */
  group: string;
  desc: string;
  input: FtwInput;
  output: FtwOutput;
  /** The overrides CRS CI applies to this stage, per engine. */
  overrides: Partial<Record<FtwEngine, FtwOverride>>;
}

export interface FtwFile {
  file: string;
  ruleId: number;
  tests: number;
  stages: number;
}

export interface FtwSuite {
  files: FtwFile[];
  stages: FtwStage[];
  overrides: FtwOverride[];
  /** Keys the loader does not know, per place (`input.foo`), with a count (should stay empty). */
  unknownKeys: Map<string, number>;
}

/** A value of the YAML read with the failsafe schema: strings, arrays and objects only. */
type Raw = string | Raw[] | { [k: string]: Raw } | null;

const INPUT_KEYS = new Set([
  'dest_addr',
  'port',
  'protocol',
  'uri',
  'version',
  'method',
  'headers',
  'ordered_headers',
  'data',
  'encoded_data',
  'encoded_request',
  'autocomplete_headers',
  'stop_magic',
  'save_cookie',
  'virtual_host_mode',
  'follow_redirect',
]);
const OUTPUT_KEYS = new Set([
  'status',
  'response_contains',
  'log_contains',
  'no_log_contains',
  'log',
  'expect_error',
  'retry_once',
  'isolated',
]);
const LOG_KEYS = new Set(['expect_ids', 'no_expect_ids', 'match_regex', 'no_match_regex']);

function obj(v: Raw | undefined, where: string): { [k: string]: Raw } {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: a mapping expected`);
  return v;
}

function str(v: Raw | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Error(`a scalar expected, got ${JSON.stringify(v)}`);
  return v;
}

/** A YAML 1.1/1.2 boolean as go-yaml reads one into a `*bool`. */
function bool(v: Raw | undefined, where: string): boolean | null {
  const s = str(v);
  if (s === null || s === '' || s === '~' || s.toLowerCase() === 'null') return null;
  if (/^(true|yes|on)$/i.test(s)) return true;
  if (/^(false|no|off)$/i.test(s)) return false;
  throw new Error(`${where}: a boolean expected, got ${s}`);
}

function int(v: Raw | undefined, where: string): number | null {
  const s = str(v);
  if (s === null || s === '') return null;
  if (!/^[0-9]+$/.test(s)) throw new Error(`${where}: an unsigned integer expected, got ${s}`);
  return Number(s);
}

function ints(v: Raw | undefined, where: string): number[] {
  if (v === undefined || v === null || v === '') return [];
  if (!Array.isArray(v)) throw new Error(`${where}: a list expected`);
  return v.map((x, i) => int(x, `${where}[${i}]`)!);
}

function noteUnknown(m: { [k: string]: Raw }, known: Set<string>, where: string, unknown: Map<string, number>): void {
  for (const k of Object.keys(m)) if (!known.has(k)) unknown.set(`${where}.${k}`, (unknown.get(`${where}.${k}`) ?? 0) + 1);
}

/** Empty expectations (what an override without output leaves). */
export function emptyOutput(): FtwOutput {
  return {
    expectIds: [],
    noExpectIds: [],
    status: null,
    responseContains: null,
    matchRegex: null,
    noMatchRegex: null,
    expectError: false,
    retryOnce: false,
    isolated: false,
  };
}

function readOutput(raw: Raw | undefined, where: string, unknown: Map<string, number>): FtwOutput {
  const o = obj(raw, where);
  noteUnknown(o, OUTPUT_KEYS, 'output', unknown);
  const log = obj(o.log, `${where}.log`);
  noteUnknown(log, LOG_KEYS, 'output.log', unknown);
  const out = emptyOutput();
  out.expectIds = ints(log.expect_ids, `${where}.log.expect_ids`);
  out.noExpectIds = ints(log.no_expect_ids, `${where}.log.no_expect_ids`);
  out.status = int(o.status, `${where}.status`);
  out.responseContains = str(o.response_contains) || null;
  out.matchRegex = str(log.match_regex) || null;
  out.noMatchRegex = str(log.no_match_regex) || null;
  // go-ftw: the legacy fields count only when the log block gives neither ids nor a regex of that kind.
  const logContains = str(o.log_contains);
  if (logContains && log.expect_ids === undefined && out.matchRegex === null) out.matchRegex = logContains;
  const noLogContains = str(o.no_log_contains);
  if (noLogContains && log.no_expect_ids === undefined && out.noMatchRegex === null) out.noMatchRegex = noLogContains;
  out.expectError = bool(o.expect_error, `${where}.expect_error`) ?? false;
  out.retryOnce = bool(o.retry_once, `${where}.retry_once`) ?? false;
  out.isolated = bool(o.isolated, `${where}.isolated`) ?? false;
  return out;
}

/**
 * The `headers` mapping of a stage, read from the YAML nodes: the order written, and each value as go-yaml
 * puts a scalar into a Go string (its text; '' for null).
 */
function readHeaders(node: YamlNode | null | undefined, where: string): FtwHeader[] {
  if (node === null || node === undefined) return [];
  if (isScalar(node) && (node.value === null || node.value === '')) return [];
  if (!isMap(node)) throw new Error(`${where}: headers must be a mapping`);
  const out: FtwHeader[] = [];
  for (const pair of node.items) {
    const k = pair.key;
    const v = pair.value;
    if (!isScalar(k)) throw new Error(`${where}: a header name must be a scalar`);
    const name = String(k.value ?? '');
    let value = '';
    if (v !== null && v !== undefined) {
      if (!isScalar(v)) throw new Error(`${where}: header ${name} must be a scalar`);
      const text = String(v.value ?? '');
      const nullish = v.type === 'PLAIN' && /^(~|null|Null|NULL)?$/.test(text);
      value = nullish ? '' : text;
    }
    out.push({ name, value });
  }
  return out;
}

function readOrderedHeaders(raw: Raw | undefined, where: string): FtwHeader[] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) throw new Error(`${where}: ordered_headers must be a list`);
  return raw.map((e, i) => {
    const m = obj(e, `${where}[${i}]`);
    return { name: str(m.name) ?? '', value: str(m.value) ?? '' };
  });
}

function readInput(
  raw: Raw | undefined,
  headersNode: YamlNode | null | undefined,
  where: string,
  unknown: Map<string, number>,
): FtwInput {
  const i = obj(raw, where);
  noteUnknown(i, INPUT_KEYS, 'input', unknown);
  const auto = bool(i.autocomplete_headers, `${where}.autocomplete_headers`);
  const stop = bool(i.stop_magic, `${where}.stop_magic`);
  // go-ftw's postProcessAutocompleteHeaders: default true; stop_magic (inverse) counts only when alone.
  const autocompleteHeaders = auto !== null ? auto : stop !== null ? !stop : true;
  const plainNull = (v: Raw | undefined): string | null => {
    const s = str(v);
    return s === null ? null : s;
  };
  return {
    destAddr: str(i.dest_addr) ?? 'localhost',
    port: int(i.port, `${where}.port`) ?? 80,
    protocol: str(i.protocol) ?? 'http',
    method: str(i.method) ?? 'GET',
    uri: str(i.uri) ?? '/',
    version: str(i.version) ?? 'HTTP/1.1',
    headers: readHeaders(headersNode, where),
    orderedHeaders: readOrderedHeaders(i.ordered_headers, `${where}.ordered_headers`),
    data: plainNull(i.data),
    encodedData: plainNull(i.encoded_data),
    encodedRequest: str(i.encoded_request) || null,
    autocompleteHeaders,
    stopMagic: !autocompleteHeaders,
    saveCookie: bool(i.save_cookie, `${where}.save_cookie`) ?? false,
    virtualHostMode: bool(i.virtual_host_mode, `${where}.virtual_host_mode`) ?? false,
    followRedirect: bool(i.follow_redirect, `${where}.follow_redirect`) ?? false,
  };
}

/** Parses YAML text as go-ftw needs it: failsafe schema (every scalar a string), unique keys, merge keys. */
function parseYaml(text: string, file: string) {
  const doc = parseDocument(text, { schema: 'failsafe', merge: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
  return doc;
}

/** Reads one test file (text given, or read from `dir/file`). */
export function loadFtwFile(
  file: string,
  text: string,
  unknown = new Map<string, number>(),
): { info: FtwFile; stages: FtwStage[] } {
  const doc = parseYaml(text, file);
  const top = obj(doc.toJS() as Raw, file);
  // go-ftw: rule_id, else the first number in the file name.
  let ruleId = int(top.rule_id, `${file}: rule_id`);
  if (ruleId === null || ruleId === 0) {
    const m = /\d+/.exec(path.basename(file));
    if (m === null) throw new Error(`${file}: no rule_id and no number in the file name`);
    ruleId = Number(m[0]);
  }
  // A file with everything commented out (920539.yaml) is an empty document: go-ftw reads it as no tests.
  const tests = top.tests ?? [];
  if (!Array.isArray(tests)) throw new Error(`${file}: tests must be a list`);
  const stages: FtwStage[] = [];
  const group = path.dirname(file);
  tests.forEach((t, ti) => {
    const tm = obj(t, `${file}: tests[${ti}]`);
    const testId = int(tm.test_id, `${file}: tests[${ti}].test_id`) || ti + 1;
    const rawStages = tm.stages;
    if (!Array.isArray(rawStages)) throw new Error(`${file}: test ${testId}: stages must be a list`);
    rawStages.forEach((s, si) => {
      const where = `${file}: ${ruleId}-${testId} stage ${si}`;
      const sm = obj(s, where);
      const headersNode = doc.getIn(['tests', ti, 'stages', si, 'input', 'headers'], true) as YamlNode | undefined;
      stages.push({
        id: `${ruleId}-${testId}`,
        key: `${ruleId}-${testId}/${si}`,
        ruleId: ruleId!,
        testId,
        stageIndex: si,
        stageCount: rawStages.length,
        file,
        group,
        desc: str(tm.desc) ?? '',
        input: readInput(sm.input, headersNode, `${where} input`, unknown),
        output: readOutput(sm.output, `${where} output`, unknown),
        overrides: {},
      });
    });
  });
  return { info: { file, ruleId, tests: tests.length, stages: stages.length }, stages };
}

/** Reads `<engine>-overrides.yaml` files of the regression folder (those present). */
export function loadFtwOverrides(dir = FTW_REGRESSION_DIR): FtwOverride[] {
  const out: FtwOverride[] = [];
  const unknown = new Map<string, number>();
  for (const engine of FTW_ENGINES) {
    const p = path.join(dir, `${engine}-overrides.yaml`);
    if (!fs.existsSync(p)) continue;
    const top = obj(parseYaml(fs.readFileSync(p, 'utf8'), p).toJS() as Raw, p);
    const list = top.test_overrides;
    if (!Array.isArray(list)) throw new Error(`${p}: test_overrides must be a list`);
    list.forEach((e, i) => {
      const m = obj(e, `${p}[${i}]`);
      out.push({
        engine,
        ruleId: int(m.rule_id, `${p}[${i}].rule_id`)!,
        testIds: ints(m.test_ids, `${p}[${i}].test_ids`),
        stageIds: ints(m.stage_ids, `${p}[${i}].stage_ids`),
        reason: (str(m.reason) ?? '').trim(),
        output: readOutput(m.output, `${p}[${i}].output`, unknown),
        skips: m.output === undefined || m.output === null,
      });
    });
  }
  return out;
}

/** Every `*.yaml` under the tests folder, relative, sorted. */
export function ftwTestFiles(dir = FTW_TESTS_DIR): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && e.name.endsWith('.yaml')) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/**
 * Loads every test file and attaches the overrides as go-ftw applies them: an override names a rule and
 * its test ids (an empty list matches nothing), and replaces the output of the listed stages (all when it
 * lists none).
 */
export function loadFtwSuite(dir = FTW_TESTS_DIR, regressionDir = path.dirname(dir)): FtwSuite {
  const unknownKeys = new Map<string, number>();
  const files: FtwFile[] = [];
  const stages: FtwStage[] = [];
  for (const f of ftwTestFiles(dir)) {
    const r = loadFtwFile(f, fs.readFileSync(path.join(dir, f), 'utf8'), unknownKeys);
    files.push(r.info);
    stages.push(...r.stages);
  }
  const overrides = loadFtwOverrides(regressionDir);
  for (const o of overrides) {
    for (const s of stages) {
      if (s.ruleId !== o.ruleId || !o.testIds.includes(s.testId)) continue;
      if (o.stageIds.length > 0 && !o.stageIds.includes(s.stageIndex)) continue;
      s.overrides[o.engine] = o;
    }
  }
  return { files, stages, overrides, unknownKeys };
}

/** The expectations of a stage for an engine: its override's output when CRS CI overrides it there. */
export function expectedOutput(stage: FtwStage, engine: FtwEngine | null): FtwOutput {
  const o = engine === null ? undefined : stage.overrides[engine];
  return o === undefined ? stage.output : o.output;
}

let cached: FtwSuite | null = null;
/** The shared suite, loaded once per worker (call inside `beforeAll`/`it`; throws when absent). */
export function ftwSuite(): FtwSuite {
  if (!ftwPresent) throw new Error(FTW_ABSENT);
  cached ??= loadFtwSuite();
  return cached;
}
