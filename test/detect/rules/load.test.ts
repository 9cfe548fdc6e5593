/**
 * Loading rule files: comments, blank lines and continuation lines; the report of refused rules (file, line,
 * sid, keyword) while the others load; duplicates as Suricata resolves them; the shared bench rules; and a
 * seeded fuzz that mangles valid rules and requires a report line, never an exception, for each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitRules, splitRule } from '../../../src/detect/rules/lexer.js';
import { formatFailure, loadRules } from '../../../src/detect/rules/load.js';
import { isNetsieveError } from '../../../src/errors.js';
import { SHARED_DIR } from '../../support/corpus.js';

const BENCH_RULES = path.join(SHARED_DIR, 'rules', 'bench.rules');

describe('rules files', () => {
  it('skips comments and blank lines, joins continuation lines, keeps the first line number', () => {
    const text = [
      '# a comment',
      '',
      '   # an indented comment',
      'alert tcp any any -> any any (msg:"one"; \\',
      '    content:"abc"; \\',
      '    sid:1;)',
      '',
      '#alert tcp any any -> any any (msg:"disabled"; sid:9;)',
      'alert udp any any -> any 53 (msg:"two"; sid:2;)\r',
      'alert tcp any any -> any any (msg:"no end"; sid:3;) \\',
    ].join('\n');
    const rules = splitRules(text);
    expect(rules.map((r) => r.line)).toEqual([4, 9, 10]);
    expect(rules[0]!.text).toBe('alert tcp any any -> any any (msg:"one";     content:"abc";     sid:1;)');
    const loaded = loadRules([{ path: 'x.rules', text }]);
    expect(loaded.rules.map((r) => [r.sid, r.location.line])).toEqual([
      [1, 4],
      [2, 9],
      [3, 10],
    ]);
    expect(loaded.rules[0]!.msg).toBe('one');
  });

  it('splits options on unescaped semicolons only', () => {
    expect(splitRule('alert tcp any any -> any any (msg:"a\\;b"; content:"x\\\\"; nocase; sid:1;)').options).toEqual([
      { name: 'msg', value: '"a\\;b"' },
      { name: 'content', value: '"x\\\\"' },
      { name: 'nocase', value: undefined },
      { name: 'sid', value: '1' },
    ]);
  });
});

describe('the load report', () => {
  const text = [
    'alert tcp any any -> any any (msg:"ok"; content:"a"; sid:1; rev:1;)',
    'alert tcp any any -> any any (msg:"lua"; lua:x.lua; sid:2024001; rev:1;)',
    'alert smb any any -> any any (msg:"smb"; sid:3; rev:1;)',
    'alert tcp any any -> any any (msg:"bad depth"; content:"abcd"; depth:2; sid:4;)',
    'alert tcp any any -> any any (msg:"no sid";)',
    'alert tcp any any -> any any (msg:"ok 2"; sid:5;)',
    'alert tcp any any -> any any (msg:"vars"; sid:6;) garbage',
    'alert tcp $NOPE any -> any any (msg:"undefined var"; sid:7;)',
  ].join('\n');

  it('refuses the bad rules with file, line, sid and keyword; loads the rest', () => {
    const r = loadRules([{ path: 'rules.rules', text }]);
    expect(r.rules.map((x) => x.sid)).toEqual([1, 5]);
    expect(r.failed.map(formatFailure)).toEqual([
      'rules.rules:2 sid 2024001: unsupported keyword "lua"',
      'rules.rules:3 sid 3: protocol "smb" is not inspected by netsieve',
      "rules.rules:4 sid 4: depth: 2 is less than the content's length (4)",
      'rules.rules:5: the rule has no sid',
      'rules.rules:7 sid 6: the option list does not end with ")"',
      'rules.rules:8 sid 7: undefined variable "$NOPE" in address',
    ]);
    expect(r.failed[0]).toMatchObject({ kind: 'unsupported-keyword', keyword: 'lua' });
    expect(r.failed[2]).toMatchObject({ kind: 'invalid-value', keyword: 'depth' });
    expect(r.stats).toMatchObject({ rules: 8, loaded: 2, failed: 6 });
    expect(r.stats.byKind).toEqual({
      'unsupported-keyword': 1,
      'unsupported-protocol': 1,
      'invalid-value': 1,
      syntax: 2,
      'undefined-variable': 1,
    });
    expect(Object.fromEntries(r.stats.byReason)).toEqual({
      'unsupported keyword "lua"': 1,
      'protocol "smb" is not inspected by netsieve': 1,
      'invalid-value in depth': 1,
      'syntax in sid': 1,
      syntax: 1,
      'undefined-variable': 1,
    });
  });

  it('texts without a path are named <rules N>', () => {
    const r = loadRules(['alert tcp any any -> any any (sid:1;)', 'alert tcp any any -> any any (lua:x; sid:2;)']);
    expect(r.failed.map(formatFailure)).toEqual(['<rules 2>:1 sid 2: unsupported keyword "lua"']);
  });

  // As Suricata 7.0.10 does with the same four rules: "3 rules successfully loaded, 2 rules failed" (its second
  // failure is a rev:0 rule, here left out), v2 and the other gid in effect, "Duplicate signature" for line 3.
  it('duplicates: a higher rev replaces the loaded one silently, an equal or lower rev is refused (gid counts)', () => {
    const r = loadRules([
      {
        path: 'd.rules',
        text: [
          'alert tcp any any -> any any (msg:"v1"; sid:10; rev:1;)',
          'alert tcp any any -> any any (msg:"v2"; sid:10; rev:2;)',
          'alert tcp any any -> any any (msg:"v2 again"; sid:10; rev:2;)',
          'alert tcp any any -> any any (msg:"other gid"; sid:10; gid:3; rev:1;)',
        ].join('\n'),
      },
    ]);
    expect(r.rules.map((x) => `${x.gid}:${x.sid}:${x.msg}`)).toEqual(['1:10:v2', '3:10:other gid']);
    expect(r.failed.map(formatFailure)).toEqual(['d.rules:3 sid 10: duplicate signature 1:10 rev 2: rev 2 at d.rules:2 is kept']);
    expect(r.stats).toMatchObject({ rules: 4, loaded: 2, failed: 1, replaced: 1 });
  });

  it('caps the number of rules', () => {
    const text = Array.from({ length: 5 }, (_, i) => `alert tcp any any -> any any (sid:${i + 1};)`).join('\n');
    const r = loadRules(text, { maxRules: 3 });
    expect(r.rules.length).toBe(3);
    expect(r.failed.map((f) => f.kind)).toEqual(['too-large', 'too-large']);
  });

  it('a bad variable name or classification file is an error of the load, not of a rule', () => {
    let err: unknown;
    try {
      loadRules('', { vars: { 'BAD NAME': '1.2.3.4' } });
    } catch (e) {
      err = e;
    }
    expect(isNetsieveError(err) && err.code).toBe('NS_ERR_OPTION');
    try {
      loadRules('', { classification: { path: 'c', text: 'config classification: a,b,0' } });
    } catch (e) {
      err = e;
    }
    expect(isNetsieveError(err) && err.code).toBe('NS_ERR_CONFIG');
  });
});

describe('fuzz: mangled rules are reported, never thrown (seeded)', () => {
  it('3,000 mutations of valid rules', () => {
    const seeds = [
      'alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"x\\;y"; flow:established,to_server; http.uri; content:"/a|20|b"; nocase; depth:20; pcre:"/a[bc]+/Ui"; classtype:trojan-activity; sid:1; rev:2;)',
      'alert tcp [10.0.0.0/8,!10.1.0.0/16] [1024:,!2000] <> any any (content:"abc"; offset:2; content:!"d"; distance:0; within:4; byte_test:2,>,5,0,relative; flowbits:isset,a|b; threshold:type limit, track by_src, count 1, seconds 60; sid:2;)',
      'alert dns any any -> any 53 (dns.query; content:"evil"; endswith; bsize:<64; byte_extract:1,0,n; isdataat:n,relative; sid:3;)',
    ];
    let s = 99;
    const r = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
    const junk = ['"', ';', '\\', '|', '!', '[', ']', ':', ',', ' ', '(', ')', '$', '0', 'x', '/', '<>', '-'];
    let failed = 0;
    for (let n = 0; n < 3000; n++) {
      let t = seeds[n % seeds.length]!;
      const edits = 1 + Math.floor(r() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * t.length);
        const op = r();
        if (op < 0.4) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 4));
        else if (op < 0.8) t = t.slice(0, at) + junk[Math.floor(r() * junk.length)] + t.slice(at);
        else t = t.slice(0, at) + t.slice(at).replace(/\d/, String(Math.floor(r() * 1e6)));
      }
      const res = loadRules([{ path: 'f.rules', text: t }]);
      expect(res.rules.length + res.failed.length, t).toBe(1);
      if (res.failed.length > 0) {
        failed++;
        expect(formatFailure(res.failed[0]!)).toMatch(/^f\.rules:1( sid \d+)?: ./);
      }
    }
    // Most mutations break something; a fuzz where nothing fails is not fuzzing.
    expect(failed).toBeGreaterThan(1000);
  });
});

describe('shared bench rules', () => {
  it('all load', (ctx) => {
    if (!fs.existsSync(BENCH_RULES)) ctx.skip(`shared bench rules absent (${BENCH_RULES})`);
    const r = loadRules([{ path: 'bench.rules', text: fs.readFileSync(BENCH_RULES, 'utf8') }]);
    expect(r.failed.map(formatFailure)).toEqual([]);
    expect(r.rules.length).toBe(r.stats.rules);
    expect(r.rules.length).toBeGreaterThan(0);
    // Every bench rule that has a content has a fast pattern in a buffer it names.
    for (const rule of r.rules) {
      if (rule.matches.some((m) => m.kind === 'content')) expect(rule.fastPattern, String(rule.sid)).not.toBeNull();
    }
  });
});
