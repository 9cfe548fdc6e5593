/**
 * The checks behind the DLP sensors: each takes the bytes of a candidate the regex engine found
 * (`b[s..e)`) and says whether it really is what the sensor looks for. The regexes only find shapes;
 * these hold the arithmetic (Luhn, mod-97, CRC32) and the structure (a JSON header, a DER sequence) that
 * tell a card number from an order number. They run on candidates only, so they may build a small
 * string; they never throw on any bytes.
 */

const D0 = 0x30;
const D9 = 0x39;

export function isDigit(c: number): boolean {
  return c >= D0 && c <= D9;
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || isUpper(c) || isLower(c);
}

/** Luhn (ISO/IEC 7812-1 annex B) over ASCII digits `d[0..n)`: the last digit is the check digit. */
export function luhnValid(d: ArrayLike<number>, n: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = n - 1; i >= 0; i--) {
    let v = d[i]! - D0;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay';

/** The leading `k` digits of `d` as a number. */
function prefix(d: ArrayLike<number>, k: number): number {
  let v = 0;
  for (let i = 0; i < k; i++) v = v * 10 + (d[i]! - D0);
  return v;
}

/**
 * The brand whose issuer ranges and lengths `d[0..n)` fits, or null. Ranges: Visa 4 (13, 16, 19
 * digits); Mastercard 51-55 and 2221-2720 (16); Amex 34, 37 (15); Discover 6011, 644-649, 65 and
 * 622126-622925 (16-19; the 622 range is co-branded with UnionPay and named Discover here); JCB
 * 3528-3589 (16-19); Diners 300-305, 36, 38, 39 (14-19); UnionPay 62 (16-19).
 */
export function cardBrand(d: ArrayLike<number>, n: number): CardBrand | null {
  if (n < 13 || n > 19) return null;
  const p1 = d[0]! - D0;
  const p2 = prefix(d, 2);
  const p3 = prefix(d, 3);
  const p4 = prefix(d, 4);
  if (p1 === 4) return n === 13 || n === 16 || n === 19 ? 'visa' : null;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16 ? 'mastercard' : null;
  if (p2 === 34 || p2 === 37) return n === 15 ? 'amex' : null;
  if (n < 14) return null;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return 'diners';
  if (n < 16) return null;
  const p6 = prefix(d, 6);
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) return 'discover';
  if (p4 >= 3528 && p4 <= 3589) return 'jcb';
  if (p2 === 62) return 'unionpay';
  return null;
}

/** Card separators: a space, a dash, a `+` (a space in form encoding) or `%20`. */
function separatorAt(b: Uint8Array, i: number, e: number): number {
  const c = b[i]!;
  if (c === 0x20 || c === 0x2d || c === 0x2b) return 1;
  if (c === 0x25 && i + 2 < e && b[i + 1] === 0x32 && b[i + 2] === 0x30) return 3;
  return 0;
}

const cardDigits = new Uint8Array(19);

/**
 * A card number: 13 to 19 digits with consistent separators (every separator the same, as printed),
 * a known brand's range and length, and a Luhn check digit. A number preceded by digits and a
 * separator ("1234 4111 1111 1111 1111") is the tail of a longer number, not a card.
 */
export function validCard(b: Uint8Array, s: number, e: number, ctx: number): boolean {
  if (ctx >= 2 && isDigit(b[s - 2]!) && separatorAt(b, s - 1, s) === 1) return false;
  let n = 0;
  let sep = -1;
  for (let i = s; i < e; ) {
    const c = b[i]!;
    if (isDigit(c)) {
      if (n === 19) return false;
      cardDigits[n++] = c;
      i++;
      continue;
    }
    const k = separatorAt(b, i, e);
    if (k === 0) return false;
    const kind = k === 3 ? 0x25 : c;
    if (sep === -1) sep = kind;
    else if (sep !== kind) return false;
    i += k;
  }
  return cardBrand(cardDigits, n) !== null && luhnValid(cardDigits, n);
}

/** `************1111`: only the last four digits. */
export function maskCard(b: Uint8Array, s: number, e: number): string {
  // The card's digits, not those of a `%20` separator.
  let digits = 0;
  let last = '';
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 0x25) i += 2;
    else if (isDigit(c)) {
      digits++;
      last = (last.length === 4 ? last.slice(1) : last) + String.fromCharCode(c);
    }
  }
  return '*'.repeat(digits - last.length) + last;
}

/**
 * A US Social Security number `AAA-GG-SSSS` as the SSA issues them: the area is not 000, 666 or 900-999,
 * the group not 00, the serial not 0000. Preceded by a dash or by digit-dash it is part of a longer
 * dashed number (a phone number, a part number), not an SSN.
 */
export function validSsn(b: Uint8Array, s: number, e: number, ctx: number): boolean {
  if (e - s !== 11 || b[s + 3] !== 0x2d || b[s + 6] !== 0x2d) return false;
  if (ctx >= 1 && (b[s - 1] === 0x2d || b[s - 1] === 0x2e)) return false;
  const area = digitsAt(b, s, 3);
  const group = digitsAt(b, s + 4, 2);
  const serial = digitsAt(b, s + 7, 4);
  return area > 0 && area !== 666 && area < 900 && group > 0 && serial > 0;
}

/** The `n` ASCII digits at `b[at..]` as a number, or -1 when one is not a digit. */
function digitsAt(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = b[i]!;
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - D0);
  }
  return v;
}

/** `***-**-6789`: the serial only (the part US forms print). */
export function maskSsn(b: Uint8Array, _s: number, e: number): string {
  return `***-**-${String.fromCharCode(b[e - 4]!, b[e - 3]!, b[e - 2]!, b[e - 1]!)}`;
}

/**
 * IBAN lengths per country, from the SWIFT IBAN registry (ISO 13616): every country that issues IBANs.
 * French overseas territories and the Channel Islands use FR and GB; Åland uses FI.
 */
// biome-ignore format: a table, a row per line would be 90 lines
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** Indexed by the two letters (A=0): the country's IBAN length, 0 for a country without IBANs. */
const ibanLength = new Uint8Array(26 * 26);
for (const [cc, len] of Object.entries(IBAN_LENGTHS)) ibanLength[(cc.charCodeAt(0) - 65) * 26 + cc.charCodeAt(1) - 65] = len;

/** ISO 7064 MOD 97-10 of an IBAN's characters (given in order, check digits included): 1 when valid. */
export function ibanMod97(chars: ArrayLike<number>, n: number): number {
  let r = 0;
  // The first four characters go to the end; letters count as two digits (A=10 ... Z=35).
  for (let k = 0; k < n; k++) {
    const c = chars[(k + 4) % n]!;
    r = isDigit(c) ? (r * 10 + (c - D0)) % 97 : (r * 100 + (c - 55)) % 97;
  }
  return r;
}

const ibanChars = new Uint8Array(40);

/**
 * An IBAN: a country that issues them, exactly that country's length (spaces between groups of four
 * not counted), check digits 02-98 and ISO 7064 mod-97 equal to 1. The BBAN's per-country structure
 * (which positions are letters) is not checked: mod-97 already fails a random string 96 times in 97.
 */
export function validIban(b: Uint8Array, s: number, e: number): boolean {
  let n = 0;
  let sep = -1;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x2b || c === 0x25) {
      // One kind of separator throughout: a space, or '+' / '%20' when form- or URL-encoded.
      if (sep !== -1 && sep !== c) return false;
      sep = c;
      if (c === 0x25) {
        if (b[i + 1] !== 0x32 || b[i + 2] !== 0x30) return false;
        i += 2;
      }
      continue;
    }
    if (!(isDigit(c) || isUpper(c)) || n === ibanChars.length) return false;
    ibanChars[n++] = c;
  }
  if (n < 4 || !isUpper(ibanChars[0]!) || !isUpper(ibanChars[1]!)) return false;
  if (ibanLength[(ibanChars[0]! - 65) * 26 + ibanChars[1]! - 65] !== n) return false;
  const check = (ibanChars[2]! - D0) * 10 + (ibanChars[3]! - D0);
  return check >= 2 && check <= 98 && ibanMod97(ibanChars, n) === 1;
}

/** `DE******************3000`: the country and the last four characters. */
export function maskIban(b: Uint8Array, s: number, e: number): string {
  let compact = '';
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 0x25) i += 2;
    else if (c !== 0x20 && c !== 0x2b) compact += String.fromCharCode(c);
  }
  return compact.slice(0, 2) + '*'.repeat(compact.length - 6) + compact.slice(-4);
}

/** CRC-32 (ISO-HDLC, zlib's): reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array, s: number, e: number): number {
  let c = 0xffffffff;
  for (let i = s; i < e; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Base62 digit values (`0-9A-Za-z`, the order GitHub's token checksum uses), -1 for other bytes. */
const BASE62 = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) BASE62[D0 + i] = i;
for (let i = 0; i < 26; i++) {
  BASE62[0x41 + i] = 10 + i;
  BASE62[0x61 + i] = 36 + i;
}

/**
 * A GitHub token. Classic tokens (`ghp_ gho_ ghu_ ghs_ ghr_` and 36 characters) end with a checksum:
 * the last six characters are the CRC-32 (zlib's) of the 30 characters before them, in base62 (`0-9A-Za-z`,
 * most significant digit first, padded with `0`). That definition is GitHub's announcement of the format
 * (April 2021: "a 32-bit checksum in the last 6 digits"), and independent verifiers agree on it and
 * pass expired real tokens published for the purpose (the tests hold two). Fine-grained tokens
 * (`github_pat_`, 22 + `_` + 59 characters) carry no checksum whose definition is public, so their
 * shape is all that is checked.
 */
export function validGithubToken(b: Uint8Array, s: number, e: number): boolean {
  if (b[s + 2] !== 0x74 /* 't' of github_pat_ */) {
    if (e - s !== 40) return false;
    let v = 0;
    for (let i = e - 6; i < e; i++) {
      const d = BASE62[b[i]!]!;
      if (d < 0) return false;
      v = v * 62 + d;
    }
    return v === crc32(b, s + 4, e - 6);
  }
  return e - s === 93 && b[s + 33] === 0x5f;
}

/** `ghp_************************************`: the prefix (which says the kind of token) only. */
export function maskGithubToken(b: Uint8Array, s: number, e: number): string {
  const p = b[s + 2] === 0x74 ? 11 : 4;
  return latin1(b, s, s + p) + '*'.repeat(e - s - p);
}

/** An AWS access key id (`AKIA`/`ASIA` and 16 base32 characters), not AWS's documentation example. */
export function validAwsKeyId(b: Uint8Array, s: number, e: number): boolean {
  return e - s === 20 && latin1(b, e - 7, e) !== 'EXAMPLE';
}

/** `AKIA************WXYZ`: the kind (long-term or session) and the last four. Key ids are not secrets, but
 * a whole one names an account's key. */
export function maskAwsKeyId(b: Uint8Array, s: number, e: number): string {
  return `${latin1(b, s, s + 4)}************${latin1(b, e - 4, e)}`;
}

/**
 * An AWS secret access key assignment (`aws_secret_access_key = "..."`, any case, `:` or `=`): the 40
 * characters must look random: upper and lower case letters, and a digit, `+` or `/`. Placeholders
 * (`YOUR_SECRET_KEY...`, `xxxx...`) and AWS's documentation example fail; a real key lacks one of the
 * three about once in 2,500.
 */
export function validAwsSecret(b: Uint8Array, s: number, e: number): boolean {
  let upper = false;
  let lower = false;
  let other = false;
  // The key is the match's last 40 characters, '/' and '+' perhaps URL-encoded (%2F, %2B).
  let n = 0;
  let i = e - 1;
  for (; i >= s && n < 40; i--, n++) {
    const c = b[i]!;
    if (i >= s + 2 && b[i - 2] === 0x25 && b[i - 1] === 0x32 && (c === 0x42 || c === 0x62 || c === 0x46 || c === 0x66)) {
      other = true;
      i -= 2;
    } else if (isUpper(c)) upper = true;
    else if (isLower(c)) lower = true;
    else other = true;
  }
  if (n < 40) return false;
  // AWS's documentation example (wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) is not a leak.
  return upper && lower && other && latin1(b, e - 10, e) !== 'EXAMPLEKEY';
}

/** `aws_secret_access_key=****************************************`: the name as written, never a byte of the key. */
export function maskAwsSecret(b: Uint8Array, s: number, e: number): string {
  let i = s;
  while (i < e && (isAlnum(b[i]!) || b[i] === 0x5f)) i++;
  return `${latin1(b, s, i)}=${'*'.repeat(40)}`;
}

/**
 * A Slack token (`xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-`, numeric parts, a final secret part): the
 * regex holds the shape; the secret must not be one repeated character (`xoxb-000-000-xxxxxxxx...`).
 */
export function validSlackToken(b: Uint8Array, s: number, e: number): boolean {
  let i = e - 1;
  while (i > s && b[i - 1] !== 0x2d) i--;
  for (let k = i + 1; k < e; k++) if (b[k] !== b[i]) return true;
  return false;
}

/** `xoxb-*****...`: the kind of token, the rest masked. */
export function maskSlackToken(_b: Uint8Array, s: number, e: number): string {
  return latin1(_b, s, s + 5) + '*'.repeat(e - s - 5);
}

/** Base64 and base64url digit values, -1 for other bytes. */
const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 26; i++) {
  B64[0x41 + i] = i;
  B64[0x61 + i] = 26 + i;
}
for (let i = 0; i < 10; i++) B64[D0 + i] = 52 + i;
B64[0x2b] = 62;
B64[0x2f] = 63;
B64[0x2d] = 62;
B64[0x5f] = 63;

/** Decodes base64 or base64url digits (no padding; stops at the first other byte) into `out`; returns bytes written. */
export function base64Decode(digits: ArrayLike<number>, s: number, e: number, out: Uint8Array): number {
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = s; i < e; i++) {
    const v = B64[digits[i]!]!;
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n === out.length) return n;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return n;
}

const pemBody = new Uint8Array(48);
const pemBytes = new Uint8Array(36);
const OPENSSH_MAGIC = 'openssh-key-v1\0';

/**
 * A PEM private key block: the header names the kind, the body's first base64 characters decode to
 * what that kind starts with. OpenSSH keys start with `openssh-key-v1\0`; PGP secret keys with a
 * secret-key packet (tag 5); PKCS#1, PKCS#8, SEC1 and DSA keys with a DER SEQUENCE (0x30 and a plausible
 * length). Legacy encrypted PEM (`Proc-Type:` headers) has a ciphertext body: the headers are
 * the evidence. The body may be URL-encoded (`%2B`, `%2F`).
 */
export function validPrivateKey(b: Uint8Array, s: number, e: number): boolean {
  const header = latin1(b, s, Math.min(e, s + 64));
  // "-----BEGIN" and the space after it: ' ', or '+' or '%20' when the block is form- or URL-encoded.
  const space = b[s + 10] === 0x25 ? '%20' : b[s + 10] === 0x2b ? '+' : ' ';
  const kind = header.slice(10 + space.length, header.indexOf(`PRIVATE${space}KEY`));
  // The last 40 base64 characters of the match are the start of the body (after any headers).
  let n = 0;
  for (let i = e - 1; i >= s && n < 40; i--) {
    const c = b[i]!;
    if (i >= s + 2 && b[i - 2] === 0x25 && b[i - 1] === 0x32) {
      if (c === 0x42 || c === 0x62) pemBody[39 - n++] = 0x2b;
      else if (c === 0x46 || c === 0x66) pemBody[39 - n++] = 0x2f;
      else return false;
      i -= 2;
    } else pemBody[39 - n++] = c;
  }
  if (n < 40) return false;
  const got = base64Decode(pemBody, 0, 40, pemBytes);
  if (got < 30) return false;
  if (kind.startsWith('OPENSSH')) return latin1(pemBytes, 0, OPENSSH_MAGIC.length) === OPENSSH_MAGIC;
  if (kind.startsWith('PGP')) {
    const t = pemBytes[0]!;
    if ((t & 0x80) === 0) return false;
    return (t & 0x40 ? t & 0x3f : (t >> 2) & 0x0f) === 5;
  }
  if (latin1(b, s, e).includes('Proc-Type')) return true;
  // A SEQUENCE of a plausible length: short form (an Ed25519 PKCS#8 key is 48 bytes, a P-256 SEC1 key 121) or long.
  const len = pemBytes[1]!;
  return pemBytes[0] === 0x30 && ((len >= 0x20 && len < 0x80) || (len >= 0x81 && len <= 0x84));
}

/** `-----BEGIN RSA PRIVATE KEY-----[masked]`: the header line only, never a byte of the body. */
export function maskPrivateKey(b: Uint8Array, s: number, e: number): string {
  const text = latin1(b, s, Math.min(e, s + 80));
  const end = text.indexOf('-----', 10);
  return `${text.slice(0, end + 5)}[masked]`;
}

const jwtHeader = new Uint8Array(1536);

/**
 * A JSON Web Token: three base64url parts; the header decodes to a JSON object with a string `alg`.
 * The payload's decoding is not needed (a JWE's or an odd JWS's need not be JSON), only its shape.
 */
export function validJwt(b: Uint8Array, s: number, e: number, ctx: number): boolean {
  // Inside a longer base64url run (or after a dot) the "header" is the middle of something else.
  if (ctx >= 1) {
    const p = b[s - 1]!;
    if (B64[p]! >= 0 || p === 0x2e) return false;
  }
  let dot = s;
  while (dot < e && b[dot] !== 0x2e) dot++;
  if (dot === e || (dot - s) * 0.75 > jwtHeader.length) return false;
  const n = base64Decode(b, s, dot, jwtHeader);
  try {
    const h: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jwtHeader.subarray(0, n)));
    return typeof h === 'object' && h !== null && !Array.isArray(h) && typeof (h as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** `eyJhbGciOiJIUzI1NiJ9.***.***`: the header (the algorithm, not a secret); the claims and signature masked. */
export function maskJwt(b: Uint8Array, s: number, e: number): string {
  let dot = s;
  while (dot < e && b[dot] !== 0x2e) dot++;
  return `${latin1(b, s, dot)}.***.***`;
}

/** Top-level "domains" that are file extensions: `logo@2x.png` is an image name, not an address. */
// biome-ignore format: a table, a row per line would be 90 lines
const FILE_EXTENSIONS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp', 'tif', 'tiff', 'css', 'js', 'mjs', 'map',
  'json', 'xml', 'html', 'htm', 'php', 'woff', 'woff2', 'ttf', 'eot', 'mp4', 'webm', 'mp3', 'pdf', 'txt',
]);

/**
 * An e-mail address (RFC 5321 sizes): a local part of at most 64 characters that neither starts nor ends
 * with a dot nor holds two in a row; a domain of at most 253 characters in labels of at most 63 (the
 * regex keeps hyphens inside labels); a top-level domain of letters that is not a file extension.
 * `@` may be URL-encoded as `%40`.
 */
export function validEmail(b: Uint8Array, s: number, e: number): boolean {
  const text = latin1(b, s, e);
  let at = text.lastIndexOf('@');
  let domainAt = at + 1;
  if (at < 0) {
    at = text.search(/%40/i);
    domainAt = at + 3;
  }
  if (at <= 0 || at > 64) return false;
  const local = text.slice(0, at);
  const domain = text.slice(domainAt);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  for (const l of labels) if (l.length === 0 || l.length > 63) return false;
  return !FILE_EXTENSIONS.has(labels[labels.length - 1]!.toLowerCase());
}

/** `j***@example.com`: the local part's first character and the domain. */
export function maskEmail(b: Uint8Array, s: number, e: number): string {
  const text = latin1(b, s, e);
  let at = text.lastIndexOf('@');
  let sep = '@';
  if (at < 0) {
    at = text.search(/%40/i);
    sep = text.slice(at, at + 3);
  }
  return `${text[0]}***${sep}${text.slice(at + sep.length)}`;
}

/** Bytes as a Latin-1 string (candidates are ASCII: the regexes match nothing else). */
export function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}
