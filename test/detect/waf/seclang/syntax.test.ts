/**
 * The SecLang loader on hand-written rules, one syntax feature at a time: continuation lines, quoting of
 * arguments and of action values, targets, operators (implied @rx, negation, numeric macros, phrase files),
 * actions into typed fields, chains, SecDefaultAction per phase, SecMarker, removal and target updates, the
 * engine directives and the ignored ones, and refusals with file, line, id and keyword.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecLang, type SecLoadOptions, type SecRule } from '../../../../src/detect/waf/seclang/index.js';

const BASE = path.resolve('/rules-dir');

/** Loads one text with the given data files (name relative to BASE -> contents). */
function load(text: string, data: Record<string, string> = {}, more: SecLoadOptions = {}) {
  const readFile = (file: string) => {
    const rel = path.relative(BASE, file);
    return Object.hasOwn(data, rel) ? data[rel]! : null;
  };
  return loadSecLang([{ text, name: 'test.conf' }], { baseDir: BASE, readFile, ...more });
}

function only(text: string, data: Record<string, string> = {}): SecRule {
  const r = load(text, data);
  expect(r.refused).toEqual([]);
  expect(r.rules).toHaveLength(1);
  return r.rules[0]!;
}

describe('SecLang syntax', () => {
  it('joins continuation lines and keeps the first line number', () => {
    const r = load(
      ['# comment', '', 'SecRule ARGS "@rx a" \\', '    "id:1,\\', '    phase:2,\\', '    pass"', 'SecAction "id:2,pass"'].join(
        '\n',
      ),
    );
    expect(r.refused).toEqual([]);
    expect(r.rules.map((x) => [x.id, x.line, x.kind])).toEqual([
      [1, 3, 'rule'],
      [2, 7, 'action'],
    ]);
    expect(r.rules[0]!.phase).toBe(2);
  });

  it('reads double-quoted arguments with \\" and \\\\ (other backslashes kept)', () => {
    const rule = only(String.raw`SecRule ARGS "@rx a\"b\\\d" "id:1,pass"`);
    expect(rule.operator).toMatchObject({ name: 'rx', negated: false, param: String.raw`a"b\\\d` });
    // A \\ pair does not escape the quote after it.
    const r2 = only(String.raw`SecRule ARGS "x\\" "id:2,pass"`);
    expect(r2.operator!.param).toBe('x\\\\');
  });

  it("reads single-quoted action values with commas, colons, macros and \\'", () => {
    const rule = only(
      `SecRule ARGS "@rx x" "id:3,phase:1,block,msg:'a, b: c',logdata:'Matched %{TX.0} in %{MATCHED_VAR_NAME}: %{MATCHED_VAR}',setvar:'tx.inbound_anomaly_score_pl1=+%{tx.critical_anomaly_score}',tag:'it\\'s',severity:'CRITICAL',ver:'OWASP_CRS/4.28.0'"`,
    );
    expect(rule.msg).toBe('a, b: c');
    expect(rule.logdata).toBe('Matched %{TX.0} in %{MATCHED_VAR_NAME}: %{MATCHED_VAR}');
    expect(rule.setvars).toEqual([
      { collection: 'tx', key: 'inbound_anomaly_score_pl1', op: 'add', value: '%{tx.critical_anomaly_score}' },
    ]);
    expect(rule.tags).toEqual(["it's"]);
    expect(rule.severity).toBe(2);
    expect(rule.ver).toBe('OWASP_CRS/4.28.0');
    expect(rule.phase).toBe(1);
    expect(rule.disruptive).toBe('block');
  });

  it('reads every setvar form', () => {
    const rule = only(
      "SecAction \"id:4,pass,setvar:tx.a=1,setvar:'tx.b=-2',setvar:!tx.c,setvar:tx.d,setvar:'ip.%{rule.id}-x=%{MATCHED_VAR}'\"",
    );
    expect(rule.setvars).toEqual([
      { collection: 'tx', key: 'a', op: 'set', value: '1' },
      { collection: 'tx', key: 'b', op: 'sub', value: '2' },
      { collection: 'tx', key: 'c', op: 'delete', value: '' },
      { collection: 'tx', key: 'd', op: 'set', value: '1' },
      { collection: 'ip', key: '%{rule.id}-x', op: 'set', value: '%{MATCHED_VAR}' },
    ]);
  });

  it('reads ctl values with = ; and : into ids, tags and targets', () => {
    const rule = only(
      'SecRule REQUEST_FILENAME "@streq /login" "id:5,phase:1,pass,nolog,ctl:ruleRemoveTargetById=942100;ARGS:foo,ctl:ruleEngine=DetectionOnly,' +
        'ctl:ruleRemoveById=941000-942999,ctl:ruleRemoveByTag=OWASP_CRS,ctl:ruleRemoveTargetByTag=attack-sqli;ARGS:pwd|!ARGS:/^x/,ctl:requestBodyProcessor=JSON"',
    );
    const args = (key: string | null, keyRegex: string | null = null, exclude = false) => ({
      name: 'ARGS',
      key,
      keyRegex,
      count: false,
      exclude,
    });
    expect(rule.ctl).toEqual([
      { name: 'ruleRemoveTargetById', value: '942100;ARGS:foo', ids: [[942100, 942100]], targets: [args('foo')] },
      { name: 'ruleEngine', value: 'DetectionOnly' },
      { name: 'ruleRemoveById', value: '941000-942999', ids: [[941000, 942999]] },
      { name: 'ruleRemoveByTag', value: 'OWASP_CRS', tag: 'OWASP_CRS' },
      {
        name: 'ruleRemoveTargetByTag',
        value: 'attack-sqli;ARGS:pwd|!ARGS:/^x/',
        tag: 'attack-sqli',
        targets: [args('pwd'), args(null, '^x', true)],
      },
      { name: 'requestBodyProcessor', value: 'JSON' },
    ]);
    expect(rule.nolog).toBe(true);
    expect(rule.auditlog).toBe(false);
    const bad = load(
      [
        'ctl:ruleEngine=Maybe',
        'ctl:ruleRemoveTargetById=942100',
        'ctl:ruleRemoveById=abc',
        'ctl:requestBodyProcessor=YAML',
        'ctl:nope=1',
      ]
        .map((c, i) => `SecAction "id:${i + 1},pass,${c}"`)
        .join('\n'),
    );
    expect(bad.rules).toEqual([]);
    expect(bad.refused.map((x) => [x.id, x.directive])).toEqual([
      [1, 'ctl:ruleEngine'],
      [2, 'ctl:ruleRemoveTargetById'],
      [3, 'ctl:ruleRemoveById'],
      [4, 'ctl:requestBodyProcessor'],
      [5, 'ctl:nope'],
    ]);
  });

  it('reads targets: lists, keys, /regex/ keys holding |, &, !, XML:/*, TX:/^MSC_/', () => {
    const rule = only(
      'SecRule REQUEST_COOKIES|!REQUEST_COOKIES:/^(?:_ga|__utm)/|&ARGS|ARGS:foo|!ARGS:bar|XML:/*|XML://@*|TX:/^MSC_/|REQUEST_HEADERS:User-Agent "@rx x" "id:6,pass"',
    );
    expect(rule.variables).toEqual([
      { name: 'REQUEST_COOKIES', key: null, keyRegex: null, count: false, exclude: false },
      { name: 'REQUEST_COOKIES', key: null, keyRegex: '^(?:_ga|__utm)', count: false, exclude: true },
      { name: 'ARGS', key: null, keyRegex: null, count: true, exclude: false },
      { name: 'ARGS', key: 'foo', keyRegex: null, count: false, exclude: false },
      { name: 'ARGS', key: 'bar', keyRegex: null, count: false, exclude: true },
      { name: 'XML', key: '/*', keyRegex: null, count: false, exclude: false },
      { name: 'XML', key: '//@*', keyRegex: null, count: false, exclude: false },
      { name: 'TX', key: null, keyRegex: '^MSC_', count: false, exclude: false },
      { name: 'REQUEST_HEADERS', key: 'User-Agent', keyRegex: null, count: false, exclude: false },
    ]);
  });

  it('reads operators: implied @rx, negation, numbers and macros, @pm phrases, @validateByteRange', () => {
    const r = load(
      [
        'SecRule ARGS "^a+$" "id:10,pass"',
        'SecRule ARGS "!^a" "id:11,pass"',
        'SecRule REQBODY_ERROR "!@eq 0" "id:12,pass"',
        'SecRule TX:BLOCKING_INBOUND_ANOMALY_SCORE "@ge %{tx.inbound_anomaly_score_threshold}" "id:13,pass"',
        'SecRule REQUEST_HEADERS:User-Agent "!@pm AppleWebKit Android" "id:14,pass"',
        'SecRule REQUEST_URI "@validateByteRange 9,10,13,32-126" "id:15,pass"',
        'SecRule ARGS "@detectSQLi" "id:16,pass"',
        'SecRule REMOTE_ADDR "@ipMatch 127.0.0.1,::1" "id:17,pass"',
      ].join('\n'),
    );
    expect(r.refused).toEqual([]);
    const ops = r.rules.map((x) => x.operator);
    expect(ops[0]).toEqual({ name: 'rx', negated: false, param: '^a+$', phrases: null, number: null, macro: null });
    expect(ops[1]).toMatchObject({ name: 'rx', negated: true, param: '^a' });
    expect(ops[2]).toMatchObject({ name: 'eq', negated: true, number: 0, macro: null });
    expect(ops[3]).toMatchObject({ name: 'ge', number: null, macro: 'tx.inbound_anomaly_score_threshold' });
    expect(ops[4]).toMatchObject({ name: 'pm', negated: true, phrases: ['AppleWebKit', 'Android'] });
    expect(ops[5]).toMatchObject({ name: 'validateByteRange', param: '9,10,13,32-126' });
    expect(ops[6]).toMatchObject({ name: 'detectSQLi', param: '' });
    expect(ops[7]).toMatchObject({ name: 'ipMatch', param: '127.0.0.1,::1' });
  });

  it('reads @pmFromFile and @pmf phrase files relative to the rule file (comments and blank lines skipped)', () => {
    const r = load(
      'SecRule ARGS "@pmFromFile words.data" "id:20,pass"\nSecRule ARGS "@pmf sub/more.data words.data" "id:21,pass"',
      {
        'words.data': '# a comment\n\nalpha\n  # indented comment\nbeta gamma\r\n   \ndelta\n',
        'sub/more.data': 'one\n',
      },
    );
    expect(r.refused).toEqual([]);
    expect(r.rules[0]!.operator!.phrases).toEqual(['alpha', 'beta gamma', 'delta']);
    expect(r.rules[1]!.operator).toMatchObject({ name: 'pmf', phrases: ['one', 'alpha', 'beta gamma', 'delta'] });
    expect(r.files).toEqual([path.join(BASE, 'words.data'), path.join(BASE, 'sub/more.data'), path.join(BASE, 'words.data')]);
  });

  it('builds chains: the chained rules belong to the head, which holds id, phase, msg and the disruptive action', () => {
    const r = load(
      [
        'SecRule REQUEST_METHOD "@streq POST" "id:30,phase:1,deny,status:403,msg:\'m\',chain"',
        '  SecRule &REQUEST_HEADERS:Content-Length "@eq 0" "t:none,chain"',
        '    SecRule REQUEST_HEADERS:Transfer-Encoding "!@eq 0" "t:lowercase,setvar:tx.x=1"',
        'SecRule ARGS "@rx b" "id:31,phase:2,pass"',
      ].join('\n'),
    );
    expect(r.refused).toEqual([]);
    expect(r.rules.map((x) => x.id)).toEqual([30, 31]);
    const head = r.rules[0]!;
    expect(head).toMatchObject({ id: 30, phase: 1, disruptive: 'deny', status: 403, msg: 'm' });
    const c1 = head.chain!;
    expect(c1).toMatchObject({ id: null, phase: 1, disruptive: null, msg: null, line: 2 });
    expect(c1.variables[0]).toMatchObject({ name: 'REQUEST_HEADERS', key: 'Content-Length', count: true });
    const c2 = c1.chain!;
    expect(c2).toMatchObject({ id: null, phase: 1, transforms: ['lowercase'], chain: null });
    expect(c2.setvars).toHaveLength(1);
  });

  it('applies SecDefaultAction of the rule phase to later rules, overridden by their own actions', () => {
    const r = load(
      [
        'SecRule ARGS "@rx a" "id:40,phase:2,block"',
        'SecDefaultAction "phase:2,deny,log,t:lowercase,tag:\'dflt\'"',
        'SecDefaultAction "phase:1,pass,nolog"',
        'SecRule ARGS "@rx a" "id:41,phase:2,block,t:urlDecode"',
        'SecRule ARGS "@rx a" "id:42,phase:2,pass,t:none,t:trim,nolog"',
        'SecRule ARGS "@rx a" "id:43,phase:1"',
        'SecRule ARGS "@rx a" "id:44,phase:2,chain"',
        '  SecRule ARGS "@rx b" "t:removeNulls"',
      ].join('\n'),
    );
    expect(r.refused).toEqual([]);
    const [r40, r41, r42, r43, r44] = r.rules;
    expect(r40).toMatchObject({ disruptive: 'block', blockAction: 'pass', transforms: [], tags: [], nolog: false });
    expect(r41).toMatchObject({
      disruptive: 'block',
      blockAction: 'deny',
      transforms: ['lowercase', 'urlDecode'],
      tags: ['dflt'],
    });
    expect(r42).toMatchObject({ disruptive: 'pass', transforms: ['trim'], nolog: true });
    expect(r43).toMatchObject({ disruptive: 'pass', blockAction: 'pass', nolog: true, tags: [] });
    expect(r44!.chain).toMatchObject({ transforms: ['lowercase', 'removeNulls'], disruptive: null, tags: [] });
  });

  it('keeps SecMarker as a position and skipAfter as its name', () => {
    const r = load('SecRule TX:X "@lt 1" "id:50,phase:1,pass,nolog,skipAfter:END-X"\nSecMarker "END-X"\nSecMarker END-Y');
    expect(r.refused).toEqual([]);
    expect(r.rules[0]!.skipAfter).toBe('END-X');
    expect(r.rules.slice(1).map((x) => [x.kind, x.marker, x.id, x.phase])).toEqual([
      ['marker', 'END-X', null, 0],
      ['marker', 'END-Y', null, 0],
    ]);
  });

  it('removes earlier rules by id, range and tag, and updates targets of earlier rules by id and tag', () => {
    const r = load(
      [
        'SecRule ARGS "@rx a" "id:60,pass,tag:\'t1\'"',
        'SecRule ARGS "@rx a" "id:61,pass"',
        'SecRule ARGS "@rx a" "id:62,pass"',
        'SecRule ARGS "@rx a" "id:63,pass"',
        'SecRule ARGS "@rx a" "id:64,pass,tag:\'t2\'"',
        'SecRule ARGS|REQUEST_COOKIES "@rx a" "id:65,pass,tag:\'t3\'"',
        'SecRuleRemoveById 61 62-63',
        'SecRuleRemoveByTag t1',
        'SecRuleUpdateTargetById 64 "!ARGS:foo|REQUEST_HEADERS:X"',
        'SecRuleUpdateTargetByTag t3 "!REQUEST_COOKIES:/^_ga/"',
        'SecRuleUpdateTargetById 999 "!ARGS:foo"',
        'SecRule ARGS "@rx a" "id:62,pass"',
      ].join('\n'),
    );
    expect(r.rules.map((x) => x.id)).toEqual([64, 65, 62]);
    expect(r.rules[0]!.variables.map((v) => [v.name, v.key, v.exclude])).toEqual([
      ['ARGS', null, false],
      ['ARGS', 'foo', true],
      ['REQUEST_HEADERS', 'X', false],
    ]);
    expect(r.rules[1]!.variables.at(-1)).toEqual({
      name: 'REQUEST_COOKIES',
      key: null,
      keyRegex: '^_ga',
      count: false,
      exclude: true,
    });
    expect(r.refused).toEqual([
      {
        file: 'test.conf',
        line: 11,
        id: null,
        directive: 'SecRuleUpdateTargetById',
        reason: 'SecRuleUpdateTargetById 999: no rule loaded before it matches',
      },
    ]);
  });

  it('records engine directives in the config, typed, and lists the passive-inspection ones as ignored', () => {
    const r = load(
      [
        'SecRuleEngine DetectionOnly',
        'SecRequestBodyAccess On',
        'SecResponseBodyAccess on',
        'SecRequestBodyLimit 13107200',
        'SecRequestBodyNoFilesLimit 131072',
        'SecRequestBodyLimitAction ProcessPartial',
        'SecResponseBodyMimeType text/xml application/json',
        'SecArgumentSeparator ;',
        'SecCookieFormat 1',
        'SecPcreMatchLimit 100000',
        'SecComponentSignature "OWASP_CRS/4.28.0"',
        'SecAuditEngine RelevantOnly',
        'SecAuditLogParts ABIJDEFHZ',
        'SecDebugLogLevel 0',
      ].join('\n'),
    );
    expect(r.refused).toEqual([]);
    expect(r.config).toMatchObject({
      ruleEngine: 'DetectionOnly',
      requestBodyAccess: true,
      responseBodyAccess: true,
      requestBodyLimit: 13107200,
      requestBodyNoFilesLimit: 131072,
      requestBodyLimitAction: 'ProcessPartial',
      responseBodyMimeTypes: ['text/plain', 'text/html', 'text/xml', 'application/json'],
      argumentSeparator: ';',
      cookieFormat: 1,
      pcreMatchLimit: 100000,
      componentSignatures: ['OWASP_CRS/4.28.0'],
    });
    expect(r.config.directives.SecAuditEngine).toBe('RelevantOnly');
    expect(r.ignored.map((i) => [i.directive, i.line, i.value])).toEqual([
      ['SecAuditEngine', 12, 'RelevantOnly'],
      ['SecAuditLogParts', 13, 'ABIJDEFHZ'],
      ['SecDebugLogLevel', 14, '0'],
    ]);
  });

  it('refuses what is outside the subset with file, line, rule id and keyword, and loads the rest', () => {
    const r = load(
      [
        'SecRule ARGS "@geoLookup" "id:70,pass"',
        'SecRule ARGS "@rx a" "id:71,pass,exec:/bin/x"',
        'SecRule ENV:PATH "@rx a" "id:72,pass"',
        'SecRule ARGS "@rx a" "id:73,pass,t:bogus"',
        'SecFooBar on',
        'SecRule ARGS "@rx a" "id:74,pass,msg:\'unclosed"',
        'SecRule ARGS "@rx a" "pass"',
        'SecRule ARGS "@rx a" "id:75,pass"',
        'SecRule ARGS "@rx a" "id:75,pass"',
        'SecRule ARGS "@rx a" "id:76,chain,pass,ctl:nope=1"',
        '  SecRule ARGS "@rx b" "t:none"',
        'SecRule ARGS "@rx a" "id:77,chain,block"',
        'SecMarker M',
        'SecRule ARGS "@pmFromFile missing.data" "id:79,pass"',
        'SecRule ARGS "@rx a" "id:80,pass,chain"',
        'SecRule ARGS "@rx a" "id:81,pass"',
        'SecRule ARGS "@rx a" "id:82,pass"',
        'SecRule ARGS "@rx a" "id:83,pass,chain"',
        '  SecRule ARGS "@rx b" "t:none,msg:\'not here\'"',
      ].join('\n'),
    );
    expect(r.rules.map((x) => x.id ?? x.marker)).toEqual([75, 'M', 82]);
    expect(r.refused.map((x) => [x.line, x.id, x.directive])).toEqual([
      [1, 70, '@geoLookup'],
      [2, 71, 'exec'],
      [3, 72, 'ENV'],
      [4, 73, 't:bogus'],
      [5, null, 'SecFooBar'],
      [6, 74, 'msg'],
      [7, null, 'SecRule'],
      [9, 75, 'id'],
      [10, 76, 'ctl:nope'],
      [11, 76, 'chain'],
      [12, 77, 'chain'],
      [14, 79, '@pmFromFile'],
      // The SecRule after a rule with chain is its chained rule, and may not have its own id.
      [16, 80, 'id'],
      [19, 83, 'msg'],
    ]);
    for (const x of r.refused) expect(x.file).toBe('test.conf');
  });

  it('loads files in order and follows Include (with a * pattern) relative to the including file', () => {
    const files: Record<string, string> = {
      'main.conf': 'Include sub/*.conf\nSecRule ARGS "@rx a" "id:3,pass"',
      'sub/b.conf': 'SecRule ARGS "@pmf ../w.data" "id:2,pass"',
      'sub/a.conf': 'SecRule ARGS "@rx a" "id:1,pass"',
      'w.data': 'x\n',
    };
    const readFile = (file: string) => {
      const rel = path.relative(BASE, file);
      return Object.hasOwn(files, rel) ? files[rel]! : null;
    };
    // Include's pattern lists the folder through fs, so only the plain Include is checked with the stub.
    const r = loadSecLang([{ path: path.join(BASE, 'sub/a.conf') }, { path: path.join(BASE, 'sub/b.conf') }], { readFile });
    expect(r.refused).toEqual([]);
    expect(r.rules.map((x) => [x.id, path.relative(BASE, x.file)])).toEqual([
      [1, 'sub/a.conf'],
      [2, 'sub/b.conf'],
    ]);
    expect(r.rules[1]!.operator!.phrases).toEqual(['x']);
    const inc = loadSecLang([{ text: 'Include sub/a.conf\nInclude nowhere.conf', name: 'main.conf' }], {
      baseDir: BASE,
      readFile,
    });
    expect(inc.rules.map((x) => x.id)).toEqual([1]);
    expect(inc.refused).toEqual([
      {
        file: path.join(BASE, 'nowhere.conf'),
        line: 0,
        id: null,
        directive: 'Include',
        reason: `cannot read ${path.join(BASE, 'nowhere.conf')}`,
      },
    ]);
  });
});
