/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4): labels of up to 63 bytes ending with the root label,
 * or with a compression pointer to a prior occurrence of the rest of the name.
 *
 * The work per name is bounded whatever the bytes say: at most 255 bytes of name are kept (RFC 1035
 * §2.3.4; `dns.name_too_long` beyond), at most `maxJumps` pointers are followed, and an offset visited
 * twice is a loop. Only the labels at the name's own position are read past those limits, to find where
 * the next field starts; they are bounded by the message itself.
 *
 * A problem found after the first pointer leaves the name truncated but the message readable (the name
 * ends with that pointer); one found before it (a label running past the data, an unknown label type)
 * leaves the position of the next field unknown: `next` is -1 and the caller stops reading the message.
 */
import { Buffer } from 'node:buffer';
import { DnsAnomaly } from './anomalies.js';
import { text } from './format.js';

/** RFC 1035 §2.3.4: names are 255 octets or less on the wire, length bytes and root label included. */
export const MAX_NAME_WIRE_LENGTH = 255;
/** The header: no name starts inside it, so a pointer below 12 is bogus. */
const HEADER_LENGTH = 12;

/** What the last `readName` found. One object, reused: read it before the next call. */
export const nameResult = {
  /** The name in presentation format (see events.ts); `.` for the root, '' when nothing could be read. */
  text: '',
  /** Offset of the byte after the name at its own position; -1 when it cannot be known. */
  next: 0,
  /** The most serious problem (a `DnsAnomaly` code), 0 when none. */
  problem: 0,
  /** A pointer to its own offset or beyond was followed (`dns.name_forward_pointer`). */
  forward: false,
  /** The text is not the whole name (too long, loop, bad pointer, too many pointers, cut short). */
  truncated: false,
};

// Label bytes and dots of the name being read: at most 254 bytes for a name within the 255-byte limit.
const scratch = Buffer.allocUnsafe(256);
const labelStart = new Int32Array(128);
const labelEnd = new Int32Array(128);
let visited = new Int32Array(64);

/**
 * Reads the name at `pos` of the message `b[base, msgEnd)`. The labels at the name's own position must lie
 * before `limit` (the message end, or the end of the RDATA holding the name); pointers may lead anywhere in
 * the message. `wantText` false skips building the text (names of records that are not kept).
 */
export function readName(
  b: Uint8Array,
  base: number,
  msgEnd: number,
  pos: number,
  limit: number,
  maxJumps: number,
  wantText: boolean,
): void {
  const r = nameResult;
  r.problem = 0;
  r.forward = false;
  r.truncated = false;
  r.next = -1;
  if (visited.length < maxJumps) visited = new Int32Array(maxJumps);
  let p = pos;
  let end = limit;
  let jumped = false;
  let jumps = 0;
  let wire = 0;
  let n = 0;
  let labels = 0;
  let plain = true;
  for (;;) {
    if (p >= end) {
      r.problem = DnsAnomaly.NAME_TRUNCATED;
      r.truncated = true;
      break;
    }
    const len = b[p]!;
    if (len === 0) {
      if (!jumped) r.next = p + 1;
      break;
    }
    const top = len & 0xc0;
    if (top === 0xc0) {
      if (p + 1 >= end) {
        r.problem = DnsAnomaly.NAME_TRUNCATED;
        r.truncated = true;
        break;
      }
      if (!jumped) r.next = p + 2;
      if (r.truncated) break; // too long already: the name's end is known now
      const target = ((len & 0x3f) << 8) | b[p + 1]!;
      const abs = base + target;
      if (target < HEADER_LENGTH || abs >= msgEnd) {
        r.problem = DnsAnomaly.NAME_BAD_POINTER;
        r.truncated = true;
        break;
      }
      let seen = false;
      for (let i = 0; i < jumps; i++) {
        if (visited[i] === target) {
          seen = true;
          break;
        }
      }
      if (seen) {
        r.problem = DnsAnomaly.NAME_POINTER_LOOP;
        r.truncated = true;
        break;
      }
      if (jumps >= maxJumps) {
        r.problem = DnsAnomaly.NAME_TOO_MANY_POINTERS;
        r.truncated = true;
        break;
      }
      visited[jumps++] = target;
      if (abs >= p) r.forward = true;
      p = abs;
      end = msgEnd;
      jumped = true;
      continue;
    }
    if (top !== 0) {
      // 0x40 (extended label types, RFC 6891 §5) and 0x80 (reserved): their length is unknown.
      r.problem = DnsAnomaly.NAME_BAD_LABEL;
      r.truncated = true;
      break;
    }
    if (p + 1 + len > end) {
      r.problem = DnsAnomaly.NAME_TRUNCATED;
      r.truncated = true;
      break;
    }
    wire += len + 1;
    if (wire + 1 > MAX_NAME_WIRE_LENGTH) {
      // The root label (1 byte) must still fit. Keep what was read; go on only to find the name's end.
      if (!r.truncated) {
        r.problem = DnsAnomaly.NAME_TOO_LONG;
        r.truncated = true;
      }
      if (jumped) break;
    } else if (wantText) {
      if (labels > 0) scratch[n++] = 0x2e;
      const s = p + 1;
      labelStart[labels] = n;
      for (let i = 0; i < len; i++) {
        const c = b[s + i]!;
        // Bytes that need escaping or UTF-8 decoding send the name down the slow path below.
        if (c < 0x20 || c >= 0x7f || c === 0x2e || c === 0x5c) plain = false;
        scratch[n++] = c;
      }
      labelEnd[labels] = n;
      labels++;
    }
    p += 1 + len;
  }
  if (!wantText) {
    r.text = '';
  } else if (labels === 0) {
    r.text = r.truncated ? '' : '.';
  } else if (plain) {
    r.text = scratch.toString('latin1', 0, n);
  } else {
    let t = text(scratch, labelStart[0]!, labelEnd[0]!, true);
    for (let i = 1; i < labels; i++) t += `.${text(scratch, labelStart[i]!, labelEnd[i]!, true)}`;
    r.text = t;
  }
}
