/**
 * The go-ftw YAML loader: go-ftw's defaults and legacy fields on small documents written here, then every
 * file of CRS's regression suite (../shared/crs, skipped when absent): the exact counts of files, tests and
 * stages, no field the loader does not know, and CRS CI's per-engine overrides attached to their stages.
 */
import { describe, expect, it } from 'vitest';
import { expectedOutput, FTW_ABSENT, ftwPresent, ftwSuite, loadFtwFile } from './load.js';
import { summarize } from './summary.js';

const DOC = `---
meta:
  author: "someone"
rule_id: 942100
tests:
  - test_id: 3
    desc: explicit id
    stages:
      - input:
          headers:
            User-Agent: "agent"
            Host: localhost
            X-Empty:
            X-Null: null
            X-Number: 1.50
            X-Quoted-Null: "null"
          data: |
            a=1
            b=2
        output:
          log:
            expect_ids: [942100]
            no_expect_ids: [942101, 942102]
          status: 200
  - desc: no id (its position)
    stages:
      - input:
          method: PUT
          stop_magic: true
        output:
          log_contains: id "942100"
      - input:
          autocomplete_headers: true
          stop_magic: true
          encoded_request: "R0VUIC8gSFRUUC8xLjANCg0K"
        output:
          expect_error: true
`;

describe('the go-ftw loader on a document written here', () => {
  const { info, stages } = loadFtwFile('REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml', DOC);

  it('names each stage <rule>-<test>/<stage> (a missing test_id is the test position from 1)', () => {
    expect(info).toEqual({ file: 'REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml', ruleId: 942100, tests: 2, stages: 3 });
    expect(stages.map((s) => s.key)).toEqual(['942100-3/0', '942100-2/0', '942100-2/1']);
    expect(stages.map((s) => s.stageCount)).toEqual([1, 2, 2]);
    expect(stages[0]!.group).toBe('REQUEST-942-APPLICATION-ATTACK-SQLI');
  });

  it('applies go-ftw defaults: GET, /, HTTP/1.1, localhost:80, http, autocomplete on', () => {
    const i = stages[0]!.input;
    expect([i.method, i.uri, i.version, i.destAddr, i.port, i.protocol]).toEqual([
      'GET',
      '/',
      'HTTP/1.1',
      'localhost',
      80,
      'http',
    ]);
    expect(i.autocompleteHeaders).toBe(true);
    expect(i.stopMagic).toBe(false);
    expect(i.data).toBe('a=1\nb=2\n');
  });

  it('keeps header values as go-yaml puts scalars into Go strings (text as written, null as empty)', () => {
    expect(stages[0]!.input.headers).toEqual([
      { name: 'User-Agent', value: 'agent' },
      { name: 'Host', value: 'localhost' },
      { name: 'X-Empty', value: '' },
      { name: 'X-Null', value: '' },
      { name: 'X-Number', value: '1.50' },
      { name: 'X-Quoted-Null', value: 'null' },
    ]);
  });

  it('reads stop_magic as the inverse of autocomplete_headers only when autocomplete_headers is absent', () => {
    expect(stages[1]!.input.autocompleteHeaders).toBe(false);
    expect(stages[2]!.input.autocompleteHeaders).toBe(true);
    expect(stages[2]!.input.encodedRequest).toBe('R0VUIC8gSFRUUC8xLjANCg0K');
  });

  it('reads expectations, and the legacy log_contains as the log regex when no ids are given', () => {
    expect(stages[0]!.output).toMatchObject({
      expectIds: [942100],
      noExpectIds: [942101, 942102],
      status: 200,
      matchRegex: null,
    });
    expect(stages[1]!.output).toMatchObject({ expectIds: [], matchRegex: 'id "942100"' });
    expect(stages[2]!.output.expectError).toBe(true);
  });

  it('takes the rule id from the file name when rule_id is missing, and reads an all-comment file as no tests', () => {
    expect(loadFtwFile('X/920539.yaml', '# nothing\n# here\n').info).toEqual({
      file: 'X/920539.yaml',
      ruleId: 920539,
      tests: 0,
      stages: 0,
    });
  });

  it('refuses a duplicate header name, as go-yaml refuses a duplicate mapping key', () => {
    const dup = 'rule_id: 1\ntests:\n  - stages:\n      - input:\n          headers:\n            A: x\n            A: y\n';
    expect(() => loadFtwFile('1.yaml', dup)).toThrow();
  });
});

describe.skipIf(!ftwPresent)(`CRS regression suite (needs ../shared/crs; ${ftwPresent ? 'present' : FTW_ABSENT})`, () => {
  it('loads every file: 322 files, 4,966 tests, 4,972 stages, no unknown field', () => {
    const s = ftwSuite();
    expect(s.files.length).toBe(322);
    expect(s.files.reduce((n, f) => n + f.tests, 0)).toBe(4966);
    expect(s.stages.length).toBe(4972);
    // 920539.yaml is all comments (a placeholder for the linter).
    expect(s.files.filter((f) => f.tests === 0).map((f) => f.file)).toEqual(['REQUEST-920-PROTOCOL-ENFORCEMENT/920539.yaml']);
    expect([...s.unknownKeys]).toEqual([]);
    expect(new Set(s.stages.map((x) => x.key)).size).toBe(s.stages.length);
    // go-ftw refuses a stage with both.
    expect(s.stages.filter((x) => x.input.data !== null && x.input.encodedRequest !== null)).toEqual([]);
  });

  it('has the inputs the request builder handles: 8 multi-stage stages, 19 without autocomplete, 10 raw, 2 templates', () => {
    const s = ftwSuite().stages;
    expect(s.filter((x) => x.stageCount > 1).map((x) => x.key)).toEqual([
      '934120-43/0',
      '934120-43/1',
      '934120-43/2',
      '934120-43/3',
      '934120-43/4',
      '934120-43/5',
      '942340-8/0',
      '942340-8/1',
    ]);
    expect(s.filter((x) => !x.input.autocompleteHeaders).length).toBe(19);
    expect(s.filter((x) => x.input.encodedRequest !== null).length).toBe(10);
    expect(s.filter((x) => x.input.data?.includes('{{')).map((x) => x.key)).toEqual(['920400-1/0', '920400-2/0']);
    expect(s.filter((x) => x.input.orderedHeaders !== null || x.input.encodedData !== null)).toEqual([]);
  });

  it('attaches CRS CI overrides: nginx 24 entries on 62 stages, httpd 2 on 2, coraza 9 on 8', () => {
    const s = ftwSuite();
    const count = (e: string) => s.overrides.filter((o) => o.engine === e).length;
    expect([count('nginx'), count('httpd'), count('coraza')]).toEqual([24, 2, 9]);
    expect(s.stages.filter((x) => x.overrides.nginx).length).toBe(62);
    expect(s.stages.filter((x) => x.overrides.httpd).length).toBe(2);
    expect(s.stages.filter((x) => x.overrides.coraza).length).toBe(8);
    // Overrides naming tests the suite no longer has (934131 has no tests 5 and 7).
    const stale = s.overrides.filter((o) => !s.stages.some((x) => x.overrides[o.engine] === o));
    expect(stale.map((o) => `${o.engine} ${o.ruleId} ${o.testIds.join(',')}`)).toEqual([
      'nginx 934131 5',
      'nginx 934131 7',
      'coraza 934131 5,7',
    ]);
    // An override without output leaves no expectation: go-ftw passes the stage whatever happens.
    const nginx920100 = s.stages.find((x) => x.key === '920100-8/0')!;
    expect(expectedOutput(nginx920100, 'nginx')).toMatchObject({ status: 200, noExpectIds: [920100], expectIds: [] });
    expect(expectedOutput(nginx920100, null)).toBe(nginx920100.output);
    const wip = s.stages.find((x) => x.key === '932200-13/0')!;
    expect(wip.overrides.coraza).toMatchObject({ skips: true, reason: 'wip' });
  });

  it('summarizes stages per file and folder and how many expect each rule id', () => {
    const s = ftwSuite().stages;
    const sum = summarize(s);
    expect(sum.stages).toBe(4972);
    expect(sum.tests).toBe(4966);
    expect(sum.perFile.size).toBe(321);
    expect(sum.perFile.get('REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml')).toBe(15);
    expect(sum.perGroup.get('REQUEST-944-APPLICATION-ATTACK-JAVA')).toBe(1173);
    expect([...sum.perGroup.values()].reduce((a, b) => a + b, 0)).toBe(4972);
    expect(sum.perRule.get(942100)).toEqual({ expected: 15, notExpected: 0 });
    expect(sum.noLogExpectation).toBe(21);
    const nginx = summarize(s, 'nginx');
    expect(nginx.overridden).toBe(62);
  });
});
