/**
 * OWASP CRS v4.28.0 with CRS CI's configuration (ci/modsecurity.conf, ci/crs-setup-pl4.conf), loaded as a user
 * includes it: everything loads, with the exact counts per file and per phase (counted from the files: the
 * SecRule/SecAction heads with an `id:`), and specific rules have the model the evaluator will need. CRS is read
 * in place from the shared folder and the tests skip when it is absent.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { crsFiles, loadSecLang, type SecLoadResult, type SecRule } from '../../../../src/detect/waf/seclang/index.js';
import { CRS_DIR, crsPresent } from '../../../support/corpus.js';

/** Rules (SecRule and SecAction heads) per file, in load order. */
const PER_FILE: [string, number][] = [
  ['modsecurity.conf', 8],
  ['crs-setup-pl4.conf', 7],
  ['REQUEST-901-INITIALIZATION.conf', 31],
  ['REQUEST-905-COMMON-EXCEPTIONS.conf', 2],
  ['REQUEST-911-METHOD-ENFORCEMENT.conf', 9],
  ['REQUEST-913-SCANNER-DETECTION.conf', 9],
  ['REQUEST-920-PROTOCOL-ENFORCEMENT.conf', 68],
  ['REQUEST-921-PROTOCOL-ATTACK.conf', 26],
  ['REQUEST-922-MULTIPART-ATTACK.conf', 6],
  ['REQUEST-930-APPLICATION-ATTACK-LFI.conf', 14],
  ['REQUEST-931-APPLICATION-ATTACK-RFI.conf', 13],
  ['REQUEST-932-APPLICATION-ATTACK-RCE.conf', 56],
  ['REQUEST-933-APPLICATION-ATTACK-PHP.conf', 29],
  ['REQUEST-934-APPLICATION-ATTACK-GENERIC.conf', 22],
  ['REQUEST-941-APPLICATION-ATTACK-XSS.conf', 42],
  ['REQUEST-942-APPLICATION-ATTACK-SQLI.conf', 68],
  ['REQUEST-943-APPLICATION-ATTACK-SESSION-FIXATION.conf', 11],
  ['REQUEST-944-APPLICATION-ATTACK-JAVA.conf', 22],
  ['REQUEST-949-BLOCKING-EVALUATION.conf', 28],
  ['RESPONSE-950-DATA-LEAKAGES.conf', 14],
  ['RESPONSE-951-DATA-LEAKAGES-SQL.conf', 26],
  ['RESPONSE-952-DATA-LEAKAGES-JAVA.conf', 10],
  ['RESPONSE-953-DATA-LEAKAGES-PHP.conf', 13],
  ['RESPONSE-954-DATA-LEAKAGES-IIS.conf', 14],
  ['RESPONSE-955-WEB-SHELLS.conf', 36],
  ['RESPONSE-956-DATA-LEAKAGES-RUBY.conf', 11],
  ['RESPONSE-959-BLOCKING-EVALUATION.conf', 28],
  ['RESPONSE-980-CORRELATION.conf', 21],
];
const TOTAL = 644;

describe.skipIf(!crsPresent)(`CRS v4.28.0 with CI's configuration (needs ${CRS_DIR})`, () => {
  let r: SecLoadResult;
  let byId: Map<number, SecRule>;
  const rule = (id: number) => {
    const x = byId.get(id);
    if (x === undefined) throw new Error(`rule ${id} not loaded`);
    return x;
  };
  beforeAll(() => {
    const files = crsFiles(CRS_DIR, [
      path.join(CRS_DIR, 'ci', 'modsecurity.conf'),
      path.join(CRS_DIR, 'ci', 'crs-setup-pl4.conf'),
    ]);
    r = loadSecLang(files.map((p) => ({ path: p })));
    byId = new Map(r.rules.filter((x) => x.id !== null).map((x) => [x.id!, x]));
  });

  it('lists the files as ModSecurity includes them: setup files, then rules/*.conf in name order, no .example', () => {
    const files = crsFiles(CRS_DIR, ['a.conf']);
    expect(files[0]).toBe(path.resolve('a.conf'));
    const names = files.slice(1).map((f) => path.basename(f));
    expect(names).toEqual([...names].sort());
    expect(names).toHaveLength(27);
    expect(names.some((n) => n.endsWith('.example'))).toBe(false);
    expect(names).toContain('REQUEST-999-COMMON-EXCEPTIONS-AFTER.conf');
  });

  it('loads every directive and rule: nothing refused, nothing ignored', () => {
    expect(r.refused).toEqual([]);
    expect(r.ignored).toEqual([]);
  });

  it(`loads ${TOTAL} rules, per file and per phase as the files say, 30 markers and 73 chained rules`, () => {
    const heads = r.rules.filter((x) => x.kind !== 'marker');
    expect(heads).toHaveLength(TOTAL);
    const perFile = new Map<string, number>();
    for (const x of heads) perFile.set(path.basename(x.file), (perFile.get(path.basename(x.file)) ?? 0) + 1);
    expect([...perFile]).toEqual(PER_FILE);
    const perPhase: Record<number, number> = {};
    for (const x of heads) perPhase[x.phase] = (perPhase[x.phase] ?? 0) + 1;
    expect(perPhase).toEqual({ 1: 182, 2: 297, 3: 43, 4: 109, 5: 13 });
    expect(heads.filter((x) => x.kind === 'action')).toHaveLength(14);
    expect(r.rules.filter((x) => x.kind === 'marker')).toHaveLength(30);
    let chained = 0;
    for (const x of heads) for (let c = x.chain; c !== null; c = c.chain) chained++;
    expect(chained).toBe(73);
    // Every skipAfter names a marker that follows its rule.
    r.rules.forEach((x, i) => {
      if (x.skipAfter === null) return;
      expect(r.rules.slice(i + 1).some((m) => m.kind === 'marker' && m.marker === x.skipAfter)).toBe(true);
    });
  });

  it('records the engine configuration of ci/modsecurity.conf', () => {
    expect(r.config).toMatchObject({
      ruleEngine: 'DetectionOnly',
      requestBodyAccess: true,
      responseBodyAccess: true,
      requestBodyLimit: 13107200,
      requestBodyNoFilesLimit: 131072,
      requestBodyJsonDepthLimit: 512,
      argumentsLimit: 1000,
      responseBodyLimit: 1048576,
      responseBodyLimitAction: 'ProcessPartial',
      responseBodyMimeTypes: ['text/plain', 'text/html', 'text/xml', 'application/json'],
      argumentSeparator: '&',
      cookieFormat: 0,
      pcreMatchLimit: 100000,
      componentSignatures: ['OWASP_CRS/4.28.0'],
    });
  });

  it('942100 is @detectSQLi with its transformations, capture, and the pl1 score', () => {
    const x = rule(942100);
    expect(x).toMatchObject({ phase: 2, disruptive: 'block', blockAction: 'pass', capture: true, severity: 2 });
    expect(x.operator).toMatchObject({ name: 'detectSQLi', negated: false, param: '' });
    expect(x.transforms).toEqual(['utf8toUnicode', 'urlDecodeUni', 'removeNulls']);
    expect(x.variables.map((v) => (v.key !== null ? `${v.name}:${v.key}` : v.name))).toEqual([
      'REQUEST_COOKIES',
      'REQUEST_COOKIES_NAMES',
      'REQUEST_HEADERS:User-Agent',
      'REQUEST_HEADERS:Referer',
      'ARGS_NAMES',
      'ARGS',
      'XML:/*',
      'XML://@*',
    ]);
    expect(x.msg).toBe('SQL Injection Attack Detected via libinjection');
    expect(x.logdata).toBe('Matched Data: %{TX.0} found within %{MATCHED_VAR_NAME}: %{MATCHED_VAR}');
    expect(x.tags).toContain('paranoia-level/1');
    // SecDefaultAction "phase:2,pass,log,tag:'modsecurity'" of crs-setup-pl4.conf gives its tag first.
    expect(x.tags[0]).toBe('modsecurity');
    expect(x.setvars).toContainEqual({
      collection: 'tx',
      key: 'inbound_anomaly_score_pl1',
      op: 'add',
      value: '%{tx.critical_anomaly_score}',
    });
  });

  it('920270 is @validateByteRange 1-255 after urlDecodeUni', () => {
    const x = rule(920270);
    expect(x.operator).toMatchObject({ name: 'validateByteRange', param: '1-255' });
    expect(x.transforms).toEqual(['urlDecodeUni']);
  });

  it('949110 compares tx.blocking_inbound_anomaly_score with the threshold macro and denies', () => {
    const x = rule(949110);
    expect(x.variables).toEqual([
      { name: 'TX', key: 'BLOCKING_INBOUND_ANOMALY_SCORE', keyRegex: null, count: false, exclude: false },
    ]);
    expect(x.operator).toMatchObject({ name: 'ge', number: null, macro: 'tx.inbound_anomaly_score_threshold' });
    expect(x.disruptive).toBe('deny');
  });

  it('932160 (@pmFromFile unix-shell.data) holds the 709 phrases of the data file', () => {
    const x = rule(932160);
    expect(x.operator).toMatchObject({ name: 'pmFromFile', param: 'unix-shell.data' });
    expect(x.operator!.phrases).toHaveLength(709);
    expect(x.operator!.phrases!.slice(0, 3)).toEqual(['${CDPATH}', '${DIRSTACK}', '${HOME}']);
    expect(x.operator!.phrases!.every((p) => p.trim() !== '' && !p.trim().startsWith('#'))).toBe(true);
    expect(rule(932120).operator!.phrases).toHaveLength(421);
    expect(rule(953100).operator!.phrases).toHaveLength(1833);
    expect(r.files.filter((f) => f.endsWith('.data'))).toHaveLength(21);
  });

  it('920180 is a chain of four rules: the head holds id, phase, msg; the last link the score', () => {
    const x = rule(920180);
    expect(x).toMatchObject({ phase: 1, disruptive: 'block', msg: 'POST without Content-Length and Transfer-Encoding headers' });
    expect(x.operator).toMatchObject({ name: 'within', negated: true, param: 'HTTP/2 HTTP/2.0 HTTP/3 HTTP/3.0' });
    const links: SecRule[] = [];
    for (let c = x.chain; c !== null; c = c.chain) links.push(c);
    expect(
      links.map((c) => [c.id, c.phase, c.disruptive, c.msg, c.variables[0]!.name, c.variables[0]!.count, c.operator!.name]),
    ).toEqual([
      [null, 1, null, null, 'REQUEST_METHOD', false, 'streq'],
      [null, 1, null, null, 'REQUEST_HEADERS', true, 'eq'],
      [null, 1, null, null, 'REQUEST_HEADERS', true, 'eq'],
    ]);
    expect(links[2]!.setvars).toEqual([
      { collection: 'tx', key: 'inbound_anomaly_score_pl1', op: 'add', value: '%{tx.warning_anomaly_score}' },
    ]);
    expect(x.setvars).toEqual([]);
  });

  it('ci/modsecurity.conf 200005 reads TX:/^MSC_/ and 200003 keeps its continued msg', () => {
    expect(rule(200005).variables).toEqual([{ name: 'TX', key: null, keyRegex: '^MSC_', count: false, exclude: false }]);
    expect(rule(200005).operator).toMatchObject({ name: 'streq', negated: true, param: '0' });
    expect(rule(200003).msg).toMatch(
      /^Multipart request body failed strict validation: {5}PE %\{REQBODY_PROCESSOR_ERROR\}, {5}BQ/,
    );
    expect(rule(200007).variables[0]).toMatchObject({ name: 'ARGS', count: true });
    expect(rule(200007)).toMatchObject({ disruptive: 'deny', status: 400 });
  });

  it("crs-setup-pl4.conf's SecDefaultAction and SecActions are in effect (blocking paranoia 4, thresholds 5/4)", () => {
    expect(rule(900000).setvars).toEqual([{ collection: 'tx', key: 'blocking_paranoia_level', op: 'set', value: '4' }]);
    expect(rule(900110).setvars.map((s) => `${s.key}=${s.value}`)).toEqual([
      'inbound_anomaly_score_threshold=5',
      'outbound_anomaly_score_threshold=4',
    ]);
    // Phases 3-5 default to "log,auditlog,pass" without the tag.
    expect(rule(959100).tags[0]).not.toBe('modsecurity');
    expect(rule(959100).blockAction).toBe('pass');
  });

  it('ci/crs-setup-pl1.conf loads the same way, with blocking paranoia 1', () => {
    const pl1 = loadSecLang(
      crsFiles(CRS_DIR, [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl1.conf')]).map(
        (p) => ({ path: p }),
      ),
    );
    expect(pl1.refused).toEqual([]);
    expect(pl1.rules.filter((x) => x.kind !== 'marker')).toHaveLength(TOTAL);
    expect(pl1.rules.find((x) => x.id === 900000)!.setvars).toEqual([
      { collection: 'tx', key: 'blocking_paranoia_level', op: 'set', value: '1' },
    ]);
  });

  it("REQUEST-999's SecRuleUpdateTargetById exclusions are added to the earlier rules' targets", () => {
    const excluded = (id: number) =>
      rule(id)
        .variables.filter((v) => v.exclude)
        .map((v) => v.key ?? `/${v.keyRegex}/`);
    expect(excluded(942420)).toEqual(['__gads', '__gpi', 'FCCDCF', '__eoi', 'FCNEC', '/^pbjs-\\w+$/', '/^_pk_ref/']);
    expect(excluded(932240)).toContain('/^_ga(?:_\\w+)?$/');
    expect(
      rule(942420)
        .variables.slice(0, 2)
        .map((v) => v.name),
    ).toEqual(['REQUEST_COOKIES', 'REQUEST_COOKIES_NAMES']);
    expect(rule(942420).phase).toBe(1);
  });
});
