/**
 * CIDR blocks as a policy file writes them (`10.0.0.0/24`, `fd00::/64`, or one address), parsed into the
 * four-word network-order form the decoder gives packet addresses (`decode/address.ts`), so that matching a
 * flow's address is integer work on words the packet already has.
 */
import { formatAddress, parseAddress } from '../decode/address.js';

/** A parsed CIDR block. */
export interface Cidr {
  version: 4 | 6;
  /** Network order as `parseAddress` gives it (IPv4 in `words[0]`, the others 0), host bits cleared. */
  words: readonly [number, number, number, number];
  /** 0..32 for IPv4, 0..128 for IPv6. */
  prefix: number;
  /** The entry as written. */
  text: string;
}

/** A parsed block, and whether the text had bits set after the prefix (which a policy check reports). */
export interface CidrParse {
  cidr: Cidr;
  /** True when the written address had host bits set; `cidr.words` holds the network (bits cleared). */
  hostBits: boolean;
}

/**
 * User text in a message: JSON-quoted, so that a newline or a quote in a hostile file cannot break the
 * one-line-per-problem report, and cut short, so that a megabyte string does not become a megabyte message.
 */
export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}

/** The mask of word `i` (bits 32i..32i+31 of the address) for a prefix length. */
function wordMask(prefix: number, i: number): number {
  const bits = prefix - 32 * i;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  // `<< 32` would be `<< 0` in JavaScript, hence the two guards above.
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Parses `address` or `address/prefix` and says whether host bits were set. Returns an error message (for a
 * policy problem) when the text is not a block. The prefix is decimal without leading zeros or a sign, so that
 * `/08` or `/+8` (which some tools read differently) is refused rather than guessed.
 */
export function parseCidrDetail(text: string): CidrParse | string {
  if (typeof text !== 'string') return 'a CIDR must be a string';
  if (text === '') return 'an empty CIDR';
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const out = new Uint32Array(4);
  const version = parseAddress(addressText, out);
  if (version === 0) {
    if (addressText.includes('%')) return `${quote(addressText)} has a zone index (%...), which a CIDR cannot have`;
    return `${quote(addressText)} is not an IPv4 or IPv6 address`;
  }
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText))
      return `the prefix length ${quote(prefixText)} is not a number from 0 to ${max} (write it without leading zeros)`;
    prefix = Number(prefixText);
    if (prefix > max) return `the prefix length ${prefix} is more than ${max} for an IPv${version} address`;
  }
  let hostBits = false;
  const words: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const w = out[i]!;
    const net = (w & wordMask(prefix, i)) >>> 0;
    if (net !== w) hostBits = true;
    words[i] = net;
  }
  return { cidr: { version: version === 4 ? 4 : 6, words, prefix, text }, hostBits };
}

/** Parses a CIDR block (host bits are cleared: the network is used), or returns what is wrong with the text. */
export function parseCidr(text: string): Cidr | string {
  const r = parseCidrDetail(text);
  return typeof r === 'string' ? r : r.cidr;
}

/** The block as `network/prefix` text in the canonical form (RFC 5952 for IPv6). */
export function formatCidr(c: Cidr): string {
  return `${formatAddress(Uint32Array.from(c.words), c.version)}/${c.prefix}`;
}

/**
 * True when the address (`words` in network order, IPv4 in `words[0]`) of the given IP version is inside the
 * block. Versions never mix: an IPv4 block does not contain the IPv4-mapped IPv6 address (`::ffff:a.b.c.d`),
 * because on the wire that is an IPv6 packet (write `::ffff:10.0.0.0/120` to match those).
 */
export function cidrContains(c: Cidr, version: number, words: ArrayLike<number>): boolean {
  if (version !== c.version) return false;
  const n = c.version === 4 ? 1 : 4;
  for (let i = 0; i < n; i++) {
    const mask = wordMask(c.prefix, i);
    if (mask === 0) return true;
    if ((words[i]! & mask) >>> 0 !== c.words[i]) return false;
  }
  return true;
}
