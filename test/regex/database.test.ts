/**
 * The regex database's contract, case by case: modes, flags, termination, streams (offsets, clone, reset,
 * pooled state), serialization (round trips and damage), buffer overflow and resumption, slices, errors.
 */
import { describe, expect, it } from 'vitest';
import { compile, RegexDatabase, type MatchHandler, type PatternSpec } from '../../src/regex/database.js';
import { mulberry32, randomInput, randomPattern } from './oracle.js';
import { expectCode } from '../support/errors.js';

const enc = (s: string) => new TextEncoder().encode(s);

function reports(db: RegexDatabase, data: Uint8Array): string[] {
  const out: string[] = [];
  db.scan(data, (id, from, to) => void out.push(`${id}:${from}:${to}`));
  return out;
}

function streamReports(db: RegexDatabase, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  const cb: MatchHandler = (id, from, to) => void out.push(`${id}:${from}:${to}`);
  const s = db.openStream();
  for (const c of chunks) s.scan(c, cb);
  s.close(cb);
  return out;
}

describe('compile()', () => {
  it('reports every end offset of every pattern (Hyperscan semantics)', () => {
    const db = compile([{ id: 1, expression: 'foo.*bar' }], { mode: 'block' });
    expect(reports(db, enc('fooxbarbar'))).toEqual(['1:-1:7', '1:-1:10']);
  });

  it('refuses bad input with NS_ERR_PATTERN naming the pattern and position', () => {
    expectCode(() => compile([], { mode: 'block' }), 'NS_ERR_PATTERN', /at least one pattern/);
    expectCode(
      () => compile([{ id: -1, expression: 'a' }], { mode: 'block' }),
      'NS_ERR_PATTERN',
      /id must be a non-negative integer/,
    );
    expectCode(() => compile([{ id: 7, expression: 'ab(?=c)' }], { mode: 'block' }), 'NS_ERR_PATTERN', /pattern 7, position 2/);
    expectCode(() => compile([{ id: 3, expression: 'a', flags: 'x8' }], { mode: 'block' }), 'NS_ERR_PATTERN', /pattern 3/);
    expectCode(() => compile([{ id: 1, expression: 'a' }], { mode: 'turbo' as 'block' }), 'NS_ERR_OPTION', /mode/);
    expectCode(() => compile([{ id: 1, expression: 'a' }], { mode: 'block', stateBudget: 1 }), 'NS_ERR_OPTION', /stateBudget/);
  });

  it('reports the start offset of fixed-length patterns even without L, and -1 for variable ones', () => {
    const db = compile(
      [
        { id: 1, expression: 'abc' },
        { id: 2, expression: 'x\\d{2}' },
        { id: 3, expression: 'y+z' },
      ],
      { mode: 'block' },
    );
    expect(reports(db, enc('..abc.x12.yyyz'))).toEqual(['1:2:5', '2:6:9', '3:-1:14']);
  });

  it('L gives the leftmost start of each match, in every engine', () => {
    const lits: PatternSpec[] = Array.from({ length: 40 }, (_, i) => ({
      id: 100 + i,
      expression: `literal${String(i).padStart(2, '0')}x`,
      flags: 'L',
    }));
    const db = compile(
      [
        { id: 1, expression: 'a[b-d]+e', flags: 'L' },
        { id: 2, expression: '(?:xy|x)z+', flags: 'L' },
        { id: 3, expression: 'q\\d', flags: 'L' },
        ...lits,
      ],
      { mode: 'block' },
    );
    // In block mode variable-length L patterns run in the DFA and their starts are found backwards; a
    // fixed-length one needs no help at all.
    expect(
      db
        .info()
        .engines.map((e) => e.kind)
        .sort(),
    ).toEqual(['dfa', 'literal']);
    expect(reports(db, enc('zabcbde xyzz q7 literal07x'))).toEqual(['1:1:7', '2:8:11', '2:8:12', '3:13:15', '107:16:26']);
    // In a stream the earlier bytes are gone: they run in the position engine.
    const stream = compile(
      [
        { id: 1, expression: 'a[b-d]+e', flags: 'L' },
        { id: 2, expression: '(?:xy|x)z+', flags: 'L' },
        { id: 3, expression: 'q\\d', flags: 'L' },
        ...lits,
      ],
      { mode: 'stream' },
    );
    expect(
      stream
        .info()
        .engines.map((e) => e.kind)
        .sort(),
    ).toEqual(['dfa', 'literal', 'position']);
  });

  it('L in block mode: starts found backwards agree with the forward position engine, assertions included', () => {
    const specs: PatternSpec[] = [
      { id: 1, expression: '\\b[\\w.+-]+@[a-z]+\\.(?:com|org)\\b', flags: 'L' },
      { id: 2, expression: '(?:^|x)a+b', flags: 'Lm' },
      { id: 3, expression: '\\Bq[a-z]*\\B', flags: 'L' },
    ];
    const input = enc('mail bob.smith+x@example.com, a@b.org\naab xaaab zqaaaz qq');
    const block = compile(specs, { mode: 'block' });
    const stream = compile(specs, { mode: 'stream' });
    const got = reports(block, input);
    const want: string[] = [];
    const s = stream.openStream();
    const cb = (id: number, from: number, to: number) => {
      want.push(`${id}:${from}:${to}`);
    };
    s.scan(input, cb);
    s.close(cb);
    expect(got).toEqual(want);
    expect(got).toContain('1:5:28');
  });

  it('L in streams with a SOM horizon: the same starts as block mode in every chunking, while they lie within it', () => {
    const rand = mulberry32(4242);
    let compared = 0;
    for (let t = 0; t < 150; t++) {
      const specs: PatternSpec[] = [];
      for (let i = 0; i < 1 + Math.floor(rand() * 4); i++) {
        const rp = randomPattern(rand, { alphabet: 'abAB1 \n.' });
        specs.push({ id: i + 1, expression: rp.expression, flags: `${rp.flags.replace(/[HL]/g, '')}L` });
      }
      const input = randomInput(rand, Math.floor(rand() * 120), 'abAB1 \n.');
      const block = compile(specs, { mode: 'block' });
      const want = reports(block, input).sort();
      // A horizon longer than the input: every start lies within it.
      const stream = compile(specs, { mode: 'stream', somHorizon: 256 });
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < input.length; ) {
        const n = 1 + Math.floor(rand() * 9);
        chunks.push(input.subarray(at, at + n));
        at += n;
      }
      expect({ specs, input: Buffer.from(input).toString('latin1'), got: streamReports(stream, chunks).sort() }).toEqual({
        specs,
        input: Buffer.from(input).toString('latin1'),
        got: want,
      });
      compared += want.length;
      block.free();
      stream.free();
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('L in streams with a SOM horizon: small state, no position engine, a start beyond the horizon reported within it', () => {
    const specs: PatternSpec[] = [{ id: 1, expression: 'a[^z]*b', flags: 'L' }];
    const exact = compile(specs, { mode: 'stream' });
    const horizon = compile(specs, { mode: 'stream', somHorizon: 16 });
    expect(exact.info().engines.map((e) => e.kind)).toContain('position');
    expect(horizon.info().engines.map((e) => e.kind)).not.toContain('position');
    expect(horizon.streamStateSize).toBeLessThanOrEqual(exact.streamStateSize + 24);
    // Within the horizon: exact.
    expect(streamReports(horizon, [enc('..a'), enc('xxb')])).toEqual(['1:2:6']);
    // 'a' then 40 bytes, in chunks of 8: the start is more than 16 + 8 bytes back when the b comes.
    const chunks = [enc('a'), ...Array.from({ length: 5 }, () => enc('xxxxxxxx')), enc('b')];
    expect(streamReports(exact, chunks)).toEqual(['1:0:42']);
    const [got] = streamReports(horizon, chunks);
    const from = Number(got!.split(':')[1]);
    expect(from).toBeGreaterThan(0); // imprecise: the earliest offset the horizon still holds
    expect(from).toBeGreaterThanOrEqual(42 - 1 - 16);
    // The option round-trips through serialize().
    const again = RegexDatabase.deserialize(horizon.serialize());
    expect(again.somHorizon).toBe(16);
    expect(streamReports(again, [enc('..a'), enc('xxb')])).toEqual(['1:2:6']);
    expect(() => compile(specs, { mode: 'stream', somHorizon: -1 })).toThrow(/somHorizon/);
  });

  it('a callback that scans again or grows the memory changes nothing of the scan that called it', () => {
    // Two L matches in one chunk of a stream with a SOM horizon, an H pattern matching three times; the
    // callback scans another database (over the shared staging area) and compiles (growing the memory).
    const db = compile(
      [
        { id: 1, expression: 'k[a-z]+y', flags: 'L' },
        { id: 2, expression: 'once', flags: 'H' },
      ],
      { mode: 'stream', somHorizon: 64 },
    );
    const other = compile([{ id: 9, expression: 'zz+' }], { mode: 'block' });
    const kept: RegexDatabase[] = [];
    const got: string[] = [];
    const s = db.openStream();
    const cb: MatchHandler = (id, from, to) => {
      got.push(`${id}:${from}:${to}`);
      other.scan(enc('zzzzzzzz kxxxxxxxxy '.repeat(50)), () => {});
      for (let i = 0; i < 4; i++)
        kept.push(
          compile(
            Array.from({ length: 300 }, (_, k) => ({ id: k, expression: `lit${k}eral${i}` })),
            { mode: 'block' },
          ),
        );
    };
    s.scan(enc('........'), cb);
    s.scan(enc('kab y kaby once kccy once'), cb);
    s.close(cb);
    expect(got).toEqual(['1:14:18', '2:19:23', '1:24:28']);
    for (const k of kept) k.free();
  });

  it('L in block mode: a pattern whose backward walks would be quadratic falls back to one forward pass', () => {
    // Every b ends a match starting at the one a: walking back from each would be O(n^2).
    const n = 300_000;
    const input = new Uint8Array(n).fill(0x62);
    input[0] = 0x61;
    const db = compile([{ id: 1, expression: 'a[^z]*b', flags: 'L' }], { mode: 'block' });
    let count = 0;
    let wrong = 0;
    db.scan(input, (_id, from) => {
      count++;
      if (from !== 0) wrong++;
    });
    expect(count).toBe(n - 1);
    expect(wrong).toBe(0);
  });
});

describe('modes', () => {
  it('each database serves only the mode it was compiled for', () => {
    const block = compile([{ id: 1, expression: 'a' }], { mode: 'block' });
    const stream = compile([{ id: 1, expression: 'a' }], { mode: 'stream' });
    const vectored = compile([{ id: 1, expression: 'a' }], { mode: 'vectored' });
    expectCode(() => block.openStream(), 'NS_ERR_MODE', /mode 'stream'/);
    expectCode(() => stream.scan(enc('a'), () => {}), 'NS_ERR_MODE', /mode 'block'/);
    expectCode(() => vectored.scan(enc('a'), () => {}), 'NS_ERR_MODE');
    expectCode(() => block.scanVector([enc('a')], () => {}), 'NS_ERR_MODE', /mode 'vectored'/);
  });

  it('vectored mode scans the chunks as one buffer', () => {
    const db = compile(
      [
        { id: 1, expression: 'abc$' },
        { id: 2, expression: '\\bcd\\b' },
      ],
      { mode: 'vectored' },
    );
    const got: string[] = [];
    db.scanVector([enc('xa'), enc('b'), enc(''), enc('c cd')], (id, _f, to) => void got.push(`${id}:${to}`));
    expect(got).toEqual(['2:7']);
    got.length = 0;
    db.scanVector([enc('cd a'), enc('bc')], (id, _f, to) => void got.push(`${id}:${to}`));
    expect(got).toEqual(['2:2', '1:6']);
  });
});

describe('flags H and L', () => {
  it('H reports a pattern once per block scan, once per stream', () => {
    const db = compile(
      [
        { id: 1, expression: 'ab', flags: 'H' },
        { id: 2, expression: 'ab' },
      ],
      { mode: 'block' },
    );
    expect(reports(db, enc('ab ab ab'))).toEqual(['1:0:2', '2:0:2', '2:3:5', '2:6:8']);
    expect(reports(db, enc('ab'))).toEqual(['1:0:2', '2:0:2']); // a new scan reports it again
    const sdb = compile([{ id: 1, expression: 'ab', flags: 'H' }], { mode: 'stream' });
    expect(streamReports(sdb, [enc('a'), enc('b a'), enc('b'), enc('ab')])).toEqual(['1:0:2']);
  });
});

describe('termination', () => {
  it('returning true stops the scan; a terminated stream reports nothing more until reset', () => {
    const db = compile([{ id: 1, expression: 'a' }], { mode: 'block' });
    const seen: number[] = [];
    expect(db.scan(enc('aaaa'), (_i, _f, to) => (seen.push(to), to === 2))).toBe('terminated');
    expect(seen).toEqual([1, 2]);
    const sdb = compile([{ id: 1, expression: 'a' }], { mode: 'stream' });
    const s = sdb.openStream();
    const got: number[] = [];
    expect(s.scan(enc('aa'), (_i, _f, to) => (got.push(to), true))).toBe('terminated');
    expect(s.scan(enc('aa'), (_i, _f, to) => void got.push(to))).toBe('terminated');
    expect(got).toEqual([1]);
    s.reset();
    expect(s.scan(enc('a'), (_i, _f, to) => void got.push(to))).toBe('complete');
    expect(got).toEqual([1, 1]);
  });
});

describe('streams', () => {
  const db = compile(
    [
      { id: 1, expression: 'needle' },
      { id: 2, expression: 'x.*y', flags: 'L' },
      { id: 3, expression: 'end\\z' },
    ],
    { mode: 'stream' },
  );

  it('count offsets from the stream start and find matches across chunks', () => {
    expect(streamReports(db, [enc('...nee'), enc('dl'), enc('e x'), enc('..y end')])).toEqual(['1:3:9', '2:10:14', '3:15:18']);
  });

  it('are independent of each other, interleaved on one database', () => {
    const a = db.openStream();
    const b = db.openStream();
    const got: string[] = [];
    a.scan(enc('nee'), (id, f, t) => void got.push(`a${id}:${f}:${t}`));
    b.scan(enc('need'), (id, f, t) => void got.push(`b${id}:${f}:${t}`));
    a.scan(enc('dle'), (id, f, t) => void got.push(`a${id}:${f}:${t}`));
    b.scan(enc('-le'), (id, f, t) => void got.push(`b${id}:${f}:${t}`));
    expect(got).toEqual(['a1:0:6']);
    expect(a.offset).toBe(6);
    expect(b.offset).toBe(7);
  });

  it('clone() continues independently from the same point', () => {
    const s = db.openStream();
    s.scan(enc('x..ne'), () => {});
    const c = s.clone();
    const got: string[] = [];
    s.scan(enc('edle'), (id, f, t) => void got.push(`s${id}:${f}:${t}`));
    c.scan(enc('edl.y'), (id, f, t) => void got.push(`c${id}:${f}:${t}`));
    expect(got).toEqual(['s1:3:9', 'c2:0:10']);
  });

  it('keep their state where the caller says (a pool), and refuse a state of the wrong size', () => {
    const pool = new Uint8Array(db.streamStateSize * 2);
    const s1 = db.openStream({ state: pool.subarray(0, db.streamStateSize) });
    const s2 = db.openStream({ state: pool.subarray(db.streamStateSize) });
    const got: string[] = [];
    s1.scan(enc('need'), (id, f, t) => void got.push(`1:${id}:${f}:${t}`));
    s2.scan(enc('needle'), (id, f, t) => void got.push(`2:${id}:${f}:${t}`));
    s1.scan(enc('le'), (id, f, t) => void got.push(`1:${id}:${f}:${t}`));
    expect(got).toEqual(['2:1:0:6', '1:1:0:6']);
    expectCode(() => db.openStream({ state: new Uint8Array(3) }), 'NS_ERR_OPTION', /streamStateSize/);
  });

  it('live in kernel memory by default: moved to and from caller buffers, freed, and safe across memory growth', () => {
    const s = db.openStream();
    s.scan(enc('x..ne'), () => {});
    expect(s.state.length).toBe(db.streamStateSize);
    // To a caller's buffer and back: the copies continue like the original.
    const parked = s.clone({ state: new Uint8Array(db.streamStateSize) });
    const back = parked.clone();
    // Grow the kernel memory under the open streams (a big database), then continue them.
    const big = compile(
      Array.from({ length: 400 }, (_, i) => ({ id: i, expression: `literal-number-${i}-padding` })),
      { mode: 'block' },
    );
    const got: string[] = [];
    for (const [name, st] of [
      ['s', s],
      ['p', parked],
      ['b', back],
    ] as const)
      st.scan(enc('edle.y'), (id, f, t) => void got.push(`${name}${id}:${f}:${t}`));
    expect(got).toEqual(['s1:3:9', 's2:0:11', 'p1:3:9', 'p2:0:11', 'b1:3:9', 'b2:0:11']);
    big.free();
    s.free();
    back.free();
    s.free(); // twice is harmless
    expectCode(() => s.scan(enc('x'), () => {}), 'NS_ERR_STATE', /freed/);
    expectCode(() => s.state, 'NS_ERR_STATE', /freed/);
    // A freed state's memory goes back to the kernel's allocator: opening and freeing does not grow it.
    const before = db.kernel.allocated;
    for (let i = 0; i < 1000; i++) db.openStream().free();
    expect(db.kernel.allocated).toBe(before);
  });

  it('close() reports what the end completes; a closed stream refuses more data', () => {
    const s = db.openStream();
    const got: string[] = [];
    s.scan(enc('the end'), (id, _f, t) => void got.push(`${id}:${t}`));
    expect(got).toEqual([]);
    s.close((id, _f, t) => void got.push(`${id}:${t}`));
    expect(got).toEqual(['3:7']);
    expectCode(() => s.scan(enc('x'), () => {}), 'NS_ERR_STATE', /closed/);
  });
});

describe('serialization', () => {
  const specs: PatternSpec[] = [
    { id: 1, expression: '(?i)union\\s+select' },
    { id: 2, expression: 'select\\s.{0,40}\\sfrom', flags: 'i' }, // lazy DFA
    { id: 3, expression: '\\b\\d{3}-\\d{2}-\\d{4}\\b' },
    { id: 4, expression: 'a[bc]+d', flags: 'L' }, // position engine
    ...Array.from({ length: 40 }, (_, i) => ({
      id: 100 + i,
      expression: `blocked-site-${i}\\.example`,
      flags: i % 2 ? 'i' : '',
    })),
  ];
  const text = enc('UNION  SELECT x SELECT a FROM b 123-45-6789 abcbd BLOCKED-SITE-3.EXAMPLE blocked-site-4.example');

  it('round-trips: the same bytes again, and the same reports', () => {
    const db = compile(specs, { mode: 'block' });
    const bytes = db.serialize();
    const again = RegexDatabase.deserialize(bytes);
    expect(Buffer.from(again.serialize()).equals(Buffer.from(bytes))).toBe(true);
    expect(reports(again, text)).toEqual(reports(db, text));
    expect(reports(db, text).length).toBeGreaterThan(5);
    expect(again.info().streamStateSize).toBe(db.info().streamStateSize);
  });

  it('refuses damaged bytes with NS_ERR_DATABASE, never anything else', () => {
    const bytes = compile(specs, { mode: 'stream' }).serialize();
    const rand = mulberry32(5);
    for (let i = 0; i < 200; i++) {
      const b = bytes.slice();
      const at = Math.floor(rand() * b.length);
      b[at]! ^= 1 + Math.floor(rand() * 255);
      expectCode(() => RegexDatabase.deserialize(b), 'NS_ERR_DATABASE');
    }
    expectCode(() => RegexDatabase.deserialize(bytes.subarray(0, bytes.length - 9)), 'NS_ERR_DATABASE', /checksum|truncated/);
    expectCode(() => RegexDatabase.deserialize(enc('not a database at all, just text')), 'NS_ERR_DATABASE');
    expectCode(() => RegexDatabase.deserialize(new Uint8Array(3)), 'NS_ERR_DATABASE', /too short/);
  });
});

describe('volume: the match buffer fills and the scan resumes', () => {
  it('a DFA pattern matching at every byte of a long input', () => {
    const db = compile([{ id: 1, expression: 'a' }], { mode: 'block' });
    let n = 0;
    let last = 0;
    let ordered = true;
    db.scan(new Uint8Array(300_000).fill(0x61), (_i, _f, to) => {
      if (to <= last) ordered = false;
      last = to;
      n++;
    });
    expect([n, ordered, last]).toEqual([300_000, true, 300_000]);
  });

  it('many literals matching at every offset', () => {
    const lits = Array.from({ length: 40 }, (_, i) => ({ id: i, expression: 'a'.repeat(8 + i) }));
    const db = compile(lits, { mode: 'stream' });
    expect(db.info().engines.some((e) => e.kind === 'literal')).toBe(true);
    const len = 20_000;
    let n = 0;
    const s = db.openStream();
    for (let i = 0; i < len; i += 1500) s.scan(new Uint8Array(Math.min(1500, len - i)).fill(0x61), () => void n++);
    s.close(() => void n++);
    // Literal of length L ends at every offset from L to len.
    const expected = lits.reduce((a, _l, i) => a + (len - (8 + i) + 1), 0);
    expect(n).toBe(expected);
  });

  it('matches spanning the internal slices of a large block scan', () => {
    const db = compile(
      [
        { id: 1, expression: 'crossing-marker' },
        { id: 2, expression: 'x[^y]{2,}y' },
      ],
      { mode: 'block' },
    );
    const data = new Uint8Array(600_000).fill(0x2e);
    const at = 256 * 1024 - 7; // across the first slice's end
    data.set(enc('crossing-marker'), at);
    data[at - 20] = 0x78;
    data[at + 30] = 0x79;
    expect(reports(db, data)).toEqual([`1:${at}:${at + 15}`, `2:-1:${at + 31}`]);
  });

  it('data already in the kernel memory is scanned without a copy, with the same reports', () => {
    const db = compile([{ id: 1, expression: 'ab+c' }], { mode: 'block' });
    const view = db.inputBuffer(9);
    view.set(enc('abbc.abc.'));
    expect(reports(db, view)).toEqual(reports(db, enc('abbc.abc.')));
    // Scanning data from outside the kernel's memory (copied in) leaves the input buffer alone.
    reports(db, enc('x'.repeat(100_000)));
    expect(new TextDecoder().decode(view)).toBe('abbc.abc.');
    // A view taken before the memory grew is detached: an error that says what to do, not silence.
    db.inputBuffer(64 << 20);
    expectCode(() => db.scan(view, () => {}), 'NS_ERR_STATE', /inputBuffer/);
  });
});
