/**
 * IP addresses as text, for events, logs, tests and configuration. The decoder never builds strings: a
 * packet's addresses are four 32-bit words in network order (`DecodedPacket.src`); these functions convert
 * at the edges.
 *
 * IPv6 text follows RFC 5952 §4: lower-case hex without leading zeros, the longest run of two or more zero
 * groups replaced by `::` (the first such run on a tie), a single zero group never compressed, and
 * IPv4-mapped addresses (::ffff:0:0/96) written with the IPv4 part in dotted decimal (§5).
 */

/** Text of the address in `words` (`words[0]` alone for IPv4). */
export function formatAddress(words: Uint32Array, version: number): string {
  if (version === 4) return formatIpv4(words[0]!);
  const w0 = words[0]!;
  const w1 = words[1]!;
  const w2 = words[2]!;
  const w3 = words[3]!;
  if (w0 === 0 && w1 === 0 && w2 === 0x0000ffff) return `::ffff:${formatIpv4(w3)}`;
  const groups = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // Longest run of zero groups (length 2 or more); the first wins a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':');
  return `${head}::${tail}`;
}

function hex(g: number): string {
  return g.toString(16);
}

function formatIpv4(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
}

/**
 * Parses an IPv4 (dotted quad, four decimal parts 0-255 without leading zeros) or IPv6 address (RFC 4291
 * §2.2 text: full, `::`-compressed, or with a trailing dotted quad) into `out` (4 words, network order;
 * the rest zeroed for IPv4). Returns 4 or 6, or 0 when `text` is not an address (then `out` is zeroed).
 * Zone indexes (`fe80::1%eth0`) are not addresses on the wire and are refused.
 */
export function parseAddress(text: string, out: Uint32Array): number {
  out.fill(0);
  if (text.includes(':')) {
    if (parseIpv6(text, out)) return 6;
    out.fill(0);
    return 0;
  }
  const v4 = parseIpv4(text);
  if (v4 < 0) return 0;
  out[0] = v4;
  return 4;
}

/** The address as a number, or -1 when `text` is not a dotted quad. */
function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let w = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    w = w * 256 + n;
  }
  return w >>> 0;
}

function parseIpv6(text: string, out: Uint32Array): boolean {
  const groups: number[] = [];
  let tail = text;
  let v4 = -1;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 < 0) return false;
    // Drop the colon before the dotted quad, unless it is the second half of a `::` (as in `::1.2.3.4`).
    tail = text.slice(0, lastColon + 1);
    if (!tail.endsWith('::')) tail = tail.slice(0, -1);
  }
  const want = v4 >= 0 ? 6 : 8;
  const halves = tail.split('::');
  if (halves.length > 2) return false;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const r: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      r.push(parseInt(g, 16));
    }
    return r;
  };
  const head = parse(halves[0]!);
  if (head === null) return false;
  if (halves.length === 2) {
    const rest = parse(halves[1]!);
    if (rest === null || head.length + rest.length > want - 1) return false;
    groups.push(...head);
    for (let i = head.length + rest.length; i < want; i++) groups.push(0);
    groups.push(...rest);
  } else {
    if (head.length !== want) return false;
    groups.push(...head);
  }
  if (v4 >= 0) groups.push(v4 >>> 16, v4 & 0xffff);
  for (let i = 0; i < 4; i++) out[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return true;
}
