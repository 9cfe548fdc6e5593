/**
 * Target-based overlap resolution: when a TCP segment overlaps data already received with *different*
 * bytes, which bytes does the receiving host keep? Hosts disagree, and an IDS that guesses wrong sees
 * another stream than the host (Ptacek & Newsham 1998, "Insertion, Evasion, and Denial of Service";
 * Novak & Sturges 2007, "Target-Based TCP Stream Reassembly").
 *
 * The decision is made per pair (new segment, one old segment still held), from their geometry alone.
 * Where several old segments cover a byte, the new byte wins only if it wins against every one of them
 * (an old segment that keeps its bytes keeps them). The rules, as Suricata applies them
 * (OISF/suricata src/stream-tcp-list.c, DoHandleDataOverlap, read at 398687d; its unit tests
 * src/tests/stream-tcp-list.c, OverlapBSD/OverlapLINUX..., give the expected streams), and as Snort 3
 * applies them (snort3/snort3 src/stream/tcp/tcp_overlap_resolver.cc: Windows and BSD share one
 * resolver, Linux adds the same-start-ends-after case):
 *
 * | policy    | the new segment's bytes replace the old segment's bytes when                               |
 * |-----------|---------------------------------------------------------------------------------------------|
 * | `first`   | never (the first copy received wins)                                                        |
 * | `last`    | always (the latest copy wins; Cisco IOS)                                                    |
 * | `bsd`     | the new segment starts before the old one                                                   |
 * | `windows` | the new segment starts before the old one (identical to `bsd` in both Suricata and Snort 3) |
 * | `linux`   | the new segment starts before the old one, or starts at the same sequence and ends after it |
 *
 * Everywhere else the old bytes stay: a new segment starting inside an old one (or at its start, for
 * `bsd`/`windows`) never changes it, whatever its length. Bytes of the new segment that fall in no old
 * segment (holes) are always taken. Bytes already delivered to the consumer never change, whatever the
 * policy (they were compared and reported, see tcp-reassembly.ts).
 */
import type { OverlapPolicy } from '../options.js';

/** Numeric policy codes for the hot path (no string compares per segment). */
export const OverlapPolicyCode = {
  FIRST: 0,
  LAST: 1,
  BSD: 2,
  LINUX: 3,
  WINDOWS: 4,
} as const;

export function overlapPolicyCode(policy: OverlapPolicy): number {
  switch (policy) {
    case 'first':
      return OverlapPolicyCode.FIRST;
    case 'last':
      return OverlapPolicyCode.LAST;
    case 'linux':
      return OverlapPolicyCode.LINUX;
    case 'windows':
      return OverlapPolicyCode.WINDOWS;
    default:
      return OverlapPolicyCode.BSD;
  }
}

/**
 * Whether the new segment `[newStart, newEnd)` replaces the bytes it shares with the old segment
 * `[oldStart, oldEnd)`. Arguments are stream offsets (already unwrapped from sequence numbers), so plain
 * comparisons are right here.
 */
export function newDataWins(policy: number, newStart: number, newEnd: number, oldStart: number, oldEnd: number): boolean {
  switch (policy) {
    case OverlapPolicyCode.FIRST:
      return false;
    case OverlapPolicyCode.LAST:
      return true;
    case OverlapPolicyCode.LINUX:
      return newStart < oldStart || (newStart === oldStart && newEnd > oldEnd);
    default: // BSD, WINDOWS
      return newStart < oldStart;
  }
}
