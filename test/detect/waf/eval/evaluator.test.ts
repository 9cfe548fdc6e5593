/**
 * The WAF evaluator on hand-written SecLang: targets (keys, regex keys, counts, exclusions), transformations,
 * operators and negation, chains, setvar arithmetic and macros, capture, skipAfter and markers, ctl, phases,
 * SecDefaultAction's transformations, and what gets logged.
 */
import { describe, expect, it } from 'vitest';
import { WafRuleSet } from '../../../../src/detect/waf/eval/evaluator.js';
import type { WafRequest } from '../../../../src/detect/waf/eval/transaction.js';
import { loadSecLang } from '../../../../src/detect/waf/seclang/index.js';

const hooks = {
  transform: (name: string, v: string) =>
    name.toLowerCase() === 'lowercase' ? v.toLowerCase() : name.toLowerCase() === 'length' ? String(v.length) : v,
};

function rules(text: string): WafRuleSet {
  const loaded = loadSecLang([{ text: `SecRequestBodyAccess On\n${text}`, name: 't.conf' }]);
  expect(loaded.refused).toEqual([]);
  return new WafRuleSet(loaded, hooks);
}

function req(uri: string, headers: [string, string][] = [], body: string | null = null): WafRequest {
  return { method: body === null ? 'GET' : 'POST', uri, version: 'HTTP/1.1', headers: [['Host', 'localhost'], ...headers], body };
}

const ids = (set: WafRuleSet, r: WafRequest) => set.evaluate(r, null).matches.map((m) => m.id);

describe('WAF evaluator', () => {
  it('targets: keys, regex keys, exclusions, counts', () => {
    const set = rules(`
SecRule ARGS:id "@rx ^\\d+$" "id:1,phase:1,pass,log"
SecRule ARGS:/^user_/ "@contains admin" "id:2,phase:1,pass,log"
SecRule ARGS|!ARGS:safe "@contains evil" "id:3,phase:1,pass,log"
SecRule &ARGS "@gt 2" "id:4,phase:1,pass,log"
SecRule &ARGS:missing "@eq 0" "id:5,phase:1,pass,log"
SecRule REQUEST_HEADERS:user-agent "@beginsWith curl" "id:6,phase:1,pass,log"
SecRule REQUEST_COOKIES_NAMES "@streq session" "id:7,phase:1,pass,log"`);
    expect(
      ids(
        set,
        req('/?id=42&user_name=xadminx&safe=evil', [
          ['User-Agent', 'curl/8'],
          ['Cookie', 'a=1; session=2'],
        ]),
      ),
    ).toEqual([1, 2, 4, 5, 6, 7]);
    expect(ids(set, req('/?id=4x&other=evil'))).toEqual([3, 5]);
  });

  it('transformations, negation and the matched variable in macros', () => {
    const set = rules(`
SecRule ARGS "@streq select" "id:10,phase:1,t:none,t:lowercase,pass,log,msg:'found in %{MATCHED_VAR_NAME}',logdata:'%{MATCHED_VAR}'"
SecRule REQUEST_METHOD "!@within GET HEAD" "id:11,phase:1,pass,log"
SecRule ARGS:q "@lt 3" "id:12,phase:1,t:length,pass,log"`);
    const t = set.evaluate(req('/?a=SeLeCt&q=ab'), null);
    expect(t.matches.map((m) => [m.id, m.msg, m.logdata])).toEqual([
      [10, 'found in ARGS:a', 'select'],
      [12, '', ''],
    ]);
    expect(ids(set, req('/', [], 'x=1'))).toEqual([11]);
  });

  it("chains match when every link does; a link's setvars run when it matches (the next link reads them)", () => {
    const set = rules(`
SecAction "id:20,phase:1,pass,nolog,setvar:tx.score=0,setvar:tx.points=5"
SecRule ARGS:a "@streq x" "id:21,phase:1,pass,log,chain,setvar:tx.score=+%{tx.points}"
  SecRule ARGS:b "@streq y" "setvar:tx.score=+1"
SecRule TX:score "@ge 6" "id:22,phase:1,pass,log,msg:'score %{tx.score}'"`);
    let t = set.evaluate(req('/?a=x&b=y'), null);
    expect(t.matches.map((m) => [m.id, m.msg])).toEqual([
      [21, ''],
      [22, 'score 6'],
    ]);
    expect(t.tx.score).toBe('6');
    t = set.evaluate(req('/?a=x&b=n'), null);
    expect(t.matches).toEqual([]);
    expect(t.tx.score).toBe('5'); // the head matched and ran its setvar; the chain did not
    t = set.evaluate(req('/?a=n&b=y'), null);
    expect(t.tx.score).toBe('0');
  });

  it('capture fills TX.0-9; skipAfter jumps to its marker', () => {
    const set = rules(`
SecRule ARGS:v "@rx ^(\\w+)-(\\d+)$" "id:30,phase:1,pass,log,capture,setvar:tx.word=%{tx.1}"
SecRule TX:word "@streq ab" "id:31,phase:1,pass,log,skipAfter:END"
SecRule ARGS "@unconditionalMatch" "id:32,phase:1,pass,log"
SecMarker END
SecRule ARGS "@unconditionalMatch" "id:33,phase:1,pass,log"`);
    expect(ids(set, req('/?v=ab-12'))).toEqual([30, 31, 33]);
    expect(ids(set, req('/?v=cd-12'))).toEqual([30, 32, 33]);
  });

  it('ctl removes rules and targets for the rest of the transaction; phases run in order', () => {
    const set = rules(`
SecRule REQUEST_URI "@beginsWith /admin" "id:40,phase:1,pass,nolog,ctl:ruleRemoveById=42,ctl:ruleRemoveTargetById=43;ARGS:pw"
SecRule ARGS "@contains x" "id:42,phase:2,pass,log"
SecRule ARGS "@contains x" "id:43,phase:2,pass,log"
SecRule ARGS_POST:f "@streq 1" "id:44,phase:2,pass,log"
SecRule REQUEST_BODY "@contains f=1" "id:45,phase:2,pass,log"`);
    expect(ids(set, req('/admin?pw=x', [['Content-Type', 'application/x-www-form-urlencoded']], 'f=1'))).toEqual([44, 45]);
    expect(ids(set, req('/other?pw=x', [['Content-Type', 'application/x-www-form-urlencoded']], 'f=1'))).toEqual([
      42, 43, 44, 45,
    ]);
  });

  it("SecDefaultAction's transformations apply to the rules of its phase; nolog rules are not logged", () => {
    const set = rules(`
SecDefaultAction "phase:1,log,pass,t:lowercase"
SecRule ARGS "@streq abc" "id:50,phase:1"
SecRule ARGS "@streq abc" "id:51,phase:1,nolog"
SecRule ARGS "@streq abc" "id:52,phase:1,t:none"`);
    expect(ids(set, req('/?x=ABC'))).toEqual([50]);
  });

  it('operators: validateByteRange, validateUrlEncoding, validateUtf8Encoding, ipMatch, containsWord, pm', () => {
    const set = rules(`
SecRule REQUEST_URI "@validateByteRange 32-126" "id:60,phase:1,pass,log"
SecRule QUERY_STRING "@validateUrlEncoding" "id:61,phase:1,pass,log"
SecRule ARGS "@validateUtf8Encoding" "id:62,phase:1,pass,log"
SecRule REMOTE_ADDR "@ipMatch 127.0.0.0/8,::1" "id:63,phase:1,pass,log"
SecRule ARGS "@containsWord union" "id:64,phase:1,pass,log"
SecRule ARGS "@pm passwd shadow" "id:65,phase:1,pass,log"`);
    expect(ids(set, req('/?a=reunion'))).toEqual([63]);
    expect(ids(set, req('/?a=1%zz'))).toEqual([61, 63]);
    expect(ids(set, req('/?a=x union y&b=/etc/PASSWD'))).toEqual([63, 64, 65]);
    expect(ids(set, req('/?a=%c3%28'))).toEqual([62, 63]);
    expect(ids(set, req('/\u0001'))).toEqual([60, 63]);
  });

  it("a rule's setvars run at each match, with that match's captures (ModSecurity v3; CRS 922150 collects so)", () => {
    const set = rules(`
SecAction "id:70,phase:1,pass,nolog,setvar:tx.n=0"
SecRule ARGS "@rx ^v(\\d)$" "id:71,phase:1,pass,log,capture,setvar:'tx.seen_%{tx.n}=%{tx.1}',setvar:tx.n=+1"
SecRule TX:/^seen_/ "@streq 3" "id:72,phase:1,pass,log"`);
    const t = set.evaluate(req('/?a=v1&b=x&c=v3&d=v2'), null);
    expect(t.tx.n).toBe('3');
    expect([t.tx.seen_0, t.tx.seen_1, t.tx.seen_2]).toEqual(['1', '3', '2']);
    expect(t.matches.map((m) => m.id)).toEqual([71, 72]);
  });

  it('REQBODY_PROCESSOR: from the Content-Type in phase 1; ctl:requestBodyProcessor names it at once, body or not', () => {
    const set = rules(`
SecRule REQBODY_PROCESSOR "@streq MULTIPART" "id:80,phase:1,pass,log"
SecRule REQBODY_PROCESSOR "@streq URLENCODED" "id:81,phase:1,pass,log"
SecRule REQUEST_HEADERS:Content-Type "@beginsWith application/json" "id:82,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQBODY_PROCESSOR "@streq JSON" "id:83,phase:2,pass,log"`);
    expect(ids(set, req('/', [['Content-Type', 'Multipart/Form-Data; boundary=x']]))).toEqual([80]);
    expect(ids(set, req('/', [['Content-Type', 'application/x-www-form-urlencoded']]))).toEqual([81]);
    expect(ids(set, req('/', [['Content-Type', 'application/json']]))).toEqual([83]);
  });

  it('REQUEST_BODY holds any body the WAF read (urlencoded, JSON, unknown types), but not one parsed as XML', () => {
    const set = rules(`
SecRule REQUEST_HEADERS:Content-Type "@beginsWith application/json" "id:90,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQUEST_HEADERS:Content-Type "@beginsWith application/xml" "id:91,phase:1,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_BODY "@contains __in" "id:92,phase:2,pass,log"`);
    const post = (ct: string, body: string) => req('/', [['Content-Type', ct]], body);
    expect(ids(set, post('application/json', '{"a__in":[1]}'))).toEqual([92]);
    expect(ids(set, post('text/plain', 'a__in'))).toEqual([92]);
    expect(ids(set, post('application/x-www-form-urlencoded', 'a__in=1'))).toEqual([92]);
    expect(ids(set, post('application/xml', '<a__in>1</a__in>'))).toEqual([]);
  });

  it('ctl:ruleRemoveTargetByTag and ctl:ruleRemoveByTag act on the rules with that tag', () => {
    const set = rules(`
SecRule REQUEST_FILENAME "@rx ^/plain" "id:100,phase:1,pass,nolog,ctl:ruleRemoveTargetByTag=perf;REQUEST_FILENAME,ctl:ruleRemoveByTag=gone"
SecRule REQUEST_FILENAME|ARGS "@contains evil" "id:101,phase:2,pass,log,tag:'perf'"
SecRule REQUEST_FILENAME "@contains evil" "id:102,phase:2,pass,log,tag:'other'"
SecRule ARGS "@contains evil" "id:103,phase:2,pass,log,tag:'gone'"`);
    expect(ids(set, req('/plain/evil'))).toEqual([102]);
    expect(ids(set, req('/plain/x?a=evil'))).toEqual([101]);
    expect(ids(set, req('/other/evil?a=evil'))).toEqual([101, 102, 103]);
  });

  it('@rx: an option setting after a leading anchor (`^(?i)up`) applies to the whole pattern', () => {
    const set = rules(`SecRule REQUEST_HEADERS:User-Agent "@rx ^(?i)up" "id:110,phase:1,pass,log"`);
    expect(set.problems).toEqual([]);
    expect(ids(set, req('/', [['User-Agent', 'UP.Browser']]))).toEqual([110]);
    expect(ids(set, req('/', [['User-Agent', 'curl up']]))).toEqual([]);
  });
});
