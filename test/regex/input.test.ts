/**
 * What the scans take as data: bytes in any of their usual containers (Uint8Array, Buffer, ArrayBuffer,
 * DataView, other typed arrays) give the same reports; anything else (a string above all, which is not
 * bytes until encoded) is refused with NS_ERR_INPUT before anything is scanned or reported.
 */
import { describe, expect, it } from 'vitest';
import { compile, RegexDatabase, type MatchHandler } from '../../src/regex/database.js';
import { expectCode } from '../support/errors.js';

const PATTERNS = [
  { id: 1, expression: 'abc' },
  { id: 2, expression: 'b[0-9]+c', flags: 'L' },
];
const TEXT = 'xxabc b12c abc';
const EXPECTED = ['1:11:14', '1:2:5', '2:6:10']; // sorted as strings

function collect(): { out: string[]; cb: MatchHandler } {
  const out: string[] = [];
  return { out, cb: (id, from, to) => void out.push(`${id}:${from}:${to}`) };
}

/** The same bytes in every container a scan accepts; each at a non-zero offset of a larger buffer where it can be. */
function containers(text: string): [string, unknown][] {
  const bytes = Buffer.from(text);
  const backing = new ArrayBuffer(bytes.length + 16);
  new Uint8Array(backing, 8, bytes.length).set(bytes);
  const even = new ArrayBuffer(bytes.length + (bytes.length % 2));
  new Uint8Array(even).set(bytes);
  return [
    ['Buffer', bytes],
    ['Uint8Array', new Uint8Array(bytes)],
    ['Uint8Array at an offset', new Uint8Array(backing, 8, bytes.length)],
    ['ArrayBuffer', new Uint8Array(bytes).buffer],
    ['DataView at an offset', new DataView(backing, 8, bytes.length)],
    ['Uint8ClampedArray', new Uint8ClampedArray(bytes)],
    ['Int8Array', new Int8Array(new Uint8Array(bytes).buffer)],
    // A wider typed array scans its bytes: with an odd length the last byte is padding, outside any match.
    ['Uint16Array (its bytes)', new Uint16Array(even)],
  ];
}

const NOT_BYTES: [string, unknown, RegExp][] = [
  ['a string', TEXT, /not a string; encode text first: Buffer\.from\(text\)/],
  ['a number', 42, /not a number/],
  ['null', null, /not null/],
  ['undefined', undefined, /not undefined/],
  ['a plain array', [0x61, 0x62, 0x63], /not an array \(Uint8Array\.from\(array\)/],
  ['a plain object', { length: 3 }, /not an object/],
];

describe('block scans', () => {
  const db = compile(PATTERNS, { mode: 'block' });

  for (const [name, data] of containers(TEXT)) {
    it(`accept ${name} and report what a Uint8Array of the same bytes reports`, () => {
      const { out, cb } = collect();
      expect(db.scan(data as Uint8Array, cb)).toBe('complete');
      expect(out.sort()).toEqual(EXPECTED);
    });
  }

  it('refuse anything that is not bytes with NS_ERR_INPUT, saying what to pass', () => {
    for (const [, data, message] of NOT_BYTES) {
      expectCode(() => db.scan(data as Uint8Array, () => {}), 'NS_ERR_INPUT', message);
    }
  });

  it('refuse a handler that is not a function, even when nothing matches', () => {
    expectCode(
      () => db.scan(Buffer.from('nothing here'), 'cb' as unknown as MatchHandler),
      'NS_ERR_INPUT',
      /match handler function/,
    );
  });

  it('scan a DataView over the input buffer in place', () => {
    const bytes = Buffer.from(TEXT);
    const buf = db.inputBuffer(bytes.length);
    buf.set(bytes);
    const { out, cb } = collect();
    db.scan(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), cb);
    expect(out.sort()).toEqual(EXPECTED);
  });

  it('refuse an input buffer size that is not a byte count', () => {
    for (const size of [-1, 1.5, Number.NaN, 2 ** 31, '64' as unknown as number]) {
      expectCode(() => db.inputBuffer(size), 'NS_ERR_OPTION', /inputBuffer\(\) takes a size in bytes/);
    }
    expect(db.inputBuffer(0).length).toBe(0);
  });
});

describe('stream scans', () => {
  const db = compile(PATTERNS, { mode: 'stream' });

  for (const [name, data] of containers(TEXT)) {
    it(`accept ${name} chunks`, () => {
      const { out, cb } = collect();
      const s = db.openStream();
      // The same container type for both halves: split the bytes, then wrap each half alike.
      const bytes = Buffer.from(TEXT);
      const wrap = (b: Uint8Array): unknown => containers(b.toString()).find(([n]) => n === name)![1];
      if (name.startsWith('Uint16Array')) s.scan(data as Uint8Array, cb);
      else for (const half of [bytes.subarray(0, 8), bytes.subarray(8)]) s.scan(wrap(Buffer.from(half)) as Uint8Array, cb);
      s.close(cb);
      s.free();
      expect(out.sort()).toEqual(EXPECTED);
    });
  }

  it('refuse what is not bytes without touching the stream, which goes on as if the call never happened', () => {
    const { out, cb } = collect();
    const s = db.openStream();
    s.scan(Buffer.from('xxab'), cb);
    for (const [, data, message] of NOT_BYTES) expectCode(() => s.scan(data as Uint8Array, cb), 'NS_ERR_INPUT', message);
    expect(s.offset).toBe(4);
    s.scan(Buffer.from('c b12c abc'), cb);
    s.close(cb);
    expect(out.sort()).toEqual(EXPECTED);
  });

  it('refuse a bad handler in scan, close and reset; close and reset take none', () => {
    const s = db.openStream();
    expectCode(() => s.scan(Buffer.from('abc'), null as unknown as MatchHandler), 'NS_ERR_INPUT', /not null/);
    expectCode(() => s.reset(7 as unknown as MatchHandler), 'NS_ERR_INPUT', /not a number/);
    expectCode(() => s.close('x' as unknown as MatchHandler), 'NS_ERR_INPUT', /not a string/);
    s.reset();
    expect(s.close()).toBe('complete');
  });

  it('with the state in a caller buffer: a refused chunk leaves the state as it was', () => {
    const state = new Uint8Array(db.streamStateSize);
    const s = db.openStream({ state });
    s.scan(Buffer.from('xxab'), () => {});
    const before = Uint8Array.from(state);
    expectCode(() => s.scan('c' as unknown as Uint8Array, () => {}), 'NS_ERR_INPUT');
    expect(state).toEqual(before);
  });
});

describe('vectored scans', () => {
  const db = compile(PATTERNS, { mode: 'vectored' });

  it('accept chunks of mixed containers, offsets running across them', () => {
    const bytes = Buffer.from(TEXT);
    const { out, cb } = collect();
    db.scanVector(
      [
        bytes.subarray(0, 3),
        new Uint8Array(bytes.subarray(3, 8)).buffer,
        new DataView(Uint8Array.from(bytes.subarray(8)).buffer),
      ] as Uint8Array[],
      cb,
    );
    expect(out.sort()).toEqual(EXPECTED);
  });

  it('refuse a chunk that is not bytes, naming it, before reporting anything', () => {
    for (const [, data, message] of NOT_BYTES) {
      const { out, cb } = collect();
      expectCode(() => db.scanVector([Buffer.from('abc'), data as Uint8Array, Buffer.from('abc')], cb), 'NS_ERR_INPUT', message);
      expectCode(() => db.scanVector([Buffer.from('abc'), data as Uint8Array], cb), 'NS_ERR_INPUT', /chunk 1/);
      expect(out).toEqual([]);
    }
  });

  it('refuse chunks that are not an array', () => {
    expectCode(() => db.scanVector(Buffer.from('abc') as unknown as Uint8Array[], () => {}), 'NS_ERR_INPUT', /array of chunks/);
    expectCode(() => db.scanVector('abc' as unknown as Uint8Array[], () => {}), 'NS_ERR_INPUT', /array of chunks/);
  });
});

describe('deserialize and stream states', () => {
  const db = compile(PATTERNS, { mode: 'stream' });

  it('deserialize takes the bytes in any container, and refuses text with NS_ERR_INPUT', () => {
    const bytes = db.serialize();
    const copy = new ArrayBuffer(bytes.length + 8);
    new Uint8Array(copy, 8).set(bytes);
    for (const data of [Buffer.from(bytes), bytes.slice().buffer, new DataView(copy, 8), new Uint8Array(copy, 8)]) {
      expect(RegexDatabase.deserialize(data as Uint8Array).serialize()).toEqual(bytes);
    }
    expectCode(
      () => RegexDatabase.deserialize(Buffer.from(bytes).toString('latin1') as unknown as Uint8Array),
      'NS_ERR_INPUT',
      /Buffer\.from/,
    );
    expectCode(() => RegexDatabase.deserialize(null as unknown as Uint8Array), 'NS_ERR_INPUT');
  });

  it('a database serialized before non-ASCII characters were UTF-8 (format 2) is refused, naming the version', () => {
    const bytes = db.serialize().slice();
    const dv = new DataView(bytes.buffer);
    dv.setUint32(4, 2, true);
    let h = 0x811c9dc5; // the checksum again, so that only the version is wrong
    for (let i = 0; i < bytes.length - 4; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    dv.setUint32(bytes.length - 4, h >>> 0, true);
    expectCode(
      () => RegexDatabase.deserialize(bytes),
      'NS_ERR_DATABASE',
      /format version 2; this netsieve reads versions 3 to 4/,
    );
  });

  it('a stream state must be a Uint8Array of the right size', () => {
    const size = db.streamStateSize;
    expectCode(
      () => db.openStream({ state: new Array(size).fill(0) as unknown as Uint8Array }),
      'NS_ERR_OPTION',
      /Uint8Array of \d+ bytes/,
    );
    expectCode(() => db.openStream({ state: 'x'.repeat(size) as unknown as Uint8Array }), 'NS_ERR_OPTION', /Uint8Array/);
    const s = db.openStream();
    expectCode(
      () => s.clone({ state: new Array(size).fill(0) as unknown as Uint8Array }),
      'NS_ERR_OPTION',
      /Uint8Array of \d+ bytes/,
    );
    expect(s.clone({ state: new Uint8Array(size) }).offset).toBe(0);
  });
});
