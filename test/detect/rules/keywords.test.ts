/**
 * Every keyword and modifier of the rule language: what a valid value puts in the model, and that an invalid
 * value refuses the rule with the keyword named (never an exception other than RuleError, never a silent load).
 */
import { describe, expect, it } from 'vitest';
import { type LoadOptions, parseRule } from '../../../src/detect/rules/load.js';
import type { ContentMatch, PcreMatch, Rule } from '../../../src/detect/rules/model.js';
import { testNumber } from '../../../src/detect/rules/values.js';
import { isNetsieveError } from '../../../src/errors.js';

function rule(options: string, header = 'alert tcp any any -> any any', extra: LoadOptions = {}): Rule {
  return parseRule(`${header} (${options} sid:1;)`, extra);
}

/** The error message of a refused rule (fails the test when the rule loads). */
function refused(options: string, header = 'alert tcp any any -> any any'): string {
  try {
    rule(options, header);
  } catch (e) {
    expect(isNetsieveError(e)).toBe(true);
    expect((e as { code: string }).code).toBe('NS_ERR_RULE');
    return (e as Error).message;
  }
  throw new Error(`the rule loaded: ${options}`);
}

/** A content that fits the buffer: a JA3 hash is 32 hex digits (Suricata refuses other lengths). */
const sample = (buffer: string) => (/^ja3s?\.hash$/.test(buffer) ? 'e7d705a3286e19ea42f587b344ee6865' : 'x');
const content = (r: Rule, i = 0) => r.matches.filter((m) => m.kind === 'content')[i] as ContentMatch;

describe('header', () => {
  it.each(['alert', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth', 'pass'])('action %s', (a) => {
    expect(rule('', `${a} tcp any any -> any any`).action).toBe(a);
  });

  it.each([
    ['ip', null],
    ['tcp', null],
    ['udp', null],
    ['icmp', null],
    ['http', 'http'],
    ['http1', 'http'],
    ['dns', 'dns'],
    ['tls', 'tls'],
    ['redis', 'redis'],
  ])('protocol %s binds app protocol %s', (p, app) => {
    expect(rule('', `alert ${p} any any -> any any`).appProtocol).toBe(app);
  });

  it('refuses unknown and unsupported protocols, bad actions, directions and field counts', () => {
    expect(refused('', 'alert smtp any any -> any any')).toMatch(/protocol "smtp" is not inspected/);
    expect(refused('', 'alert bogus any any -> any any')).toMatch(/unknown protocol "bogus"/);
    expect(refused('', 'shout tcp any any -> any any')).toMatch(/unknown action "shout"/);
    expect(refused('', 'alert tcp any any <- any any')).toMatch(/direction/);
    expect(refused('', 'alert tcp any -> any any')).toMatch(/header has 6 fields/);
  });

  it('direction <> and lists with spaces inside brackets', () => {
    const r = rule('', 'alert tcp [10.0.0.1, 10.0.0.2] [80, 443] <> any any');
    expect(r.direction).toBe('<>');
    expect(r.src.matchesV4(0x0a000002)).toBe(true);
    expect(r.srcPorts.matches(443)).toBe(true);
  });

  it('variables from the options, and an undefined one refuses the rule', () => {
    const r = rule('', 'alert tcp $MY_NET any -> any $MY_PORTS', { vars: { MY_NET: '10.0.0.0/8', $MY_PORTS: '[8080,8443]' } });
    expect(r.src.matchesV4(0x0a000001)).toBe(true);
    expect(r.dstPorts.matches(8443)).toBe(true);
    expect(refused('', 'alert tcp $NOT_DEFINED any -> any any')).toMatch(/undefined variable "\$NOT_DEFINED"/);
  });
});

describe('meta keywords', () => {
  it('msg with escapes, sid, rev, gid', () => {
    const r = parseRule('alert tcp any any -> any any (msg:"a\\;b\\"c\\\\d\\:e"; sid:2024001; rev:7; gid:3;)');
    expect(r.msg).toBe('a;b"c\\d:e');
    expect([r.sid, r.rev, r.gid]).toEqual([2024001, 7, 3]);
  });

  it('refuses a rule without sid, a bad sid, repeated once-only keywords', () => {
    expect(() => parseRule('alert tcp any any -> any any (msg:"x";)')).toThrow(/no sid/);
    expect(refused('sid:0;')).toMatch(/sid/);
    expect(() => parseRule('alert tcp any any -> any any (sid:abc;)')).toThrow(/sid: "abc" is not a number/);
    expect(() => parseRule('alert tcp any any -> any any (sid:1; sid:2;)')).toThrow(/"sid" is given twice/);
    expect(refused('msg:"a"; msg:"b";')).toMatch(/"msg" is given twice/);
    expect(refused('rev:-1;')).toMatch(/rev/);
    expect(refused('rev:0;')).toMatch(/rev: 0 is out of range/);
  });

  it('classtype sets the priority (built-in table); priority overrides it in either order', () => {
    expect(rule('classtype:trojan-activity;').priority).toBe(1);
    expect(rule('classtype:trojan-activity;').classtype).toBe('trojan-activity');
    expect(rule('classtype:misc-activity;').priority).toBe(3);
    expect(rule('classtype:misc-activity; priority:2;').priority).toBe(2);
    expect(rule('priority:2; classtype:trojan-activity;').priority).toBe(2);
    expect(rule('').priority).toBe(3);
    // Suricata 7 loads a rule with an unknown classtype, at the default priority.
    expect(rule('classtype:no-such-class;')).toMatchObject({ classtype: 'no-such-class', priority: 3 });
    expect(refused('classtype:two words;')).toMatch(/not a classtype name/);
    expect(rule('priority:0;').priority).toBe(0);
    expect(refused('priority:256;')).toMatch(/priority/);
  });

  it('a classification.config extends the classtypes', () => {
    const classification = { path: 'c.config', text: '# mine\nconfig classification: my-class,My Class,4\n' };
    const r = rule('classtype:my-class;', undefined, { classification });
    expect([r.classtype, r.priority]).toEqual(['my-class', 4]);
    expect(() => rule('', undefined, { classification: { path: 'bad.config', text: 'config classification: x,y\n' } })).toThrow(
      /bad.config: line 1/,
    );
  });

  it('reference, metadata, target', () => {
    const r = rule(
      'reference:url,example.com/a?b=c; reference:cve,2021-44228; metadata:created_at 2024_01_01, tag Log4j, x y z; target:dest_ip;',
    );
    expect(r.references).toEqual([
      { system: 'url', id: 'example.com/a?b=c' },
      { system: 'cve', id: '2021-44228' },
    ]);
    expect(r.metadata).toEqual([
      ['created_at', '2024_01_01'],
      ['tag', 'Log4j'],
      ['x', 'y z'],
    ]);
    expect(r.target).toBe('dest_ip');
    expect(refused('reference:nocomma;')).toMatch(/reference/);
    expect(refused('reference:url,|x;')).toMatch(/reference/);
    // As Suricata: a metadata key without value, an unknown reference system.
    expect(rule('metadata:lonely;').metadata).toEqual([['lonely', '']]);
    expect(rule('reference:nosuch,1;').references).toEqual([{ system: 'nosuch', id: '1' }]);
    expect(refused('target:both;')).toMatch(/target/);
  });
});

describe('content and its modifiers', () => {
  it('spaces in a hex section are skipped, even inside a byte (as Suricata)', () => {
    expect(Array.from(content(rule('content:"|4 1 42|";')).pattern)).toEqual([0x41, 0x42]);
  });

  it('hex, escapes, UTF-8 and negation', () => {
    const r = rule('content:"GET |20 2f|a\\;b\\"|0d0a|"; content:!"é";');
    expect(Buffer.from(content(r).pattern).toString('latin1')).toBe('GET  /a;b"\r\n');
    expect(content(r).negated).toBe(false);
    expect(content(r, 1).negated).toBe(true);
    expect(Array.from(content(r, 1).pattern)).toEqual([0xc3, 0xa9]);
    expect(content(r).buffer).toBe('pkt_data');
  });

  it.each([
    ['content:"|4|";', /odd number of hex digits|hex section is not closed/],
    ['content:"|4g|";', /"g" is not a hex digit/],
    ['content:"|41";', /hex section is not closed/],
    ['content:"";', /is empty/],
    ['content:"a||b";', /empty hex section/],
    ['content:abc;', /must be quoted/],
    ['content:"a\\x";', /is not an escape/],
    ['content:"abc" x;', /text after the closing quote/],
  ])('refuses %s', (opts, msg) => {
    expect(refused(opts)).toMatch(msg);
  });

  it('nocase, depth, offset, distance, within, startswith, endswith, rawbytes', () => {
    const r = rule(
      'content:"abc"; nocase; depth:10; offset:2; rawbytes; content:"de"; distance:-3; within:5; content:"x"; startswith; endswith;',
    );
    expect(content(r)).toMatchObject({ nocase: true, depth: 10, offset: 2, rawbytes: true });
    expect(content(r, 1)).toMatchObject({ distance: -3, within: 5, nocase: false });
    expect(content(r, 2)).toMatchObject({ startsWith: true, endsWith: true });
  });

  it.each([
    ['nocase;', /needs a content before it/],
    ['content:"a"; nocase; nocase;', /given twice/],
    ['content:"abcd"; depth:3;', /less than the content's length/],
    ['content:"abcd"; within:3;', /less than the content's length/],
    ['content:"a"; depth:0;', /out of range/],
    ['content:"a"; offset:-1;', /out of range/],
    ['content:"a"; depth:5; distance:1;', /cannot be combined with depth or offset/],
    ['content:"a"; within:5; offset:1;', /cannot be combined with distance or within/],
    ['content:"a"; startswith; depth:4;', /cannot be combined with startswith/],
    ['content:"a"; offset:1; startswith;', /cannot be combined/],
    ['content:"a"; depth:4; depth:5;', /given twice/],
    ['content:"a"; nocase:1;', /takes no value/],
    ['content:"a"; depth:x;', /not a byte_extract variable/],
  ])('refuses %s', (opts, msg) => {
    expect(refused(opts)).toMatch(msg);
  });

  it('fast_pattern, fast_pattern:only, fast_pattern:offset,length', () => {
    expect(content(rule('content:"abcdef"; fast_pattern;')).fastPattern).toEqual({ only: false });
    expect(content(rule('content:"abcdef"; fast_pattern:only;')).fastPattern).toEqual({ only: true });
    const r = rule('content:"abcdef"; fast_pattern:1,3;');
    expect(content(r).fastPattern).toEqual({ only: false, chop: { offset: 1, length: 3 } });
    expect(Buffer.from(r.fastPattern!.bytes).toString()).toBe('bcd');
    expect(refused('content:"abc"; fast_pattern:2,2;')).toMatch(/not inside the content/);
    expect(refused('content:"abc"; fast_pattern:1;')).toMatch(/not "only" or "offset,length"/);
    expect(refused('content:"abc"; fast_pattern; content:"def"; fast_pattern;')).toMatch(/only one fast_pattern/);
    expect(refused('content:"abc"; fast_pattern:only; depth:5;')).toMatch(/:only" cannot be used/);
    expect(refused('content:!"abc"; fast_pattern:only;')).toMatch(/:only" cannot be used/);
    expect(refused('content:!"abc"; fast_pattern; offset:3;')).toMatch(/negated content with depth/);
  });

  it('byte_extract variables as positions', () => {
    const r = rule('byte_extract:2,0,len; content:"abc"; distance:len; within:len;');
    expect(content(r)).toMatchObject({ distance: 'len', within: 'len' });
  });
});

describe('buffers', () => {
  it('sticky buffers apply to what follows until the next; pkt_data goes back to the payload', () => {
    const r = rule('http.uri; content:"a"; pcre:"/b/"; http.header; content:"c"; pkt_data; content:"d"; file.data; content:"e";');
    expect(r.matches.map((m) => m.buffer)).toEqual(['http.uri', 'http.uri', 'http.header', 'pkt_data', 'file.data']);
    expect(r.appProtocol).toBe('http');
  });

  it.each([
    ['http_uri', 'http.uri'],
    ['http_raw_uri', 'http.uri.raw'],
    ['http_header', 'http.header'],
    ['http_raw_header', 'http.header.raw'],
    ['http_client_body', 'http.request_body'],
    ['http_server_body', 'file.data'],
    ['http_method', 'http.method'],
    ['http_cookie', 'http.cookie'],
    ['http_stat_code', 'http.stat_code'],
    ['http_stat_msg', 'http.stat_msg'],
    ['http_user_agent', 'http.user_agent'],
    ['http_host', 'http.host'],
    ['http_raw_host', 'http.host.raw'],
  ])('legacy content modifier %s moves the content before it to %s', (mod, buffer) => {
    const r = rule(`content:"x"; content:"y"; ${mod};`);
    expect(content(r).buffer).toBe('pkt_data');
    expect(content(r, 1).buffer).toBe(buffer);
  });

  it.each([
    ['file_data', 'file.data'],
    ['dns_query', 'dns.query'],
    ['tls_sni', 'tls.sni'],
    ['tls_cert_subject', 'tls.cert_subject'],
    ['tls_cert_issuer', 'tls.cert_issuer'],
    ['ja3_hash', 'ja3.hash'],
    ['http.response_body', 'file.data'],
    ['http_request_line', 'http.request_line'],
  ])('legacy sticky spelling %s is %s', (kw, buffer) => {
    expect(content(rule(`${kw}; content:"${sample(buffer)}";`)).buffer).toBe(buffer);
  });

  it.each([
    'http.uri',
    'http.uri.raw',
    'http.method',
    'http.protocol',
    'http.start',
    'http.header',
    'http.header.raw',
    'http.header_names',
    'http.host',
    'http.host.raw',
    'http.user_agent',
    'http.cookie',
    'http.referer',
    'http.content_type',
    'http.content_len',
    'http.request_line',
    'http.request_body',
    'http.stat_code',
    'http.stat_msg',
    'http.response_line',
    'file.data',
    'http.location',
    'http.server',
    'dns.query',
    'tls.sni',
    'tls.cert_subject',
    'tls.cert_issuer',
    'tls.cert_serial',
    'tls.cert_fingerprint',
    'ja3.hash',
    'ja3.string',
    'ja3s.hash',
    'ja4.hash',
    'redis.command',
    'redis.key',
    'redis.value',
    'pkt_data',
  ])('issue #10 buffer %s loads', (b) => {
    expect(content(rule(`${b}; content:"${sample(b)}";`)).buffer).toBe(b);
  });

  it('http.host is lower case: upper case or nocase in a content, upper case in a /W pcre without i, are refused', () => {
    expect(content(rule('http.host; content:"example.com";')).buffer).toBe('http.host');
    expect(content(rule('http.host.raw; content:"Example.com";')).buffer).toBe('http.host.raw');
    expect(refused('http.host; content:"Example.com";')).toMatch(/upper-case/);
    expect(refused('content:"Example.com"; http_host;')).toMatch(/upper-case/);
    expect(refused('http.host; content:"example.com"; nocase;')).toMatch(/nocase/);
    expect(refused('pcre:"/ex[A-Z]/W";')).toMatch(/upper-case letter/);
    expect(rule('pcre:"/Example/Wi";').matches).toHaveLength(1);
    expect(rule('pcre:"/ex\\Sample/W";').matches).toHaveLength(1);
  });

  it('refuses a modifier after a sticky buffer, two buffers on one content, unsupported and unknown buffers, mixed protocols', () => {
    expect(refused('http.uri; content:"a"; http_header;')).toMatch(/cannot follow the sticky buffer/);
    expect(refused('content:"a"; http_uri; http_header;')).toMatch(/already in http.uri/);
    expect(refused('ssh.software; content:"a";')).toMatch(/unsupported buffer "ssh.software"/);
    expect(refused('ja3.hash; content:"abc";')).toMatch(/32 hex digits/);
    expect(refused('flow:,established;')).toMatch(/empty option/);
    expect(refused('classtype:9trojan-activity;')).toMatch(/not a classtype name/);
    expect(() => parseRule('alert tcp any any -> any any(sid:1;)')).toThrow(/separated from the header by a space/);
    expect(refused('http.uri; content:"a"; dns.query; content:"b";')).toMatch(/is a dns keyword in a http rule/);
    expect(refused('http.uri; content:"a";', 'alert dns any any -> any any')).toMatch(/is a http keyword in a dns rule/);
    expect(refused('frobnicate;')).toMatch(/unknown keyword "frobnicate"/);
    expect(refused('lua:script.lua;')).toMatch(/unsupported keyword "lua"/);
  });
});

describe('pcre', () => {
  const pcre = (r: Rule) => r.matches.find((m) => m.kind === 'pcre') as PcreMatch;

  it('expression, flags, negation, relative; a quote inside needs no escape', () => {
    const p = pcre(rule('content:"x"; pcre:!"/^a(b|")c\\;/ismxAEGRBO";'));
    expect(p).toMatchObject({
      source: '^a(b|")c;',
      flags: 'ismxAEG',
      negated: true,
      relative: true,
      rawbytes: true,
      buffer: 'pkt_data',
    });
  });

  it.each([
    ['U', 'http.uri'],
    ['I', 'http.uri.raw'],
    ['P', 'http.request_body'],
    ['Q', 'file.data'],
    ['H', 'http.header'],
    ['D', 'http.header.raw'],
    ['M', 'http.method'],
    ['C', 'http.cookie'],
    ['S', 'http.stat_code'],
    ['Y', 'http.stat_msg'],
    ['V', 'http.user_agent'],
    ['W', 'http.host'],
    ['Z', 'http.host.raw'],
  ])('buffer flag %s is %s', (f, buffer) => {
    expect(pcre(rule(`pcre:"/x/${f}";`)).buffer).toBe(buffer);
  });

  it('a buffer flag naming the sticky buffer in force is accepted; another is refused', () => {
    expect(pcre(rule('http.uri; pcre:"/x/U";')).buffer).toBe('http.uri');
    expect(refused('http.uri; pcre:"/x/H";')).toMatch(/cannot be used after the sticky buffer/);
    expect(refused('pcre:"/x/UH";')).toMatch(/two buffers/);
    expect(refused('pcre:"/x/q";')).toMatch(/unknown flag "q"/);
    expect(refused('pcre:"/x/R";')).toMatch(/needs a match before it/);
    expect(refused('http.uri; content:"a"; pcre:"/x/RH";')).toMatch(/sticky buffer/);
    expect(refused('content:"a"; pcre:"/x/RU";')).toMatch(/needs a match before it in http.uri/);
    expect(refused('pcre:"x";')).toMatch(/written \/...\/flags/);
    expect(rule('pcre:"//";').matches).toHaveLength(1);
    expect(refused('pcre:/x/;')).toMatch(/must be quoted/);
  });
});

describe('byte keywords and isdataat, bsize', () => {
  it('byte_test with every option', () => {
    const r = rule('byte_test:4,!&,0x10,-2,relative,little,bitmask 0xff00; byte_test:3,>=,100,0,string,dec; byte_test:2,!,5,0;');
    expect(r.matches[0]).toMatchObject({
      kind: 'byte_test',
      bytes: 4,
      negated: true,
      op: '&',
      value: 16,
      offset: -2,
      relative: true,
      endian: 'little',
      bitmask: 0xff00,
    });
    expect(r.matches[1]).toMatchObject({ op: '>=', value: 100, string: 'dec', endian: 'big' });
    expect(r.matches[2]).toMatchObject({ op: '=', negated: true });
  });

  it.each([
    ['byte_test:9,=,1,0;', /binary number has 1 to 8 bytes/],
    ['byte_test:0,=,1,0,string,dec;', /out of range/],
    ['byte_test:2,~,1,0;', /unknown operator/],
    ['byte_test:2,=,1;', /needs "bytes, operator, value, offset/],
    ['byte_test:2,=,1,0,hex;', /"hex" needs "string"/],
    ['byte_test:2,=,1,0,sideways;', /unknown option "sideways"/],
  ])('refuses %s', (opts, msg) => {
    expect(refused(opts)).toMatch(msg);
  });

  it('byte_jump with every option', () => {
    const r = rule(
      'byte_jump:4,12,relative,multiplier 2,little,align,from_beginning,post_offset -4; byte_jump:3,0,string,hex,from_end;',
    );
    expect(r.matches[0]).toMatchObject({
      kind: 'byte_jump',
      bytes: 4,
      offset: 12,
      relative: true,
      multiplier: 2,
      endian: 'little',
      align: true,
      from: 'beginning',
      postOffset: -4,
    });
    expect(refused('byte_jump:4,12,bitmask 0x0f;')).toMatch(/unknown option "bitmask 0x0f"/);
    expect(r.matches[1]).toMatchObject({ string: 'hex', from: 'end' });
    expect(refused('byte_jump:4,0,from_beginning,from_end;')).toMatch(/exclude each other/);
    expect(refused('byte_jump:4;')).toMatch(/needs "bytes, offset/);
  });

  it('byte_extract with every option, and its variable in byte_test, byte_jump and isdataat', () => {
    const r = rule(
      'byte_extract:2,4,sz,relative,multiplier 4,little,align 4; byte_extract:3,0,n2,string,oct; byte_test:1,>,sz,n2; byte_jump:2,sz; isdataat:!sz,relative;',
    );
    expect(r.matches[0]).toMatchObject({
      kind: 'byte_extract',
      bytes: 2,
      offset: 4,
      name: 'sz',
      relative: true,
      multiplier: 4,
      endian: 'little',
      align: 4,
    });
    expect(r.matches[1]).toMatchObject({ name: 'n2', string: 'oct' });
    expect(r.matches[2]).toMatchObject({ value: 'sz', offset: 'n2' });
    expect(r.matches[4]).toMatchObject({ kind: 'isdataat', negated: true, offset: 'sz', relative: true });
    expect(rule('byte_extract:2,0,x; byte_extract:2,0,x;').matches).toHaveLength(2);
    expect(refused('byte_extract:2,0,x,bitmask 0xff;')).toMatch(/unknown option/);
    expect(refused('byte_extract:2,0,9x;')).toMatch(/not a variable name/);
    expect(refused('byte_extract:2,0,x,align 3;')).toMatch(/align/);
    expect(refused('byte_test:1,=,undefinedvar,0;')).toMatch(/not a byte_extract variable/);
  });

  it('isdataat and bsize', () => {
    const r = rule('isdataat:10,relative,rawbytes; http.uri; bsize:<100;');
    expect(r.matches[0]).toMatchObject({ kind: 'isdataat', offset: 10, relative: true, rawbytes: true, negated: false });
    expect(r.matches[1]).toMatchObject({ kind: 'bsize', buffer: 'http.uri', test: { op: 'lt', value: 100 } });
    expect(refused('bsize:10;')).toMatch(/needs a sticky buffer/);
    expect(refused('http.uri; content:"abc"; content:"def"; distance:0; bsize:5;')).toMatch(/bsize: 5 is less than the 6 bytes/);
    expect(refused('http.uri; content:!"abcdef"; bsize:5;')).toMatch(/bsize: 5 is less/);
    expect(rule('http.uri; content:"abcdef"; bsize:2<>6;').matches).toHaveLength(2);
    expect(refused('urilen:5; http.uri; content:"abcdef";')).toMatch(/urilen: 5 is less than the 6 bytes/);
    expect(rule('urilen:5,raw; http.uri; content:"abcdef";').urilen?.raw).toBe(true);
    expect(refused('isdataat:10,sideways;')).toMatch(/unknown option/);
    expect(refused('http.uri; content:"a"; rawbytes;')).toMatch(/rawbytes: cannot be used with the buffer http.uri/);
  });
});

describe('numeric keywords', () => {
  it.each([
    ['dsize:100', 'dsize', { op: 'eq', value: 100 }],
    ['dsize:>10', 'dsize', { op: 'gt', value: 10 }],
    ['dsize:<10', 'dsize', { op: 'lt', value: 10 }],
    ['dsize:>=10', 'dsize', { op: 'ge', value: 10 }],
    ['dsize:<=10', 'dsize', { op: 'le', value: 10 }],
    ['dsize:!10', 'dsize', { op: 'ne', value: 10 }],
    ['dsize:10<>20', 'dsize', { op: 'range', value: 10, value2: 20 }],
    ['dsize:10-20', 'dsize', { op: 'range', value: 10, value2: 20 }],
    ['ttl:64', 'ttl', { op: 'eq', value: 64 }],
    ['itype:8', 'itype', { op: 'eq', value: 8 }],
    ['icode:>0', 'icode', { op: 'gt', value: 0 }],
  ] as const)('%s', (opt, field, want) => {
    const header = field === 'itype' || field === 'icode' ? 'alert icmp any any -> any any' : undefined;
    expect(rule(`${opt};`, header)[field]).toEqual(want);
  });

  it('testNumber: ranges are exclusive, as in Suricata', () => {
    const t = { op: 'range', value: 10, value2: 20 } as const;
    expect([10, 11, 19, 20].map((n) => testNumber(t, n))).toEqual([false, true, true, false]);
  });

  it('urilen with raw/norm binds http; dns.opcode binds dns; tls.version binds tls', () => {
    const u = rule('urilen:5<>10,raw;');
    expect(u.urilen).toEqual({ test: { op: 'range', value: 5, value2: 10 }, raw: true });
    expect(u.appProtocol).toBe('http');
    expect(rule('urilen:>3,norm;').urilen?.raw).toBe(false);
    expect(rule('dns.opcode:!0;').dnsOpcode).toEqual({ op: 'ne', value: 0 });
    expect(rule('tls.version:1.2;').tlsVersion).toBe(0x0303);
    expect(rule('tls.version:0x0301;').tlsVersion).toBe(0x0301);
    expect(refused('urilen:5,both;')).toMatch(/urilen/);
    expect(refused('tls.version:2.0;')).toMatch(/tls.version/);
    expect(refused('dns.opcode:256;')).toMatch(/out of range/);
  });

  it.each([
    ['dsize:70000;', /out of range/],
    ['dsize:20<>10;', /range .* is empty/],
    ['dsize:<0;', /never be true/],
    ['dsize:!10-20;', /not a number or a comparison/],
    ['dsize:0x10;', /not a number or a comparison/],
    ['dsize:abc;', /not a number or a comparison/],
    ['ttl:256;', /out of range/],
    ['dsize;', /needs a value/],
  ])('refuses %s', (opts, msg) => {
    expect(refused(opts)).toMatch(msg);
  });

  it('itype in a tcp rule and flags in a udp rule load (and never match), as in Suricata', () => {
    expect(rule('itype:8;').itype).toEqual({ op: 'eq', value: 8 });
    expect(rule('flags:S;', 'alert udp any any -> any any').flags).not.toBeNull();
  });

  it('ip_proto by number and name, with < > !', () => {
    expect(rule('ip_proto:6;', 'alert ip any any -> any any').ipProto).toEqual({ op: 'eq', value: 6 });
    expect(rule('ip_proto:!gre;', 'alert ip any any -> any any').ipProto).toEqual({ op: 'ne', value: 47 });
    expect(rule('ip_proto:<17;', 'alert ip any any -> any any').ipProto).toEqual({ op: 'lt', value: 17 });
    expect(refused('ip_proto:martian;')).toMatch(/unknown protocol/);
    expect(refused('ip_proto:300;')).toMatch(/out of range/);
  });
});

describe('flow, flowbits, thresholds, flags and the rest', () => {
  it('flow options and their synonyms', () => {
    expect(rule('flow:established,to_server;').flow).toEqual({ established: true, direction: 'to_server' });
    expect(rule('flow:from_server,not_established,only_stream;').flow).toEqual({
      established: false,
      direction: 'to_client',
      stream: 'only',
    });
    expect(rule('flow:stateless,from_client,no_stream;').flow).toEqual({ stateless: true, direction: 'to_server', stream: 'no' });
    expect(rule('flow:no_frag;').flow).toEqual({ frag: 'no' });
    expect(refused('flow:established,to_server,only_stream,no_frag;')).toMatch(/at most three/);
    expect(refused('flow:to_server,to_client;')).toMatch(/conflicts/);
    expect(refused('flow:established,not_established;')).toMatch(/conflicts/);
    expect(refused('flow:established,stateless;')).toMatch(/conflicts/);
    expect(refused('flow:sideways;')).toMatch(/unknown option "sideways"/);
  });

  it('flowbits commands, | and & lists, noalert', () => {
    const r = rule(
      'flowbits:set,a.b; flowbits:isset,x|y; flowbits:unset,p&q; flowbits:toggle,t; flowbits:isnotset,n; flowbits:setx,s,60; flowbits:noalert;',
    );
    expect(r.flowbits).toEqual([
      { command: 'set', names: ['a.b'], combine: 'and' },
      { command: 'isset', names: ['x', 'y'], combine: 'or' },
      { command: 'unset', names: ['p', 'q'], combine: 'and' },
      { command: 'toggle', names: ['t'], combine: 'and' },
      { command: 'isnotset', names: ['n'], combine: 'and' },
      { command: 'setx', names: ['s'], combine: 'and', expire: 60 },
    ]);
    expect(r.noalert).toBe(true);
    // "|" outside the tests is part of the name, as Suricata reads it.
    expect(rule('flowbits:set,a|b;').flowbits).toEqual([{ command: 'set', names: ['a|b'], combine: 'and' }]);
    expect(refused('flowbits:isset,a|b&c;')).toMatch(/cannot mix/);
    expect(refused('flowbits:flip,a;')).toMatch(/unknown command "flip"/);
    expect(refused('flowbits:set;')).toMatch(/needs a name/);
    expect(refused('flowbits:noalert,x;')).toMatch(/noalert takes no name/);
  });

  it('threshold and detection_filter', () => {
    const r = rule(
      'threshold:type limit, track by_src, count 1, seconds 60; detection_filter:track by_dst, count 5, seconds 10;',
    );
    expect(r.threshold).toEqual({ type: 'limit', track: 'by_src', count: 1, seconds: 60 });
    expect(r.detectionFilter).toEqual({ track: 'by_dst', count: 5, seconds: 10 });
    expect(refused('threshold:type limit, track by_src, count 1;')).toMatch(/needs "seconds"/);
    expect(refused('threshold:type sometimes, track by_src, count 1, seconds 1;')).toMatch(/unknown type/);
    expect(refused('detection_filter:type limit, track by_src, count 1, seconds 1;')).toMatch(/unknown field "type"/);
    expect(refused('detection_filter:track by_moon, count 1, seconds 1;')).toMatch(/unknown track/);
  });

  it('flags with modifiers and mask', () => {
    expect(rule('flags:S;').flags).toEqual({ mode: 'exact', flags: 0x02, ignore: 0 });
    expect(rule('flags:SA+,12;').flags).toEqual({ mode: 'all', flags: 0x12, ignore: 0xc0 });
    expect(rule('flags:*FRP;').flags).toEqual({ mode: 'any', flags: 0x0d, ignore: 0 });
    expect(rule('flags:!U,CE;').flags).toEqual({ mode: 'not', flags: 0x20, ignore: 0xc0 });
    expect(rule('flags:0;').flags).toEqual({ mode: 'exact', flags: 0, ignore: 0 });
    expect(refused('flags:X;')).toMatch(/unknown flag "X"/);
    expect(refused('flags:+*S;')).toMatch(/more than one modifier/);
  });

  it('app-layer-protocol, noalert, dlp', () => {
    expect(rule('app-layer-protocol:http;').appLayerProtocol).toEqual({ name: 'http', negated: false });
    expect(rule('app-layer-protocol:!tls;').appLayerProtocol).toEqual({ name: 'tls', negated: true });
    expect(rule('app-layer-protocol:failed;').appLayerProtocol).toEqual({ name: 'failed', negated: false });
    expect(refused('app-layer-protocol:smb;')).toMatch(/not inspected by netsieve/);
    expect(refused('app-layer-protocol:gopher;')).toMatch(/unknown protocol/);
    expect(rule('noalert;').noalert).toBe(true);
    expect(rule('dlp:credit_card;').dlp).toEqual(['credit_card']);
    expect(rule('dlp:us_ssn,iban;').dlp).toEqual(['us_ssn', 'iban']);
    expect(refused('dlp:passport;')).toMatch(/unknown sensor "passport"/);
    expect(refused('dlp;')).toMatch(/needs a value/);
  });
});

describe('rule text shape', () => {
  it('refuses a missing option list, a missing ")", a lone backslash, a missing last ";", an empty option', () => {
    expect(() => parseRule('alert tcp any any -> any any (sid:1)')).toThrow(/no terminating ";"/);
    expect(() => parseRule('alert tcp any any -> any any (msg:"a";; sid:1;)')).toThrow(/empty option/);
    expect(() => parseRule('alert tcp [1.2.3.4 ,5.6.7.8] any -> any any (sid:1;)')).toThrow(/a space after "1.2.3.4"/);
    expect(() => parseRule('alert tcp any any -> any any')).toThrow(/no option list/);
    expect(() => parseRule('alert tcp any any -> any any (sid:1;')).toThrow(/does not end with/);
    expect(() => parseRule('alert tcp any any -> any any (sid:1; msg:"a\\)')).toThrow(/lone backslash/);
  });

  it('an escaped ; does not end an option; quotes do not protect an unescaped one', () => {
    expect(parseRule('alert tcp any any -> any any (msg:"a\\;b"; sid:1;)').msg).toBe('a;b');
    expect(() => parseRule('alert tcp any any -> any any (content:"a;b"; sid:1;)')).toThrow(/quote is not closed/);
  });

  it('the error names the file, line and sid', () => {
    expect(() => parseRule('alert tcp any any -> any any (lua:x; sid:2024001;)', { file: 'rules.rules', line: 12 })).toThrow(
      'rules.rules:12 sid 2024001: unsupported keyword "lua"',
    );
  });
});
