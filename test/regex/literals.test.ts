/**
 * The literal engine (many plain strings, strided hashed windows) against brute force: every occurrence
 * of every literal, caseless or not, in every chunking of the stream, including literals that cross chunk
 * ends, start in the history, end at the stream's last byte, or overlap each other.
 */
import { describe, expect, it } from 'vitest';
import { compile, type PatternSpec } from '../../src/regex/database.js';
import { mulberry32 } from './oracle.js';

const ALPHA = 'abcAB.-/ ';

function escape(s: string): string {
  return s.replace(/[.\-/\\^$*+?()[\]{}|]/g, (c) => `\\${c}`);
}

/** Every (id, start, end) where a literal occurs, by brute force. */
function bruteForce(lits: { id: number; text: string; caseless: boolean }[], data: string): string[] {
  const out: string[] = [];
  for (const l of lits) {
    const needle = l.caseless ? l.text.toLowerCase() : l.text;
    const hay = l.caseless ? data.toLowerCase() : data;
    for (let i = 0; i + needle.length <= hay.length; i++)
      if (hay.startsWith(needle, i)) out.push(`${l.id}:${i}:${i + needle.length}`);
  }
  return out.sort();
}

describe('literal engine', () => {
  it('finds every occurrence in every chunking, caseless or not', () => {
    const rand = mulberry32(11);
    let total = 0;
    for (let t = 0; t < 40; t++) {
      const n = 40 + Math.floor(rand() * 40);
      const lits: { id: number; text: string; caseless: boolean }[] = [];
      for (let i = 0; i < n; i++) {
        // Mostly long enough for the literal engine (8+ bytes), some short ones that go to a DFA beside it.
        const len = rand() < 0.15 ? 4 + Math.floor(rand() * 4) : 8 + Math.floor(rand() * (t % 2 ? 6 : 26));
        let text = '';
        for (let k = 0; k < len; k++) text += ALPHA[Math.floor(rand() * ALPHA.length)];
        lits.push({ id: i, text, caseless: rand() < 0.4 });
      }
      const specs: PatternSpec[] = lits.map((l) => ({ id: l.id, expression: escape(l.text), flags: l.caseless ? 'iL' : 'L' }));
      const db = compile(specs, { mode: 'stream' });
      expect(db.info().engines.some((e) => e.kind === 'literal')).toBe(true);
      // Data: random text with literals planted, some overlapping, one at the very end.
      let data = '';
      while (data.length < 1500) {
        if (rand() < 0.3) {
          const l = lits[Math.floor(rand() * lits.length)]!;
          data += l.caseless && rand() < 0.5 ? l.text.toUpperCase() : l.text;
        } else data += ALPHA[Math.floor(rand() * ALPHA.length)];
      }
      data += lits[0]!.text;
      const bytes = new TextEncoder().encode(data);
      const want = bruteForce(lits, data);
      total += want.length;
      for (const maxChunk of [1, 7, 64, 2000]) {
        const got: string[] = [];
        const s = db.openStream();
        for (let p = 0; p < bytes.length; ) {
          const c = 1 + Math.floor(rand() * maxChunk);
          s.scan(bytes.subarray(p, p + c), (id, from, to) => void got.push(`${id}:${from}:${to}`));
          p += c;
        }
        s.close((id, from, to) => void got.push(`${id}:${from}:${to}`));
        expect({ t, maxChunk, got: got.sort() }).toEqual({ t, maxChunk, got: want });
      }
      db.free();
    }
    expect(total).toBeGreaterThan(2500);
  });

  it('finds literals that share long prefixes, with every hashed window width, in every chunking', () => {
    // Blocklists share prefixes ("/images/...", "Mozilla/4.0 (compatible; ..."): each literal then hashes
    // windows further in, which a stream must be able to look back for across chunk ends.
    const rand = mulberry32(23);
    const prefixes = ['/images/2023/', 'Mozilla/4.0 (compatible; ', 'www.'];
    const lits = Array.from({ length: 60 }, (_, i) => {
      let tail = '';
      for (let k = 0, n = 3 + Math.floor(rand() * 8); k < n; k++) tail += ALPHA[Math.floor(rand() * ALPHA.length)];
      return { id: i, text: prefixes[i % prefixes.length]! + tail, caseless: i % 4 === 0 };
    });
    let data = '';
    while (data.length < 3000) {
      if (rand() < 0.2) data += lits[Math.floor(rand() * lits.length)]!.text;
      else if (rand() < 0.3) data += prefixes[Math.floor(rand() * prefixes.length)];
      else data += ALPHA[Math.floor(rand() * ALPHA.length)];
    }
    const bytes = new TextEncoder().encode(data);
    const want = bruteForce(lits, data);
    const specs: PatternSpec[] = lits.map((l) => ({ id: l.id, expression: escape(l.text), flags: l.caseless ? 'i' : '' }));
    for (const literalWindow of [4, 5, 6, 7, 8]) {
      const db = compile(specs, { mode: 'stream', literalWindow } as never);
      const engine = db.info().engines.find((e) => e.kind === 'literal')!;
      expect(engine.detail.window).toBe(literalWindow);
      expect(engine.detail.maxOffset as number).toBeGreaterThan((engine.detail.stride as number) - 1);
      for (const maxChunk of [1, 5, 40, 4000]) {
        const got: string[] = [];
        const s = db.openStream();
        for (let p = 0; p < bytes.length; ) {
          const c = 1 + Math.floor(rand() * maxChunk);
          s.scan(bytes.subarray(p, p + c), (id, _from, to) => void got.push(`${id}:${to - lits[id]!.text.length}:${to}`));
          p += c;
        }
        s.close((id, _from, to) => void got.push(`${id}:${to - lits[id]!.text.length}:${to}`));
        expect({ literalWindow, maxChunk, got: got.sort() }).toEqual({ literalWindow, maxChunk, got: want });
      }
      db.free();
    }
  });

  it('reports each occurrence in the scan call where it ends, in order of end offset', () => {
    const lits = Array.from({ length: 40 }, (_, i) => ({
      id: i,
      expression: `needle-${String(i).padStart(3, '0')}-long-enough`,
    }));
    const db = compile(lits, { mode: 'stream' });
    const s = db.openStream();
    const text = new TextEncoder().encode('....needle-007-long-enough....needle-012-long-enough');
    const calls: string[][] = [];
    for (let p = 0; p < text.length; p += 10) {
      const seen: string[] = [];
      s.scan(text.subarray(p, p + 10), (id, from, to) => void seen.push(`${id}:${from}:${to}`));
      calls.push(seen);
    }
    // The first literal ends at 26 (in the call for bytes 20-29), the second at 52 (the last call).
    expect(calls.map((c) => c.join(' '))).toEqual(['', '', '7:4:26', '', '', '12:30:52']);
  });
});
