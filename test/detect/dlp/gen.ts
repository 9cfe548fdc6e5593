/**
 * Generators of valid and invalid sensitive values for the DLP tests, written apart from the sensors'
 * validators so that they check them: Luhn on strings, mod-97 with BigInt, CRC-32 from node:zlib.
 * Every value is a `Plant`: `head` is what the sensor must match, `tail` what follows it in the value
 * (a PEM block's rest), and `mask` what the finding must show.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Rng } from '../../../bench/regex/prng.js';

export { Rng };

export interface Plant {
  sensor: string;
  /** What the brand or kind is, for test names. */
  kind: string;
  head: string;
  tail: string;
  mask: string;
  /** Characters at the head's start written as they are in every context (a form field's `name=`). */
  raw?: number;
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const BASE62 = DIGITS + UPPER + LOWER;
const BASE64URL = `${UPPER}${LOWER}${DIGITS}-_`;

export function pick(r: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.below(alphabet.length)];
  return s;
}

/** The Luhn check digit for a string of digits (reference: doubles every second digit from the right). */
export function luhnDigit(body: string): string {
  const digits = [...body].reverse().map(Number);
  let sum = 0;
  digits.forEach((d, i) => {
    const v = i % 2 === 0 ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
  });
  return String((10 - (sum % 10)) % 10);
}

export function luhnOk(number: string): boolean {
  return luhnDigit(number.slice(0, -1)) === number.slice(-1);
}

/** Brand → issuer prefixes (ranges as [lo, hi] of the same digit count) and lengths. */
export const BRANDS: Record<string, { ranges: [number, number][]; lengths: number[] }> = {
  visa: { ranges: [[4, 4]], lengths: [13, 16, 19] },
  mastercard: {
    ranges: [
      [51, 55],
      [2221, 2720],
    ],
    lengths: [16],
  },
  amex: {
    ranges: [
      [34, 34],
      [37, 37],
    ],
    lengths: [15],
  },
  discover: {
    ranges: [
      [6011, 6011],
      [644, 649],
      [65, 65],
      [622126, 622925],
    ],
    lengths: [16, 17, 18, 19],
  },
  jcb: { ranges: [[3528, 3589]], lengths: [16, 17, 18, 19] },
  diners: {
    ranges: [
      [300, 305],
      [36, 36],
      [38, 39],
    ],
    lengths: [14, 16],
  },
  unionpay: { ranges: [[62, 62]], lengths: [16, 17, 18, 19] },
};

/** A valid card number of the brand (prefix from its ranges, random body, Luhn check digit). */
export function cardNumber(r: Rng, brand: string, length?: number): string {
  const b = BRANDS[brand]!;
  const [lo, hi] = b.ranges[r.below(b.ranges.length)]!;
  let p = String(r.between(lo, hi));
  // UnionPay's 62 must avoid Discover's co-branded 622126-622925 only for naming; either way it is valid.
  const len = length ?? b.lengths[r.below(b.lengths.length)]!;
  p += pick(r, DIGITS, len - 1 - p.length);
  return p + luhnDigit(p);
}

/** The brand's usual grouping, when it has one for that length. */
export function groupCard(n: string, sep: string): string | null {
  let sizes: number[] | null = null;
  if (n.length === 16) sizes = [4, 4, 4, 4];
  else if (n.length === 15 && (n.startsWith('34') || n.startsWith('37'))) sizes = [4, 6, 5];
  else if (n.length === 14) sizes = [4, 6, 4];
  if (sizes === null) return null;
  const parts: string[] = [];
  let i = 0;
  for (const s of sizes) {
    parts.push(n.slice(i, i + s));
    i += s;
  }
  return parts.join(sep);
}

export function cardPlant(number: string, kind: string, text = number): Plant {
  return { sensor: 'credit_card', kind, head: text, tail: '', mask: '*'.repeat(number.length - 4) + number.slice(-4) };
}

export function validSsn(r: Rng): string {
  let area: number;
  do area = r.between(1, 899);
  while (area === 666);
  const group = r.between(1, 99);
  const serial = r.between(1, 9999);
  return `${String(area).padStart(3, '0')}-${String(group).padStart(2, '0')}-${String(serial).padStart(4, '0')}`;
}

export function ssnPlant(ssn: string): Plant {
  return { sensor: 'us_ssn', kind: 'ssn', head: ssn, tail: '', mask: `***-**-${ssn.slice(-4)}` };
}

/** IBAN lengths (a second copy, typed in from the SWIFT registry for the tests). */
// biome-ignore format: a table, a row per line would be 90 lines
export const IBAN_COUNTRY_LENGTHS: [string, number][] = [
  ['AD', 24], ['AE', 23], ['AL', 28], ['AT', 20], ['AZ', 28], ['BA', 20], ['BE', 16], ['BG', 22], ['BH', 22],
  ['BI', 27], ['BR', 29], ['BY', 28], ['CH', 21], ['CR', 22], ['CY', 28], ['CZ', 24], ['DE', 22], ['DJ', 27],
  ['DK', 18], ['DO', 28], ['EE', 20], ['EG', 29], ['ES', 24], ['FI', 18], ['FK', 18], ['FO', 18], ['FR', 27],
  ['GB', 22], ['GE', 22], ['GI', 23], ['GL', 18], ['GR', 27], ['GT', 28], ['HN', 28], ['HR', 21], ['HU', 28],
  ['IE', 22], ['IL', 23], ['IQ', 23], ['IS', 26], ['IT', 27], ['JO', 30], ['KW', 30], ['KZ', 20], ['LB', 28],
  ['LC', 32], ['LI', 21], ['LT', 20], ['LU', 20], ['LV', 21], ['LY', 25], ['MC', 27], ['MD', 24], ['ME', 22],
  ['MK', 19], ['MN', 20], ['MR', 27], ['MT', 31], ['MU', 30], ['NI', 28], ['NL', 18], ['NO', 15], ['OM', 23],
  ['PK', 24], ['PL', 28], ['PS', 29], ['PT', 25], ['QA', 29], ['RO', 24], ['RS', 22], ['RU', 33], ['SA', 24],
  ['SC', 31], ['SD', 18], ['SE', 24], ['SI', 19], ['SK', 24], ['SM', 27], ['SO', 23], ['ST', 25], ['SV', 28],
  ['TL', 23], ['TN', 24], ['TR', 26], ['UA', 29], ['VA', 22], ['VG', 24], ['XK', 20], ['YE', 30],
];

/** MOD 97-10 with BigInt: the rearranged IBAN with letters as numbers. */
export function ibanRemainder(iban: string): bigint {
  const r = iban.slice(4) + iban.slice(0, 4);
  const digits = [...r].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join('');
  return BigInt(digits) % 97n;
}

/** An IBAN of the country and length with correct check digits; BBAN mostly digits, some letters. */
export function ibanOf(r: Rng, cc: string, length: number): string {
  let bban = '';
  for (let i = 0; i < length - 4; i++) bban += r.chance(0.15) ? pick(r, UPPER, 1) : pick(r, DIGITS, 1);
  const check = 98n - ibanRemainder(`${cc}00${bban}`);
  return `${cc}${String(check).padStart(2, '0')}${bban}`;
}

export function spaceIban(iban: string, sep = ' '): string {
  return iban.match(/.{1,4}/g)!.join(sep);
}

export function ibanPlant(iban: string, text = iban): Plant {
  return {
    sensor: 'iban',
    kind: iban.slice(0, 2),
    head: text,
    tail: '',
    mask: iban.slice(0, 2) + '*'.repeat(iban.length - 6) + iban.slice(-4),
  };
}

/** base62 of a 32-bit number, six digits, most significant first (GitHub's token checksum). */
export function base62Six(v: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s;
}

export function githubClassic(r: Rng, kind = 'ghp'): string {
  const body = pick(r, BASE62, 30);
  return `${kind}_${body}${base62Six(zlibCrc32(body))}`;
}

export function githubPlant(token: string): Plant {
  const p = token.startsWith('github_pat_') ? 11 : 4;
  return {
    sensor: 'github_token',
    kind: token.slice(0, p),
    head: token,
    tail: '',
    mask: token.slice(0, p) + '*'.repeat(token.length - p),
  };
}

export function githubFineGrained(r: Rng): string {
  return `github_pat_${pick(r, BASE62, 22)}_${pick(r, BASE62, 59)}`;
}

export function awsKeyId(r: Rng, kind = 'AKIA'): string {
  return kind + pick(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
}

export function awsKeyPlant(id: string): Plant {
  return {
    sensor: 'aws_access_key',
    kind: id.slice(0, 4),
    head: id,
    tail: '',
    mask: `${id.slice(0, 4)}************${id.slice(-4)}`,
  };
}

/** 40 base64 characters with an upper, a lower and a digit (a real key lacks one of them rarely). */
export function awsSecret(r: Rng): string {
  for (;;) {
    const s = pick(r, `${UPPER}${LOWER}${DIGITS}+/`, 40);
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s)) return s;
  }
}

export function awsSecretPlant(secret: string, name = 'aws_secret_access_key'): Plant {
  return {
    sensor: 'aws_access_key',
    kind: 'secret',
    head: `${name}=${secret}`,
    tail: '',
    mask: `${name}=${'*'.repeat(40)}`,
    raw: name.length + 1,
  };
}

export function slackToken(r: Rng, kind = 'b'): string {
  if (kind === 'p')
    return `xoxp-${pick(r, DIGITS, 12)}-${pick(r, DIGITS, 12)}-${pick(r, DIGITS, 13)}-${pick(r, '0123456789abcdef', 32)}`;
  return `xox${kind}-${pick(r, DIGITS, 12)}-${pick(r, DIGITS, 13)}-${pick(r, BASE62, 24)}`;
}

export function slackPlant(t: string): Plant {
  return { sensor: 'slack_token', kind: t.slice(0, 4), head: t, tail: '', mask: t.slice(0, 5) + '*'.repeat(t.length - 5) };
}

export function b64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

export function jwt(r: Rng, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const payload = { sub: pick(r, DIGITS, 10), name: pick(r, LOWER, 8), iat: 1_700_000_000 + r.below(1e6) };
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${pick(r, BASE64URL, 43)}`;
}

export function jwtPlant(token: string): Plant {
  return { sensor: 'jwt', kind: 'jwt', head: token, tail: '', mask: `${token.slice(0, token.indexOf('.'))}.***.***` };
}

/** A PEM private key block: the body starts as the kind does; lines of 64. */
export function pemKey(r: Rng, kind: 'RSA' | 'EC' | 'PKCS8' | 'OPENSSH' | 'ENCRYPTED' | 'PGP' | 'DSA', nl = '\n'): Plant {
  const random = (n: number) => Uint8Array.from({ length: n }, () => r.below(256));
  let der: Uint8Array;
  let label: string;
  let headers = '';
  switch (kind) {
    case 'OPENSSH':
      der = new Uint8Array([...Buffer.from('openssh-key-v1\0'), ...random(300)]);
      label = 'OPENSSH PRIVATE KEY';
      break;
    case 'PGP':
      der = new Uint8Array([0x95, 0x03, 0xc6, 0x04, ...random(400)]);
      label = 'PGP PRIVATE KEY BLOCK';
      headers = `Version: GnuPG v2${nl}${nl}`;
      break;
    case 'EC':
      der = new Uint8Array([0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, ...random(114)]);
      label = 'EC PRIVATE KEY';
      break;
    case 'PKCS8':
      der = new Uint8Array([0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, ...random(1211)]);
      label = 'PRIVATE KEY';
      break;
    case 'ENCRYPTED':
      der = new Uint8Array([0x30, 0x82, 0x05, 0x16, 0x30, 0x40, ...random(1300)]);
      label = 'ENCRYPTED PRIVATE KEY';
      break;
    default:
      der = new Uint8Array([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, ...random(1185)]);
      label = `${kind} PRIVATE KEY`;
  }
  const body = Buffer.from(der).toString('base64');
  const lines = body.match(/.{1,64}/g)!;
  const header = `-----BEGIN ${label}-----`;
  const all = `${header}${nl}${headers}${lines.join(nl)}${nl}-----END ${label}-----`;
  // The match ends at the body's 40th base64 character.
  const bodyAt = header.length + nl.length + headers.length;
  const head = all.slice(0, bodyAt + 40);
  return { sensor: 'private_key', kind, head, tail: all.slice(head.length), mask: `${header}[masked]` };
}

export function email(r: Rng): string {
  const local = pick(r, LOWER, 1) + pick(r, `${LOWER}${DIGITS}._+-`, r.between(0, 12)).replace(/\.+/g, '.') + pick(r, LOWER, 1);
  const labels = Array.from(
    { length: r.between(1, 3) },
    () => pick(r, LOWER, 1) + pick(r, `${LOWER}${DIGITS}-`, r.between(0, 10)) + pick(r, LOWER, 1),
  );
  const tld = ['com', 'org', 'net', 'de', 'io', 'co', 'info', 'example'][r.below(8)]!;
  return `${local}@${labels.join('.')}.${tld}`;
}

export function emailPlant(e: string, text = e): Plant {
  const at = text.indexOf('@') >= 0 ? text.indexOf('@') : text.indexOf('%40');
  const sep = text[at] === '@' ? '@' : '%40';
  return { sensor: 'email', kind: 'email', head: text, tail: '', mask: `${text[0]}***${sep}${text.slice(at + sep.length)}` };
}

/** How a plant is written in a context: the transform of its text (applied to head and tail apart). */
export type Encoding = 'raw' | 'json' | 'url' | 'form';

export function encodeText(s: string, enc: Encoding): string {
  if (enc === 'json') return JSON.stringify(s).slice(1, -1);
  if (enc === 'url') return encodeURIComponent(s);
  if (enc === 'form') return encodeURIComponent(s).replace(/%20/g, '+');
  return s;
}

/** Contexts: a template around the encoded plant. */
export const CONTEXTS: { name: string; enc: Encoding; wrap: (v: string) => string }[] = [
  { name: 'plain text', enc: 'raw', wrap: (v) => `Dear customer, the value is ${v} as requested.\n` },
  { name: 'JSON', enc: 'json', wrap: (v) => `{"id":17,"value":"${v}","ok":true}` },
  { name: 'HTML', enc: 'raw', wrap: (v) => `<table><tr><td>Value</td><td>${v}</td></tr></table>` },
  { name: 'URL query', enc: 'url', wrap: (v) => `GET /submit?id=17&value=${v}&x=1 HTTP/1.1\r\n` },
  { name: 'form body', enc: 'form', wrap: (v) => `name=J&value=${v}&submit=Send` },
  { name: 'buffer start', enc: 'raw', wrap: (v) => `${v}\nnext line` },
  { name: 'buffer end', enc: 'raw', wrap: (v) => `last line:\n${v}` },
  { name: 'whole buffer', enc: 'raw', wrap: (v) => v },
];

/** Renders a plant in a context; returns the text and where the expected finding lies. */
export function render(p: Plant, ctx: (typeof CONTEXTS)[number]): { text: string; start: number; end: number; mask: string } {
  const raw = p.raw ?? 0;
  const head = p.head.slice(0, raw) + encodeText(p.head.slice(raw), ctx.enc);
  const tail = encodeText(p.tail, ctx.enc);
  const marker = '\u0000';
  const t = ctx.wrap(marker);
  const start = t.indexOf(marker);
  const text = t.slice(0, start) + head + tail + t.slice(start + 1);
  let mask = p.mask;
  // Masks that show text as written show it encoded.
  if (p.sensor === 'email') mask = emailPlant(p.head, head).mask;
  if (p.sensor === 'private_key') mask = `${head.slice(0, head.indexOf('-----', 10) + 5)}[masked]`;
  return { text, start, end: start + head.length, mask };
}

/** Lookalikes of each sensor that must never be reported. */
export function invalidValues(seed: number): { what: string; text: string }[] {
  const r = new Rng(seed);
  const out: { what: string; text: string }[] = [];
  const add = (what: string, text: string) => out.push({ what, text });
  for (const brand of Object.keys(BRANDS)) {
    for (const len of BRANDS[brand]!.lengths) {
      const n = cardNumber(r, brand, len);
      const bad = n.slice(0, -1) + String((Number(n.slice(-1)) + 1 + r.below(9)) % 10);
      add(`${brand} ${len} failing Luhn`, bad);
      const g = groupCard(bad, ' ');
      if (g !== null) add(`${brand} ${len} grouped failing Luhn`, g);
    }
  }
  for (const p of [
    '1',
    '7',
    '8',
    '9',
    '2220',
    '2721',
    '56',
    '33',
    '3510',
    '6010',
    '643',
    '3527',
    '3590',
    '306',
    '6000',
    '6400',
  ]) {
    const body = p + pick(r, '0123456789', 15 - p.length);
    add(`prefix ${p} (no brand), Luhn-valid`, body + luhnDigit(body));
  }
  const amex16 = `34${pick(r, '0123456789', 13)}`;
  add('Amex prefix with 16 digits', amex16 + luhnDigit(amex16));
  const mc15 = `51${pick(r, '0123456789', 12)}`;
  add('Mastercard prefix with 15 digits', mc15 + luhnDigit(mc15));
  const visa = cardNumber(r, 'visa', 16);
  add('mixed separators', `${visa.slice(0, 4)} ${visa.slice(4, 8)}-${visa.slice(8, 12)} ${visa.slice(12)}`);
  add('double separators', `${visa.slice(0, 4)}  ${visa.slice(4, 8)}  ${visa.slice(8, 12)}  ${visa.slice(12)}`);
  add('card inside a longer digit run', `9${visa}`);
  add('card as the tail of a grouped longer number', `1234 ${groupCard(visa, ' ')}`);
  add('card glued to letters', `x${visa}`);
  for (const s of [
    '000-12-3456',
    '666-12-3456',
    '900-12-3456',
    '999-99-9999',
    '123-00-4567',
    '123-45-0000',
    '1-123-45-6789',
    '123456789',
    '123 45 6789',
  ])
    add(`SSN ${s}`, s);
  for (const [cc, len] of IBAN_COUNTRY_LENGTHS.filter((_, i) => i % 3 === 0)) {
    const iban = ibanOf(r, cc, len);
    const wrongCheck = `${iban.slice(0, 2)}${String(((Number(iban.slice(2, 4)) + 1 + r.below(90)) % 97) + 2).padStart(2, '0')}${iban.slice(4)}`;
    if (wrongCheck !== iban) add(`IBAN ${cc} wrong check digits`, wrongCheck);
    add(`IBAN ${cc} one character longer (check digits recomputed)`, ibanOf(r, cc, len + 1));
    add(`IBAN ${cc} one character shorter (check digits recomputed)`, ibanOf(r, cc, len - 1));
    add(`IBAN ${cc} a character changed`, iban.slice(0, 6) + (iban[6] === '1' ? '2' : '1') + iban.slice(7));
  }
  add('IBAN of a country without IBANs, mod-97 valid', ibanOf(r, 'US', 22));
  add('IBAN with mixed separators', 'DE89 3704-0044 0532 0130 00');
  add('GitHub token one short', `ghp_${pick(r, 'abcdefghijklmnopqrstuvwxyz0123456789', 35)}`);
  add('GitHub token one long', `ghp_${pick(r, 'abcdefghijklmnopqrstuvwxyz0123456789', 37)}`);
  const gh = githubClassic(r);
  add('GitHub token with a wrong checksum', gh.slice(0, 10) + (gh[10] === 'a' ? 'b' : 'a') + gh.slice(11));
  add('GitHub token of an unknown kind', `ghx_${gh.slice(4)}`);
  add('AWS key id one short', awsKeyId(r).slice(0, 19));
  add('AWS key id with lower case', `AKIA${pick(r, 'abcdefghijklmnop', 16)}`);
  add("AWS's documentation key id", 'AKIAIOSFODNN7EXAMPLE');
  add("AWS's documentation secret", 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  add('AWS secret placeholder', 'aws_secret_access_key=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  add('AWS secret 41 characters', `aws_secret_access_key=${awsSecret(r)}Q`);
  add('Slack token with a repeated secret', 'xoxb-123456789012-1234567890123-xxxxxxxxxxxxxxxxxxxxxxxx');
  add('Slack token of an unknown kind', slackToken(r).replace('xoxb', 'xoxq'));
  add('PEM header without a body', '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----');
  add('PEM header with a placeholder body', `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----`);
  add('PEM OpenSSH header with a DER body', `${pemKey(r, 'RSA').head.replace(/RSA/, 'OPENSSH')}x`);
  add(
    'PEM public key',
    `-----BEGIN PUBLIC KEY-----\n${Buffer.from([0x30, 0x82, 1, 0x22, ...Array(40).fill(7)]).toString('base64')}\n`,
  );
  add('JWT whose header is not JSON', `${b64url('{"alg":"HS256"')}.${b64url('{"sub":"1"}')}.${pick(r, 'abcdef', 43)}`);
  add('JWT whose header has no alg', `${b64url('{"typ":"JWT"}')}.${b64url('{"sub":"1"}')}.${pick(r, 'abcdef', 43)}`);
  add('JWT whose alg is not a string', `${b64url('{"alg":5}')}.${b64url('{"sub":"1"}')}.${pick(r, 'abcdef', 43)}`);
  add('JWT with two parts', `${b64url('{"alg":"HS256"}')}.${b64url('{"sub":"1"}')}`);
  add('JWT with four parts', `${jwt(r)}.${pick(r, 'abcdef', 10)}`);
  add('JWT header inside a longer base64url run', `abc${jwt(r)}`);
  for (const e of [
    'logo@2x.png',
    'icon@3x.webp',
    'user@localhost',
    'a..b@example.com',
    '.ab@example.com',
    'ab.@example.com',
    'user@example',
    '@example.com',
    'user@-example.com x',
  ])
    add(`e-mail lookalike ${e}`, e);
  add('e-mail with a 65-character local part', `${pick(r, 'abcdefghij', 65)}@example.com`);
  add('e-mail with a 64-character label', `ab@${pick(r, 'abcdefghij', 64)}.com`);
  return out;
}
