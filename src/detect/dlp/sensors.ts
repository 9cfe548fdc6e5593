/**
 * The DLP sensors: for each kind of sensitive value, regexes in the engine's syntax that find candidates
 * (with `L`, so the start is known), a validator that decides on the candidate's bytes, and a masker that
 * renders it without the secret part. `scanner.ts` compiles and runs them; `validators.ts` holds the checks.
 *
 * How a match ends. Most patterns end at a `\b` after the value. Where a value's last character may be
 * one `\b` does not see (a `-` in base64url) or a run could end at several `\b`s (the labels of a domain),
 * the pattern instead ends with one terminator byte that cannot continue the value, or at the end of
 * the data (`\z`): the value then has exactly one end, and the scanner trims the terminator (and an
 * e-mail's sentence-final dot before it; `coreEnd` says which bytes the value itself may end with). The regex engine decides `\b` and `\z` at a chunk's end
 * when the next chunk or the close arrives, so both forms give the same findings whatever the split.
 *
 * Every candidate is bounded (`maxLength`): the scanner keeps that many bytes of each stream to
 * validate with, and drops a longer candidate in every mode (block and stream alike, so the two agree).
 */
import {
  maskAwsKeyId,
  maskAwsSecret,
  maskCard,
  maskEmail,
  maskGithubToken,
  maskIban,
  maskJwt,
  maskPrivateKey,
  maskSlackToken,
  maskSsn,
  validAwsKeyId,
  validAwsSecret,
  validCard,
  validEmail,
  validGithubToken,
  validIban,
  validJwt,
  validPrivateKey,
  validSlackToken,
  validSsn,
} from './validators.js';

export interface DlpPattern {
  /** In the regex engine's syntax (Hyperscan's PCRE subset). */
  expression: string;
  /** Engine flags; always holds `L` (the start is needed to validate and mask). */
  flags: string;
  /**
   * Set when the pattern ends with a terminator (one byte that cannot continue the value, or the data's
   * end): the characters the value itself may end with, as a regex class body. The scanner trims the
   * match's trailing bytes outside this class (at most two).
   */
  coreEnd?: string;
}

export interface DlpSensor {
  name: string;
  description: string;
  patterns: readonly DlpPattern[];
  /** The longest candidate (bytes, terminator included) the sensor validates; longer ones are dropped. */
  maxLength: number;
  /**
   * Decides on the candidate `b[s..e)`. `ctx` bytes before `s` are available (0 to 2; 0 at the data's
   * start) for checks that the value is not the tail of a longer one. Never throws.
   */
  validate(b: Uint8Array, s: number, e: number, ctx: number): boolean;
  /** The candidate masked: never more of it than the sensor's description says. */
  mask(b: Uint8Array, s: number, e: number): string;
}

/** A card separator: space, dash, `+` (a space in form encoding) or `%20`. */
const SEP = '(?:[ +\\-]|%20)';
/** An IBAN's group separator: a space, or '+' or '%20' when form- or URL-encoded. */
const IBAN_SEP = '(?: |\\+|%20)';
/** A space in a PEM header line, also form- or URL-encoded. */
const PEM_SP = '(?: |\\+|%20)';
/** A line break in a PEM block: raw, escaped inside a JSON or code string, or URL-encoded. */
const PEM_NL = '(?:\\r?\\n|\\\\r\\\\n|\\\\n|%0[dD]%0[aA]|%0[aA])';
/** A domain label: letters, digits and inner hyphens. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?';
/** An e-mail's local part (`%` for URL-encoded characters in it). */
const EMAIL_LOCAL = '[A-Za-z0-9._%+\\-]+';
/** An e-mail's domain and its terminator: a byte that cannot continue it, a final dot and such a byte, or the end. */
const EMAIL_DOMAIN = `(?:${LABEL}\\.)+[A-Za-z]{2,24}(?:[^A-Za-z0-9.\\-]|\\.(?:[^A-Za-z0-9\\-]|\\z)|\\z)`;

export const DLP_SENSORS: readonly DlpSensor[] = [
  {
    name: 'credit_card',
    description:
      'payment card numbers of Visa, Mastercard (incl. 2221-2720), Amex, Discover, JCB, Diners and UnionPay: 13-19 digits, ' +
      "bare or in the brand's grouping (4-4-4-4, Amex 4-6-5, Diners 4-6-4) with one kind of separator (space, dash, " +
      "'+', %20), in the brand's range and length, Luhn-valid. Masked to the last four digits: ************1111",
    patterns: [
      { expression: `\\b[2-6]\\d{12,18}\\b`, flags: 'L' },
      { expression: `\\b[2-6]\\d{3}${SEP}\\d{4}${SEP}\\d{4}${SEP}\\d{4}\\b`, flags: 'L' },
      { expression: `\\b3[47]\\d{2}${SEP}\\d{6}${SEP}\\d{5}\\b`, flags: 'L' },
      { expression: `\\b3[0689]\\d{2}${SEP}\\d{6}${SEP}\\d{4}\\b`, flags: 'L' },
    ],
    maxLength: 19 + 3 * 3,
    validate: validCard,
    mask: maskCard,
  },
  {
    name: 'us_ssn',
    description:
      'US Social Security numbers written AAA-GG-SSSS (area not 000, 666 or 900-999, group not 00, serial not 0000); ' +
      'bare nine digits are not taken (ZIP+4 codes, order and account numbers look the same). Masked: ***-**-6789',
    patterns: [{ expression: '\\b\\d{3}-\\d{2}-\\d{4}\\b', flags: 'L' }],
    maxLength: 11,
    validate: validSsn,
    mask: maskSsn,
  },
  {
    name: 'iban',
    description:
      "IBANs of every registry country (upper case; compact or in groups of four separated by single spaces, '+' or %20): the country's " +
      'length and ISO 7064 mod-97. Masked to the country and the last four characters: DE****************3000',
    patterns: [
      { expression: '\\b[A-Z]{2}\\d{2}[A-Z0-9]{11,30}\\b', flags: 'L' },
      { expression: `\\b[A-Z]{2}\\d{2}(?:${IBAN_SEP}[A-Z0-9]{4}){2,7}(?:${IBAN_SEP}[A-Z0-9]{1,3})?\\b`, flags: 'L' },
    ],
    // The spaced pattern's longest: 4 + 7 groups of %20 and four + %20 and three.
    maxLength: 4 + 7 * (3 + 4) + 3 + 3,
    validate: validIban,
    mask: maskIban,
  },
  {
    name: 'aws_access_key',
    description:
      'AWS access key ids (AKIA long-term, ASIA session; 16 base32 characters; not the documentation example), masked to ' +
      'AKIA************WXYZ; and secret access key assignments (aws_secret_access_key = "<40 characters>", any case), ' +
      'masked to the name and 40 asterisks',
    patterns: [
      { expression: '\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b', flags: 'L' },
      {
        expression:
          '(?i:aws_?secret_?(?:access_?)?key)["\']?[ \\t]{0,4}[:=][ \\t]{0,4}["\']?(?:[A-Za-z0-9/+]|%2[BbFf]){40}(?:[^A-Za-z0-9/+=%]|\\z)',
        flags: 'L',
        coreEnd: 'A-Za-z0-9/+',
      },
    ],
    maxLength: 21 + 2 + 9 + 1 + 3 * 40 + 1,
    validate: (b, s, e, _ctx) => (isKeyId(b, s, e) ? validAwsKeyId(b, s, e) : validAwsSecret(b, s, e)),
    mask: (b, s, e) => (isKeyId(b, s, e) ? maskAwsKeyId(b, s, e) : maskAwsSecret(b, s, e)),
  },
  {
    name: 'github_token',
    description:
      'GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_ and 36 characters) with their CRC-32 checksum verified; ' +
      'fine-grained (github_pat_, 22 + _ + 59 characters) by shape. Masked to the prefix: ghp_****...',
    patterns: [
      { expression: '\\bgh[pousr]_[A-Za-z0-9]{36}\\b', flags: 'L' },
      { expression: '\\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\\b', flags: 'L' },
    ],
    maxLength: 93,
    validate: (b, s, e, _ctx) => validGithubToken(b, s, e),
    mask: maskGithubToken,
  },
  {
    name: 'slack_token',
    description:
      'Slack tokens (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-; one to three numeric parts and a secret part of 20-64 characters ' +
      'that is not one repeated character). Masked to the kind: xoxb-****...',
    patterns: [{ expression: '\\bxox[baprs]-(?:\\d{1,14}-){1,3}[A-Za-z0-9]{20,64}\\b', flags: 'L' }],
    maxLength: 5 + 3 * 15 + 64,
    validate: (b, s, e, _ctx) => validSlackToken(b, s, e),
    mask: maskSlackToken,
  },
  {
    name: 'private_key',
    description:
      'PEM private key blocks (RSA, DSA, EC, OpenSSH, PKCS#8 plain and encrypted, PGP; line breaks raw, JSON-escaped or ' +
      'URL-encoded): the header and the first 40 base64 characters of the body, which must decode to what the kind ' +
      'starts with (a DER sequence, openssh-key-v1, a PGP secret-key packet). Masked to the header line',
    patterns: [
      {
        expression:
          `-----BEGIN${PEM_SP}(?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP)${PEM_SP})?PRIVATE${PEM_SP}KEY(?:${PEM_SP}BLOCK)?-----` +
          `${PEM_NL}(?:[A-Za-z\\-]{1,32}(?::|%3[aA])[ -~]{1,80}${PEM_NL}){0,3}(?:${PEM_NL})?(?:[A-Za-z0-9+/]|%2[BbFf]){40}`,
        flags: 'L',
      },
    ],
    // "-----BEGIN ENCRYPTED PRIVATE KEY BLOCK-----" with %20 spaces, a %0D%0A, three header lines, a line break, 40 base64 characters as %2B.
    maxLength: 51 + 6 + 3 * (32 + 3 + 80 + 6) + 6 + 3 * 40,
    validate: (b, s, e, _ctx) => validPrivateKey(b, s, e),
    mask: maskPrivateKey,
  },
  {
    name: 'jwt',
    description:
      'JSON Web Tokens (header.payload.signature in base64url, the payload starting as a JSON object does) whose header decodes to ' +
      'JSON with a string alg; at most 2048 bytes. Masked to the header: eyJhbGciOiJIUzI1NiJ9.***.***',
    patterns: [
      {
        expression: '\\be[wy][A-Za-z0-9_\\-]{8,}\\.e[wy][A-Za-z0-9_\\-]{2,}\\.[A-Za-z0-9_\\-]*(?:[^A-Za-z0-9_.=\\-]|\\z)',
        flags: 'L',
        coreEnd: 'A-Za-z0-9_.\\-',
      },
    ],
    maxLength: 2048,
    validate: validJwt,
    mask: maskJwt,
  },
  {
    name: 'email',
    description:
      'e-mail addresses (RFC 5321 sizes; @ or %40, the local part perhaps URL-encoded; a letter top-level domain that is not a file extension such as ' +
      'logo@2x.png). Masked to the first character and the domain: j***@example.com',
    patterns: [
      // Two patterns, not `(?:@|%40)`: each then has a selective literal for the prefilter ('%' is common in URLs).
      { expression: `${EMAIL_LOCAL}@${EMAIL_DOMAIN}`, flags: 'L', coreEnd: 'A-Za-z' },
      { expression: `${EMAIL_LOCAL}%40${EMAIL_DOMAIN}`, flags: 'L', coreEnd: 'A-Za-z' },
    ],
    maxLength: 64 + 3 + 253 + 2,
    validate: (b, s, e, _ctx) => validEmail(b, s, e),
    mask: maskEmail,
  },
];

function isKeyId(b: Uint8Array, s: number, e: number): boolean {
  return e - s === 20 && b[s] === 0x41 && b[s + 3] === 0x41 && (b[s + 1] === 0x4b || b[s + 1] === 0x53);
}

/** The sensors' names, in table order. */
export const DLP_SENSOR_NAMES: readonly string[] = DLP_SENSORS.map((s) => s.name);
