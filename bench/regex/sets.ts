/**
 * The pattern sets of the regex benchmark, in Hyperscan's PCRE syntax and flag letters (i caseless, s dotall,
 * m multiline, H single-match, L leftmost start of match), each pattern with a JavaScript equivalent for the
 * V8 baselines.
 *
 * Why a separate `js` form: Node 20's RegExp has no inline flags (`(?i:...)`), and some PCRE escapes mean
 * something else in JavaScript even on a latin1 string, where every byte is one char:
 *   - `\s` is [\t\n\v\f\r ] in PCRE and Hyperscan, but JavaScript adds U+00A0 (byte 0xA0, common in random
 *     and binary data) and more: the JS forms spell the class out (`WS` below);
 *   - `.` without `s` excludes only \n in PCRE, but \n, \r, U+2028 and U+2029 in JavaScript: the JS forms use
 *     `[^\n]`;
 *   - caseless parts of an otherwise case-sensitive pattern are written as `[aA]` classes (`caseless()`).
 * A set has one `jsFlags` for all its JS forms, so that the per-pattern RegExps and the one big alternation
 * mean the same thing: `i` for OWASP (every pattern there is caseless), none for the others.
 * test/bench/regex-sets.test.ts checks each JS form against planted strings and, where native Hyperscan is
 * installed, every match end offset of every pattern against Hyperscan's.
 */
import { Rng } from './prng.js';

export interface BenchPattern {
  /** The id reported with each match (unique across all sets, so sets can be merged). */
  id: number;
  /** A stable short name: the rule family and what it finds (`sqli.union_select`, `dlp.visa`, `intel.domain`). */
  name: string;
  /** Hyperscan PCRE syntax. */
  expression: string;
  /** Hyperscan flag letters. */
  flags: string;
  /** A JavaScript RegExp source that matches exactly what `expression` does, under the set's `jsFlags`. */
  js: string;
  /**
   * For a caseless pattern in a set whose `jsFlags` lack `i`: the same pattern for a RegExp that has `i`
   * (`js` spells every letter as `[aA]`, which irregexp runs far slower; see v8.ts).
   */
  jsCaseless?: string;
}

export interface PatternSet {
  /** Short name used in the benchmark tables. */
  name: string;
  description: string;
  patterns: readonly BenchPattern[];
  /** Flags (besides `g`) for every RegExp built from this set's `js` forms. */
  jsFlags: string;
  /** netsieve's stream databases: bytes of history for leftmost starts (`somHorizon`), when the set has `L`. */
  somHorizon?: number;
}

/** PCRE's `\s` spelled out for JavaScript (see the module comment). */
const WS = String.raw`[\t\n\v\f\r ]`;

/** Escapes a literal for both PCRE and JavaScript RegExp source. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** A literal made caseless without a flag: each ASCII letter becomes a two-letter class (`[aA]`). */
export function caseless(literal: string): string {
  let out = '';
  for (const ch of literal) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out += lower !== upper && /[a-z]/i.test(ch) ? `[${lower}${upper}]` : escapeRegex(ch);
  }
  return out;
}

function pattern(id: number, name: string, expression: string, flags: string, js: string): BenchPattern {
  return { id, name, expression, flags, js };
}

// ---------------------------------------------------------------------------------------------------------------
// OWASP-style WAF rules: what a CRS-like rule set looks for in requests, about half plain literals and half
// regexes. All caseless, because attackers vary case to slip past filters (`UnIoN SeLeCt`). Three "presence"
// rules carry H: a WAF scores a rule once per request, so one report per stream is all it needs.

export const OWASP: readonly BenchPattern[] = [
  // SQL injection
  pattern(101, 'sqli.union_select', String.raw`union(\s+all)?\s+select`, 'i', String.raw`union(?:${WS}+all)?${WS}+select`),
  pattern(102, 'sqli.select_from', String.raw`select\s.{0,40}\sfrom`, 'i', String.raw`select${WS}[^\n]{0,40}${WS}from`),
  pattern(103, 'sqli.or_tautology', String.raw`\bor\s+\d+\s*=\s*\d+`, 'i', String.raw`\bor${WS}+\d+${WS}*=${WS}*\d+`),
  pattern(
    104,
    'sqli.quoted_tautology',
    String.raw`'\s*(or|and)\s+'[^']*'\s*=\s*'`,
    'i',
    String.raw`'${WS}*(?:or|and)${WS}+'[^']*'${WS}*=${WS}*'`,
  ),
  pattern(105, 'sqli.information_schema', 'information_schema', 'iH', 'information_schema'),
  pattern(106, 'sqli.sleep', String.raw`sleep\s*\(`, 'i', String.raw`sleep${WS}*\(`),
  pattern(107, 'sqli.xp_cmdshell', 'xp_cmdshell', 'iH', 'xp_cmdshell'),
  pattern(108, 'sqli.exec_proc', String.raw`\bexec(\s|\+)+(s|x)p\w+`, 'i', String.raw`\bexec(?:${WS}|\+)+[sx]p\w+`),
  // Cross-site scripting
  pattern(111, 'xss.script_tag', '<script', 'i', '<script'),
  pattern(112, 'xss.javascript_uri', 'javascript:', 'i', 'javascript:'),
  pattern(
    113,
    'xss.event_handler',
    String.raw`\bon(error|load|mouseover)\s*=`,
    'i',
    String.raw`\bon(?:error|load|mouseover)${WS}*=`,
  ),
  pattern(114, 'xss.document_cookie', String.raw`document\.cookie`, 'i', String.raw`document\.cookie`),
  pattern(115, 'xss.iframe_src', String.raw`<iframe[^>]{0,100}\ssrc\s*=`, 'i', String.raw`<iframe[^>]{0,100}${WS}src${WS}*=`),
  // Path traversal and local file inclusion
  pattern(121, 'lfi.dot_dot_slash', String.raw`\.\./`, 'i', String.raw`\.\./`),
  pattern(122, 'lfi.encoded_dot_dot_slash', '%2e%2e%2f', 'i', '%2e%2e%2f'),
  pattern(123, 'lfi.etc_passwd', '/etc/passwd', 'iH', '/etc/passwd'),
  // Command injection
  pattern(
    131,
    'rce.shell_command',
    String.raw`;\s*(cat|wget|curl|bash|nc)\b`,
    'i',
    String.raw`;${WS}*(?:cat|wget|curl|bash|nc)\b`,
  ),
  pattern(132, 'rce.cmd_exe', String.raw`cmd\.exe`, 'i', String.raw`cmd\.exe`),
  pattern(133, 'rce.bin_sh', '/bin/sh', 'i', '/bin/sh'),
  pattern(134, 'rce.log4shell', String.raw`\$\{jndi:(ldap|rmi|dns)://`, 'i', String.raw`\$\{jndi:(?:ldap|rmi|dns)://`),
  // PHP and code injection
  pattern(141, 'php.open_tag', String.raw`<\?php`, 'i', String.raw`<\?php`),
  pattern(142, 'php.base64_decode', String.raw`base64_decode\(`, 'i', String.raw`base64_decode\(`),
  pattern(143, 'php.eval', String.raw`eval\(`, 'i', String.raw`eval\(`),
];

// ---------------------------------------------------------------------------------------------------------------
// Data-loss prevention: secrets and personal data leaving in requests or responses. Case-sensitive (token
// formats are), with L on every pattern: a DLP engine must know where the secret starts to redact it.

const CARD_SEP = '[ -]?';

export const DLP: readonly BenchPattern[] = [
  ((e: string) => pattern(201, 'dlp.visa', e, 'L', e))(String.raw`\b4\d{3}${CARD_SEP}\d{4}${CARD_SEP}\d{4}${CARD_SEP}\d{4}\b`),
  pattern(
    202,
    'dlp.mastercard',
    String.raw`\b(5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)${CARD_SEP}\d{4}${CARD_SEP}\d{4}${CARD_SEP}\d{4}\b`,
    'L',
    String.raw`\b(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)${CARD_SEP}\d{4}${CARD_SEP}\d{4}${CARD_SEP}\d{4}\b`,
  ),
  ((e: string) => pattern(203, 'dlp.amex', e, 'L', e))(String.raw`\b3[47]\d{2}${CARD_SEP}\d{6}${CARD_SEP}\d{5}\b`),
  ((e: string) => pattern(204, 'dlp.us_ssn', e, 'L', e))(String.raw`\b\d{3}-\d{2}-\d{4}\b`),
  ((e: string) => pattern(205, 'dlp.email', e, 'L', e))(String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}\b`),
  ((e: string) => pattern(206, 'dlp.aws_access_key_id', e, 'L', e))(String.raw`\bAKIA[0-9A-Z]{16}\b`),
  pattern(
    207,
    'dlp.aws_secret_assignment',
    String.raw`(?i:aws_?secret_?(access_?)?key)["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}["'\s]`,
    'L',
    String.raw`${caseless('aws')}_?${caseless('secret')}_?(?:${caseless('access')}_?)?${caseless('key')}["']?${WS}*[:=]${WS}*["']?[A-Za-z0-9/+]{40}["'\t\n\v\f\r ]`,
  ),
  ((e: string) => pattern(208, 'dlp.github_token', e, 'L', e))(String.raw`\bgh[pousr]_[A-Za-z0-9]{36}\b`),
  pattern(
    209,
    'dlp.slack_token',
    String.raw`\bxox[baprs]-\d{10,13}-\d{10,13}(-[A-Za-z0-9]{24,32})?\b`,
    'L',
    String.raw`\bxox[baprs]-\d{10,13}-\d{10,13}(?:-[A-Za-z0-9]{24,32})?\b`,
  ),
  pattern(
    210,
    'dlp.private_key',
    '-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----',
    'L',
    '-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----',
  ),
  ((e: string) => pattern(211, 'dlp.jwt', e, 'L', e))(
    String.raw`eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`,
  ),
  pattern(
    212,
    'dlp.iban',
    String.raw`\b(DE|GB|FR|ES|IT|NL|BE|CH|AT|PL)\d{2}( ?[A-Z0-9]{4}){3,7}( ?[A-Z0-9]{1,3})?\b`,
    'L',
    String.raw`\b(?:DE|GB|FR|ES|IT|NL|BE|CH|AT|PL)\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b`,
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// A threat-intelligence blocklist of 1,200 literals, generated from a seed out of realistic parts: phishing and
// C2 domains, known-bad URL paths that scanners and exploit kits request, scanner and malware user agents,
// suspicious command lines, webshell file names. Caseless where the thing itself is (DNS names, Windows
// command lines, file names on IIS), case-sensitive where it is not (URL paths, user agents).

const BRANDS = [
  'paypal',
  'apple',
  'icloud',
  'microsoft',
  'office365',
  'outlook',
  'netflix',
  'amazon',
  'dhl',
  'fedex',
  'usps',
  'chase',
  'wellsfargo',
  'bankofamerica',
  'coinbase',
  'binance',
  'metamask',
  'steam',
  'discord',
  'instagram',
  'facebook',
  'linkedin',
  'dropbox',
  'docusign',
  'adobe',
  'google',
  'yahoo',
  'verizon',
  'irs',
  'hmrc',
];
const BAIT = [
  'login',
  'secure',
  'verify',
  'account',
  'update',
  'support',
  'billing',
  'signin',
  'auth',
  'wallet',
  'recovery',
  'confirm',
  'service',
  'alert',
  'unlock',
  'payment',
  'invoice',
  'delivery',
  'track',
  'helpdesk',
  'portal',
  'id',
];
const BAD_TLDS = [
  'xyz',
  'top',
  'club',
  'online',
  'site',
  'info',
  'ru',
  'cn',
  'tk',
  'ml',
  'ga',
  'cf',
  'gq',
  'work',
  'live',
  'icu',
  'buzz',
  'shop',
  'su',
  'biz',
  'pw',
  'cc',
  'ws',
  'link',
  'monster',
  'rest',
  'cyou',
  'sbs',
];
const LEGIT_TLDS = ['com', 'net', 'org', 'co', 'io'];
const C2_WORDS = [
  'cdn',
  'static',
  'update',
  'sync',
  'telemetry',
  'api',
  'metrics',
  'img',
  'files',
  'dl',
  'get',
  'node',
  'edge',
  'cache',
  'mirror',
  'push',
  'ns1',
  'mail',
];
const SYLLABLES = [
  'ka',
  'lo',
  've',
  'ri',
  'mu',
  'za',
  'to',
  'ne',
  'qu',
  'xi',
  'bo',
  'da',
  'fe',
  'gi',
  'ho',
  'ju',
  'ly',
  'pa',
  'so',
  'wu',
  'ce',
  'ny',
];

function typosquat(rng: Rng, brand: string): string {
  switch (rng.below(5)) {
    case 0:
      return brand.replace('l', '1') !== brand ? brand.replace('l', '1') : brand.replace('o', '0');
    case 1:
      return brand.replace('o', '0') !== brand ? brand.replace('o', '0') : `${brand}s`;
    case 2:
      return brand.replace('m', 'rn') !== brand ? brand.replace('m', 'rn') : brand.replace('i', 'l');
    case 3: {
      const i = rng.between(1, brand.length - 1);
      return brand.slice(0, i) + brand[i - 1] + brand.slice(i);
    }
    default: {
      const i = rng.between(1, brand.length - 2);
      return brand.slice(0, i) + brand.slice(i + 1);
    }
  }
}

function domain(rng: Rng): string {
  switch (rng.below(6)) {
    case 0:
      return `${rng.pick(BAIT)}-${rng.pick(BRANDS)}.${rng.pick(BAD_TLDS)}`;
    case 1:
      return `${rng.pick(BRANDS)}-${rng.pick(BAIT)}${rng.below(100)}.${rng.pick(BAD_TLDS)}`;
    case 2:
      return `${rng.pick(BRANDS)}.${rng.pick(BAIT)}-${rng.pick(BAIT)}.${rng.pick(BAD_TLDS)}`;
    case 3: {
      let name = '';
      for (let i = rng.between(3, 6); i > 0; i--) name += rng.pick(SYLLABLES);
      return `${rng.pick(C2_WORDS)}.${name}.${rng.pick(BAD_TLDS)}`;
    }
    case 4:
      return `${typosquat(rng, rng.pick(BRANDS))}.${rng.pick(LEGIT_TLDS)}`;
    default: {
      let name = '';
      for (let i = rng.between(4, 7); i > 0; i--) name += rng.pick(SYLLABLES);
      return `${name}.${rng.pick(BAD_TLDS)}`;
    }
  }
}

const KNOWN_BAD_PATHS = [
  '/.env',
  '/.git/config',
  '/.aws/credentials',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/boaform/admin/formLogin',
  '/HNAP1/',
  '/actuator/gateway/routes',
  '/solr/admin/cores?action=',
  '/owa/auth/x.js',
  '/autodiscover/autodiscover.json',
  '/remote/fgt_lang?lang=',
  '/GponForm/diag_Form',
  '/shell?cd+/tmp',
  '/mgmt/tm/util/bash',
  '/api/jsonws/invoke',
  '/wls-wsat/CoordinatorPortType',
  '/manager/html',
  '/phpmyadmin/setup/index.php',
  '/_ignition/execute-solution',
  '/xmlrpc.php?rsd',
  '/setup.cgi?next_file=netgear.cfg',
  '/tmUnblock.cgi',
  '/hudson/script',
  '/jenkins/script',
  '/cgi-bin/luci/;stok=/locale',
  '/cgi-bin/php-cgi',
  '/cgi-bin/test-cgi',
  '/cgi-bin/ViewLog.asp',
  '/cgi-bin/webproc',
  '/Telerik.Web.UI.WebResource.axd',
  '/dana-na/../dana/html5acc',
  '/vpn/../vpns/cfg/smb.conf',
  '/ecp/Current/exporttool',
  '/mifs/.;/services/LogService',
  '/api/v1/totp/user-backup-code',
  '/wp-admin/admin-ajax.php?action=revslider_show_image',
];
const WP_PLUGINS = [
  'revslider',
  'wp-file-manager',
  'formcraft',
  'duplicator',
  'wp-symposium',
  'gravityforms',
  'elementor-pro',
  'ultimate-member',
  'wp-fastest-cache',
  'easy-wp-smtp',
  'wp-automatic',
  'backup-guard',
];
const WP_FILES = [
  'readme.txt',
  'lib/php/connector.minimal.php',
  'upload.php',
  'ajax.php',
  'temp/update.php',
  'inc/admin.php',
  'installer.php',
  'core.php',
];
const DROP_DIRS = [
  '/uploads',
  '/images',
  '/tmp',
  '/assets',
  '/wp-content/uploads',
  '/media',
  '/files',
  '/cache',
  '/.well-known',
  '/admin',
];

function badPath(rng: Rng): string {
  switch (rng.below(4)) {
    case 0:
      return rng.pick(KNOWN_BAD_PATHS);
    case 1:
      return `/wp-content/plugins/${rng.pick(WP_PLUGINS)}/${rng.pick(WP_FILES)}`;
    case 2:
      return `${rng.pick(DROP_DIRS)}/${webshellName(rng)}`;
    default:
      return `${rng.pick(DROP_DIRS)}/${rng.between(2019, 2025)}/${String(rng.between(1, 12)).padStart(2, '0')}/${webshellName(rng)}`;
  }
}

const SCANNERS = [
  (rng: Rng) => `sqlmap/1.${rng.between(2, 8)}.${rng.between(1, 12)}#stable`,
  (rng: Rng) => `Nikto/2.${rng.between(1, 5)}.${rng.between(0, 6)}`,
  (rng: Rng) => `masscan/1.${rng.between(0, 3)}`,
  () => 'zgrab/0.x',
  (rng: Rng) => `WPScan v3.8.${rng.between(1, 25)}`,
  (rng: Rng) => `Hydra v9.${rng.between(0, 5)}`,
  (rng: Rng) => `gobuster/3.${rng.between(0, 6)}.${rng.between(0, 3)}`,
  (rng: Rng) => `DirBuster-1.0-RC${rng.between(1, 2)}`,
  (rng: Rng) => `Fuzz Faster U Fool v1.${rng.between(0, 5)}.${rng.between(0, 2)}`,
  (rng: Rng) => `Nuclei/v2.${rng.between(5, 9)}.${rng.between(0, 9)}`,
  () => 'Nmap Scripting Engine',
  () => 'Morfeus Fucking Scanner',
  () => 'ZmEu',
  (rng: Rng) => `libwww-perl/6.${rng.between(10, 72)}`,
  (rng: Rng) => `Mozilla/5.0 (compatible; Nimbostratus-Bot/v1.${rng.between(0, 3)}.${rng.between(0, 9)}`,
  (rng: Rng) =>
    `${rng.pick(['Hello', 'Mozila', 'Mozilla/4.0 (compatible; Win32; WinHttp', 'Go-http-client/1.1 ', 'python-urllib3/'])}${rng.between(1, 99)}`,
];
const MALWARE = [
  'AgentTesla',
  'Lokibot',
  'FormBook',
  'AZORult',
  'RedLine',
  'Raccoon',
  'Vidar',
  'IcedID',
  'Ursnif',
  'QakBot',
  'TrickBot',
  'Emotet',
  'Mirai',
  'Gafgyt',
  'Mozi',
  'XMRig',
  'Kinsing',
  'Sliver',
];

function userAgent(rng: Rng): string {
  if (rng.chance(0.55)) return rng.pick(SCANNERS)(rng);
  const family = rng.pick(MALWARE);
  switch (rng.below(4)) {
    case 0:
      return `${family}/${rng.between(1, 9)}.${rng.between(0, 30)}`;
    case 1:
      return `Mozilla/4.0 (compatible; ${family} ${rng.between(1, 5)}.${rng.between(0, 9)})`;
    case 2:
      return `${family.toLowerCase()}-agent/${rng.between(1, 4)}.${rng.between(0, 9)}.${rng.between(0, 9)}`;
    default:
      return `${family}Bot ${rng.between(1, 9)}.${rng.between(0, 9)} (${rng.pick(['x86_64', 'mips', 'arm7', 'i686', 'aarch64'])})`;
  }
}

function badIp(rng: Rng): string {
  // Addresses in ranges that show up in abuse feeds; generated, not real indicators.
  return `${rng.pick([45, 91, 103, 141, 176, 185, 193, 194, 195, 212])}.${rng.between(1, 254)}.${rng.between(0, 255)}.${rng.between(1, 254)}`;
}
const BIN_NAMES = [
  'mips',
  'mpsl',
  'arm7',
  'x86',
  'sora.sh',
  'bins.sh',
  'wget.sh',
  'kinsing',
  'xmrig',
  'kdevtmpfsi',
  'dbused',
  '.x',
  'lol',
  'update.sh',
  'ssh.sh',
];

function commandLine(rng: Rng): string {
  switch (rng.below(14)) {
    case 0:
      return `powershell ${rng.pick(['-nop -w hidden -enc', '-NoP -NonI -W Hidden -Exec Bypass', '-ep bypass -c iex', '-w hidden -c IEX('])}`;
    case 1:
      return `IEX (New-Object Net.WebClient).${rng.pick(['DownloadString', 'DownloadFile', 'DownloadData'])}`;
    case 2:
      return `certutil ${rng.pick(['-urlcache -split -f http', '-urlcache -f http', '-decode', '-decodehex'])}`;
    case 3:
      return `bitsadmin /transfer ${rng.pick(['job', 'update', 'myjob', 'svc'])}${rng.below(100)}`;
    case 4:
      return `${rng.pick(['mshta vbscript:', 'mshta javascript:', 'mshta http://', 'rundll32.exe javascript:', 'regsvr32 /s /n /u /i:http'])}`;
    case 5:
      return `${rng.pick(['vssadmin delete shadows /all /quiet', 'wmic shadowcopy delete', 'bcdedit /set {default} recoveryenabled no', 'wbadmin delete catalog -quiet'])}`;
    case 6:
      return `schtasks /create /sc ${rng.pick(['minute', 'onlogon', 'hourly'])} /tn ${rng.pick(['Updater', 'GoogleUpdateTask', 'MicrosoftEdgeUpd', 'SysMon'])}${rng.below(10)}`;
    case 7:
      return `net user ${rng.pick(['admin', 'support', 'backup', 'svc_'])}${rng.below(100)} /add`;
    case 8:
      return `wget http://${badIp(rng)}/${rng.pick(BIN_NAMES)}`;
    case 9:
      return `curl -${rng.pick(['fsSL', 's', 'sk', 'o /tmp/.x'])} http://${badIp(rng)}/${rng.pick(BIN_NAMES)}`;
    case 10:
      return `chmod ${rng.pick(['777', '+x', '755'])} /tmp/${rng.pick(BIN_NAMES)}`;
    case 11:
      return `/dev/tcp/${badIp(rng)}/${rng.pick([4444, 1337, 8080, 9001, 443, 53])}`;
    case 12:
      return `nc -e /bin/${rng.pick(['sh', 'bash'])} ${badIp(rng)}`;
    default:
      return `${rng.pick(['busybox wget', 'tftp -g -r', 'cd /tmp; wget', 'cd /tmp || cd /var/run'])} ${rng.pick(BIN_NAMES)}`;
  }
}

const SHELL_NAMES = [
  'c99',
  'r57',
  'wso',
  'b374k',
  'alfa',
  'indoxploit',
  'mini',
  'shell',
  'cmd',
  'up',
  'uploader',
  'bypass',
  'priv8',
  'leafmailer',
  'marijuana',
  'adminer',
  '0byte',
  'symlink',
  'madspot',
  'sadrazam',
  'chinachopper',
  'antsword',
  'godzilla',
  'behinder',
  'reGeorg',
  'tunnel',
];
const SHELL_SUFFIXES = ['', '2', '_v2', '1337', '-2023', '.min', 'x', '_bak', '0', 'new'];
const SHELL_EXTS = ['.php', '.php5', '.phtml', '.aspx', '.asp', '.jsp', '.jspx', '.cfm', '.php.jpg', '.ashx'];

function webshellName(rng: Rng): string {
  return `${rng.pick(SHELL_NAMES)}${rng.pick(SHELL_SUFFIXES)}${rng.pick(SHELL_EXTS)}`;
}

/** What the blocklist holds, how much of each, and whether it is caseless. */
const INTEL_KINDS = [
  { name: 'intel.domain', count: 500, caseless: true, make: domain },
  { name: 'intel.url_path', count: 230, caseless: false, make: badPath },
  { name: 'intel.user_agent', count: 140, caseless: false, make: userAgent },
  { name: 'intel.command_line', count: 180, caseless: true, make: commandLine },
  { name: 'intel.webshell', count: 150, caseless: true, make: webshellName },
] as const;

export const LITERALS_SEED = 0x1b10c;

/**
 * The blocklist, generated from `seed`: 1,200 literals, distinct even when compared caselessly (a caseless
 * `Foo` and a case-sensitive `foo` would report the same bytes twice).
 */
export function generateLiterals(seed = LITERALS_SEED, firstId = 10_001): BenchPattern[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: BenchPattern[] = [];
  for (const kind of INTEL_KINDS) {
    let made = 0;
    for (let attempts = 0; made < kind.count; attempts++) {
      if (attempts > kind.count * 50) throw new Error(`generateLiterals: cannot make ${kind.count} distinct ${kind.name}`);
      const literal = kind.make(rng);
      const key = literal.toLowerCase();
      if (literal.length < 4 || seen.has(key)) continue;
      seen.add(key);
      const expression = escapeRegex(literal);
      const p = pattern(
        firstId + out.length,
        kind.name,
        expression,
        kind.caseless ? 'i' : '',
        kind.caseless ? caseless(literal) : expression,
      );
      if (kind.caseless) p.jsCaseless = expression;
      out.push(p);
      made++;
    }
  }
  return out;
}

export const LITERALS_1000: readonly BenchPattern[] = generateLiterals();

/** The literal text of a literal-set pattern (the expression with its escapes removed). */
export function literalText(p: BenchPattern): string {
  return p.expression.replace(/\\(.)/g, '$1');
}

/**
 * The DLP rules for detection only (no `L`): what a DPI engine runs on every byte, asking for the start of
 * a match only when it must redact one. Ids 100 above DLP's.
 */
export const DLP_DETECT: readonly BenchPattern[] = DLP.map((p) => ({ ...p, id: p.id + 100, flags: p.flags.replace('L', '') }));

export const SETS: readonly PatternSet[] = [
  {
    name: 'OWASP',
    description: `${OWASP.length} WAF rules (SQLi, XSS, traversal, command injection, Log4Shell, PHP), caseless`,
    patterns: OWASP,
    jsFlags: 'i',
  },
  {
    name: 'DLP',
    description: `${DLP.length} data-loss rules (cards, SSN, e-mail, cloud and API tokens, keys, JWT, IBAN), leftmost start`,
    patterns: DLP,
    jsFlags: '',
    somHorizon: 512,
  },
  {
    name: 'DLP_DETECT',
    description: `the same ${DLP.length} data-loss rules without leftmost start (detection)`,
    patterns: DLP_DETECT,
    jsFlags: '',
  },
  {
    name: 'LITERALS_1000',
    description: `${LITERALS_1000.length} threat-intel literals (domains, URL paths, user agents, command lines, webshells), ${LITERALS_1000.filter((p) => p.flags.includes('i')).length} caseless`,
    patterns: LITERALS_1000,
    jsFlags: '',
  },
];

/**
 * One pattern's own V8 RegExp: global unless single-match (H), with `i` and the short `jsCaseless` form when the
 * pattern is caseless and has one (a RegExp per pattern can carry its own flags), else `js` under the set's flags.
 */
export function jsRegExp(p: BenchPattern, set: PatternSet): RegExp {
  const g = p.flags.includes('H') ? '' : 'g';
  if (p.jsCaseless !== undefined && !set.jsFlags.includes('i')) return new RegExp(p.jsCaseless, `${g}i${set.jsFlags}`);
  return new RegExp(p.js, g + set.jsFlags);
}

/**
 * One alternative of an alternation: bare when the source has no `|` (concatenation binds tighter, so it means
 * the same), else in a group. Bare matters: irregexp recognises an alternation of plain literals and scans it
 * some hundred times faster than the same literals each wrapped in `(?:...)`.
 */
function alternative(source: string): string {
  return source.includes('|') ? `(?:${source})` : source;
}

/** The whole set as one alternation (the classic "one big regex" approach), global, under the set's flags. */
export function jsAlternation(set: PatternSet): RegExp {
  return new RegExp(set.patterns.map((p) => alternative(p.js)).join('|'), `g${set.jsFlags}`);
}

/**
 * The set as one alternation per case mode: the caseless patterns that have a `jsCaseless` form in a RegExp
 * with `i`, the others in one without; what a JavaScript programmer does once the one big RegExp with `[aA]`
 * classes proves slow. Null when the set has no such patterns (then it is `jsAlternation`).
 */
export function jsAlternationsByCase(set: PatternSet): RegExp[] | null {
  if (set.jsFlags.includes('i')) return null;
  const caseless = set.patterns.filter((p) => p.jsCaseless !== undefined);
  if (caseless.length === 0) return null;
  const rest = set.patterns.filter((p) => p.jsCaseless === undefined);
  const out = [new RegExp(caseless.map((p) => alternative(p.jsCaseless!)).join('|'), `gi${set.jsFlags}`)];
  if (rest.length > 0) out.push(new RegExp(rest.map((p) => alternative(p.js)).join('|'), `g${set.jsFlags}`));
  return out;
}
