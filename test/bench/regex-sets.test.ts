/**
 * The regex benchmark's inputs are what they claim to be: every JavaScript form of a pattern compiles and finds
 * what the pattern is meant to find (planted examples, hand-made near misses), the corpora are reproducible
 * from their seeds, the blocklist holds 1,000+ distinct literals, and, where native Hyperscan is installed,
 * each JS form reports exactly the end offsets Hyperscan reports for the PCRE expression it stands for.
 */
import { createHash } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chunk,
  corpusHash,
  httpCorpus,
  httpCorpusWithStats,
  plantedExchange,
  PLANTS,
  randomCorpus,
} from '../../bench/regex/corpus.js';
import { hyperscanHarness, hyperscanMatches, patternFile, runHyperscan } from '../../bench/regex/hyperscan.js';
import { Rng } from '../../bench/regex/prng.js';
import {
  DLP,
  generateLiterals,
  jsAlternation,
  jsAlternationsByCase,
  jsRegExp,
  literalText,
  LITERALS_1000,
  OWASP,
  SETS,
  type BenchPattern,
  type PatternSet,
} from '../../bench/regex/sets.js';
import { countAlternation, countAlternationsByCase, latin1, prepareV8 } from '../../bench/regex/v8.js';

const OWASP_SET = SETS.find((s) => s.name === 'OWASP')!;
const DLP_SET = SETS.find((s) => s.name === 'DLP')!;
const LIT_SET = SETS.find((s) => s.name === 'LITERALS_1000')!;

function setOf(p: BenchPattern): PatternSet {
  return SETS.find((s) => s.patterns.includes(p))!;
}
function byName(name: string): BenchPattern {
  const p = [...OWASP, ...DLP].find((x) => x.name === name);
  if (p === undefined) throw new Error(`no pattern ${name}`);
  return p;
}
/** Does pattern `name`'s JS form (under its set's flags) match somewhere in `text`? */
function jsMatches(name: string, text: string): boolean {
  const p = byName(name);
  return new RegExp(p.js, setOf(p).jsFlags).test(text);
}

describe('pattern sets', () => {
  it('every JS form compiles: alone, as its own RegExp, and in the set alternations', () => {
    for (const set of SETS) {
      for (const p of set.patterns) {
        expect(() => new RegExp(p.js, set.jsFlags), `${p.id} ${p.name}`).not.toThrow();
        // Its own RegExp: global unless the pattern reports once (H), and caseless where the set or its caseless form says so.
        const own = jsRegExp(p, set);
        expect(own.global, `${p.id} ${p.name}`).toBe(!p.flags.includes('H'));
        expect(own.ignoreCase, `${p.id} ${p.name}`).toBe(set.jsFlags.includes('i') || p.jsCaseless !== undefined);
      }
      expect(jsAlternation(set).global).toBe(true);
      jsAlternationsByCase(set);
    }
  });

  it('ids are unique across sets, flags are Hyperscan letters, and a set-wide JS `i` is only used where every pattern is caseless', () => {
    const ids = SETS.flatMap((s) => s.patterns.map((p) => p.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const set of SETS) {
      for (const p of set.patterns) {
        expect(p.flags).toMatch(/^[ismHL]*$/);
        expect(p.expression).not.toMatch(/[\n\r\0]/);
        if (set.jsFlags.includes('i')) expect(p.flags, p.name).toContain('i');
        // H and L together is a combination Hyperscan refuses.
        expect(p.flags.includes('H') && p.flags.includes('L'), p.name).toBe(false);
      }
    }
    expect(OWASP.length).toBeGreaterThanOrEqual(18);
    expect(DLP.length).toBeGreaterThanOrEqual(10);
    expect(OWASP.some((p) => p.flags.includes('H'))).toBe(true);
    expect(DLP.every((p) => p.flags.includes('L'))).toBe(true);
  });

  it('the blocklist holds at least 1,000 literals, distinct even caselessly, mostly 6 to 40 bytes, deterministic', () => {
    const texts = LITERALS_1000.map(literalText);
    expect(new Set(texts.map((t) => t.toLowerCase())).size).toBe(LITERALS_1000.length);
    expect(LITERALS_1000.length).toBeGreaterThanOrEqual(1000);
    const inRange = texts.filter((t) => t.length >= 6 && t.length <= 40).length;
    expect(inRange / texts.length).toBeGreaterThan(0.85);
    const caselessShare = LITERALS_1000.filter((p) => p.flags === 'i').length / LITERALS_1000.length;
    expect(caselessShare).toBeGreaterThan(0.3);
    expect(caselessShare).toBeLessThan(0.9);
    expect(generateLiterals()).toEqual(LITERALS_1000);
    const fingerprint = createHash('sha256')
      .update(LITERALS_1000.map((p) => `${p.id}:${p.flags}:${p.expression}`).join('\n'))
      .digest('hex');
    expect(fingerprint.slice(0, 16)).toBe(PINNED_LITERALS_HASH);
    expect(generateLiterals(12345).map((p) => p.expression)).not.toEqual(LITERALS_1000.map((p) => p.expression));
  });

  it('each literal: its JS forms match the literal itself, in another case only when caseless', () => {
    for (const p of LITERALS_1000) {
      const text = literalText(p);
      const swapped = [...text].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
      const js = new RegExp(p.js, LIT_SET.jsFlags);
      const own = jsRegExp(p, LIT_SET);
      expect(js.test(`xx ${text} yy`), text).toBe(true);
      expect(own.test(`xx ${text} yy`), text).toBe(true);
      own.lastIndex = 0;
      if (swapped !== text) {
        expect(js.test(swapped), `${text} (${p.flags})`).toBe(p.flags.includes('i'));
        expect(own.test(swapped), `${text} (${p.flags})`).toBe(p.flags.includes('i'));
      }
    }
  });

  it('the harness pattern file is one id:flags:expression line per pattern, and refuses what would not survive it', () => {
    expect(patternFile([{ id: 7, expression: 'a:b', flags: 'iH' }])).toBe('7:iH:a:b\n');
    expect(() => patternFile([{ id: 1, expression: 'a\nb', flags: '' }])).toThrow(/line break/);
    expect(() => patternFile([{ id: 1, expression: 'a', flags: 'x' }])).toThrow(/flag/);
  });
});

describe('planted findings', () => {
  it('every example of every plant kind triggers the rules it is meant to', () => {
    const rng = new Rng(7);
    for (const kind of PLANTS) {
      for (let i = 0; i < 8; i++) {
        const example = kind.make(rng);
        for (const name of kind.expect) {
          if (name.startsWith('intel.')) {
            const hit = LITERALS_1000.filter((p) => p.name === name).some((p) => jsRegExp(p, LIT_SET).test(example));
            expect(hit, `${kind.name}: ${JSON.stringify(example)}`).toBe(true);
          } else {
            expect(jsMatches(name, example), `${kind.name} → ${name}: ${JSON.stringify(example)}`).toBe(true);
          }
        }
      }
    }
  });

  it('on the wire too: every plant kind, written into an exchange as the corpus writes it, still triggers its rules', () => {
    // Catches a placement that spoils an example (JSON escaping a tab, percent-encoding a space).
    for (const kind of PLANTS) {
      for (let seed = 1; seed <= 6; seed++) {
        const wire = plantedExchange(kind, seed);
        expect(wire).toMatch(/^[A-Z]+ \S+ HTTP\/1\.1\r\n/);
        for (const name of kind.expect) {
          const hit = name.startsWith('intel.')
            ? LITERALS_1000.filter((p) => p.name === name).some((p) => jsRegExp(p, LIT_SET).test(wire))
            : jsMatches(name, wire);
          expect(hit, `${kind.name} → ${name} (seed ${seed})`).toBe(true);
        }
      }
    }
  });

  it('every OWASP and DLP rule has a plant kind that triggers it', () => {
    const covered = new Set(PLANTS.flatMap((k) => k.expect));
    for (const p of [...OWASP, ...DLP]) expect(covered.has(p.name), p.name).toBe(true);
    for (const kind of ['intel.domain', 'intel.url_path', 'intel.user_agent', 'intel.command_line', 'intel.webshell'])
      expect(covered.has(kind)).toBe(true);
  });

  // Hand-made cases around each rule's edges, where a JS translation would go wrong first: PCRE's \s is
  // [\t\n\v\f\r ] (not U+00A0), its `.` matches \r, \b is ASCII, and token lengths are exact.
  const cases: [string, string, boolean][] = [
    ['sqli.union_select', '1 UnIoN\tAlL  SeLeCt 1', true],
    ['sqli.union_select', 'union\vselect', true],
    ['sqli.union_select', 'unionselect', false],
    ['sqli.union_select', 'union\u00a0select', false],
    ['sqli.select_from', 'select a,\rb from t', true],
    ['sqli.select_from', 'select a\nb from t', false],
    ['sqli.select_from', `select ${'x'.repeat(41)} from`, false],
    ['sqli.or_tautology', "' or 1=1", true],
    ['sqli.or_tautology', 'color 1=1', false],
    ['xss.event_handler', '<img onError =x>', true],
    ['xss.event_handler', '<img xonerror=x>', false],
    ['rce.shell_command', '; nc -e', true],
    ['rce.shell_command', '; ncat', false],
    ['rce.log4shell', '${JNDI:LDAP://x}', true],
    ['rce.log4shell', '${jndi:http://x}', false],
    ['dlp.visa', 'card 4111 1111 1111 1111.', true],
    ['dlp.visa', '4111-1111-1111-111', false],
    ['dlp.visa', '14111111111111111', false],
    ['dlp.mastercard', '2720 9912 3456 7890', true],
    ['dlp.mastercard', '2721 9912 3456 7890', false],
    ['dlp.amex', '378282246310005', true],
    ['dlp.amex', '3682 822463 10005', false],
    ['dlp.us_ssn', 'ssn 078-05-1120\n', true],
    ['dlp.us_ssn', '078-05-11201', false],
    ['dlp.email', 'mail jane.doe+x@mail.example.co.uk now', true],
    ['dlp.email', 'jane@localhost', false],
    ['dlp.aws_access_key_id', 'AKIAIOSFODNN7EXAMPLE', true],
    ['dlp.aws_access_key_id', 'AKIAIOSFODNN7EXAMPL', false],
    ['dlp.aws_secret_assignment', `Aws_Secret_Key: "${'a'.repeat(40)}"`, true],
    ['dlp.aws_secret_assignment', `aws_secret_access_key=${'a'.repeat(39)}\n`, false],
    ['dlp.github_token', `ghs_${'A1'.repeat(18)}`, true],
    ['dlp.github_token', `ghx_${'A1'.repeat(18)}`, false],
    ['dlp.slack_token', 'xoxb-1234567890-1234567890123', true],
    ['dlp.slack_token', 'xoxq-1234567890-1234567890123', false],
    ['dlp.private_key', '-----BEGIN OPENSSH PRIVATE KEY-----', true],
    ['dlp.private_key', '-----BEGIN PUBLIC KEY-----', false],
    ['dlp.jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', true],
    ['dlp.jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIi.dozjgNryP4J3jVmNHl0w5N', false],
    ['dlp.iban', 'DE89 3704 0044 0532 0130 00', true],
    ['dlp.iban', 'GB82WEST12345698765432', true],
    ['dlp.iban', 'US89 3704 0044 0532 0130 00', false],
  ];
  it.each(cases)('%s on %j: %s', (name, text, want) => {
    expect(jsMatches(name, text)).toBe(want);
  });
});

describe('corpora', () => {
  it('the HTTP corpus is exact in length, reproducible from its seed, and holds planted findings', () => {
    const a = httpCorpusWithStats(512 * 1024);
    expect(a.data.length).toBe(512 * 1024);
    expect(corpusHash(httpCorpus(512 * 1024))).toBe(corpusHash(a.data));
    expect(corpusHash(httpCorpus(512 * 1024, 99))).not.toBe(corpusHash(a.data));
    expect(corpusHash(a.data).slice(0, 16)).toBe(PINNED_HTTP_HASH);
    expect(a.stats.plantCount).toBeGreaterThan(5);
    expect(a.stats.binaryBytes / a.data.length).toBeGreaterThan(0.15);
    expect(a.stats.binaryBytes / a.data.length).toBeLessThan(0.6);
    const text = latin1(a.data);
    expect(text.startsWith('GET ') || text.startsWith('POST ') || /^[A-Z]+ \//.test(text)).toBe(true);
    expect(text).toContain('HTTP/1.1 200 OK\r\n');
    // Ordinary traffic and plants together make matches occur in every set.
    const twoMiB = latin1(httpCorpus(2 * 1024 * 1024));
    for (const set of SETS) {
      const v8 = prepareV8(set);
      expect(v8.byCase !== null ? countAlternationsByCase(v8, twoMiB) : countAlternation(v8, twoMiB), set.name).toBeGreaterThan(
        0,
      );
    }
  });

  it('the random corpus is reproducible from its seed and roughly uniform', () => {
    const r = randomCorpus(256 * 1024);
    expect(corpusHash(randomCorpus(256 * 1024))).toBe(corpusHash(r));
    expect(corpusHash(randomCorpus(256 * 1024, 1))).not.toBe(corpusHash(r));
    const hist = new Uint32Array(256);
    for (const b of r) hist[b]!++;
    for (const n of hist) expect(Math.abs(n - 1024)).toBeLessThan(200);
  });

  it('chunk() cuts views that cover the corpus in order', () => {
    const data = randomCorpus(10_000);
    const pieces = chunk(data, 1460);
    expect(pieces.map((p) => p.length)).toEqual([1460, 1460, 1460, 1460, 1460, 1460, 1240]);
    expect(pieces.every((p) => p.buffer === data.buffer)).toBe(true);
    expect(Buffer.concat(pieces).equals(Buffer.from(data))).toBe(true);
    expect(() => chunk(data, 0)).toThrow(RangeError);
  });
});

// Pinned fingerprints of the generated inputs: a change to a generator changes every figure measured on it, so
// benchmark results before and after are not comparable. Update these only on purpose, and say so.
const PINNED_HTTP_HASH = '3a3283275c9fabcf';
const PINNED_LITERALS_HASH = 'f10993c9a6ede820';

describe('JS forms against native Hyperscan (needs libhs and a C compiler)', () => {
  // The harness is built (a C compiler run) in beforeAll, never while tests are collected; without it every
  // test here is skipped with the reason.
  let harness: ReturnType<typeof hyperscanHarness>;
  let sample = Buffer.alloc(0);
  let text = '';
  beforeAll(() => {
    harness = hyperscanHarness();
    if (!harness.ok) return;
    // The sample: HTTP traffic with plants, every plant kind's examples, the hand-made edge cases, random bytes.
    const rng = new Rng(11);
    const extras = PLANTS.flatMap((k) => [k.make(rng), k.make(rng)]).join('\n');
    const edges = [
      'union\u00a0select',
      'union\vselect',
      'select a\rb from',
      'select a\nb from',
      'x\u00a0AKIAIOSFODNN7EXAMPLE\u00a0',
      '4111\u00a01111 1111 1111',
    ].join(' | ');
    sample = Buffer.concat([
      Buffer.from(httpCorpus(384 * 1024)),
      Buffer.from(`\n${extras}\n${edges}\n`, 'latin1'),
      Buffer.from(randomCorpus(64 * 1024)),
    ]);
    text = sample.toString('latin1');
  });
  beforeEach((ctx) => {
    if (!harness.ok) ctx.skip(`native Hyperscan unavailable (${harness.reason}; ${harness.hint})`);
  });

  it.each([OWASP_SET, DLP_SET])('$name: every end offset of every pattern, and each leftmost start', (set) => {
    const hs = hyperscanMatches(set.patterns, sample);
    expect(hs.length).toBeGreaterThan(set.patterns.length);
    for (const p of set.patterns) {
      const want = hs.filter((m) => m.id === p.id);
      // V8 finds every end offset with a lookbehind: (?<=X) succeeds at i iff some match of X ends at i.
      const ends = new RegExp(`(?<=${p.js})`, `g${set.jsFlags}`);
      const got: number[] = [];
      for (let m = ends.exec(text); m !== null; m = ends.exec(text)) {
        got.push(m.index);
        ends.lastIndex++;
        if (p.flags.includes('H')) break;
      }
      expect(got, `${p.id} ${p.name}`).toEqual(want.map((m) => m.to));
      if (p.flags.includes('L')) {
        const whole = new RegExp(`^(?:${p.js})$`, set.jsFlags);
        for (const m of want) {
          expect(whole.test(text.slice(m.from, m.to)), `${p.name} ${m.from}..${m.to}`).toBe(true);
          // Leftmost: no earlier start (within 300 bytes) makes a match with the same end.
          for (let s = Math.max(0, m.from - 300); s < m.from; s++)
            expect(whole.test(text.slice(s, m.to)), `${p.name} ${s}..${m.to}`).toBe(false);
        }
      }
    }
  });

  it('the timing harness counts alike in block and both stream modes, and tallies what --list lists', () => {
    const run = runHyperscan(DLP, sample, { passes: 1, compiles: 1, smallChunk: 1460, largeChunk: 65536 })!;
    const list = hyperscanMatches(DLP, sample);
    expect(run.modes.block.matches).toBe(list.length);
    const tally = new Map<number, { count: number; sumFrom: number; sumTo: number }>();
    for (const m of list) {
      const t = tally.get(m.id) ?? { count: 0, sumFrom: 0, sumTo: 0 };
      t.count++;
      t.sumFrom += m.from;
      t.sumTo += m.to;
      tally.set(m.id, t);
    }
    expect(run.modes.block.perId).toEqual(tally);
    for (const mode of [run.modes.streamSmall, run.modes.streamLarge]) {
      expect(mode.consistent).toBe(true);
      expect(mode.perId).toEqual(tally);
    }
    expect(run.modes.streamSmall.chunk).toBe(1460);
    expect(run.bytes).toBe(sample.length);
  });

  it('LITERALS_1000: Hyperscan counts each literal where a plain indexOf search does', () => {
    // Many literals, some in another case, inside HTTP traffic.
    const r = new Rng(3);
    const words = LITERALS_1000.filter(() => r.chance(0.15)).map((p) =>
      p.flags === 'i' && r.chance(0.5) ? literalText(p).toUpperCase() : literalText(p),
    );
    const data = Buffer.concat([sample, Buffer.from(words.join(' / '), 'latin1')]);
    const hay = data.toString('latin1');
    const lower = hay.toLowerCase();
    const hs = new Map<number, number>();
    for (const m of hyperscanMatches(LITERALS_1000, data)) hs.set(m.id, (hs.get(m.id) ?? 0) + 1);
    let matched = 0;
    for (const p of LITERALS_1000) {
      const caseless = p.flags === 'i';
      const needle = caseless ? literalText(p).toLowerCase() : literalText(p);
      const h = caseless ? lower : hay;
      let n = 0;
      for (let i = h.indexOf(needle); i >= 0; i = h.indexOf(needle, i + 1)) n++;
      expect(hs.get(p.id) ?? 0, literalText(p)).toBe(n);
      if (n > 0) matched++;
    }
    expect(matched).toBeGreaterThanOrEqual(words.length);
  });
});
