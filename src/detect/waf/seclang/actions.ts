/**
 * Action lists (`"id:1,phase:2,t:none,msg:'a, b',setvar:'tx.x=+%{tx.y}'"`): split into actions in order, and
 * the tables of the action, `ctl` and transformation names netsieve accepts.
 *
 * Splitting, as ModSecurity reads an action list: actions are separated by commas; a value that starts with a
 * single quote runs to the closing quote (commas and colons inside are part of it, `\'` is a quote and other
 * backslashes are kept); an unquoted value runs to the next comma. Only the first colon separates the name
 * from the value (`ctl:ruleRemoveTargetById=942100;ARGS:foo`).
 */
import { SecLangError } from './lexer.js';
import type { SecAction } from './model.js';

/** Splits an action list. Throws SecLangError on an unclosed quote or text after a closing quote. */
export function splitActions(text: string): SecAction[] {
  const out: SecAction[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && text[j] !== ':' && text[j] !== ',') j++;
    const name = text.slice(i, j).trim();
    if (name === '') throw new SecLangError('actions', 'an action without a name');
    if (j >= n || text[j] === ',') {
      out.push({ name, value: null });
      i = j + 1;
      continue;
    }
    j++; // the colon
    while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
    if (text[j] === "'") {
      let value = '';
      let k = j + 1;
      let closed = false;
      while (k < n) {
        const c = text[k]!;
        if (c === '\\' && k + 1 < n) {
          value += text[k + 1] === "'" ? "'" : c + text[k + 1];
          k += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          k++;
          break;
        }
        value += c;
        k++;
      }
      if (!closed) throw new SecLangError(name, `${name}: the quoted value is not closed`);
      while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
      if (k < n && text[k] !== ',') throw new SecLangError(name, `${name}: text after the closing quote`);
      out.push({ name, value });
      i = k + 1;
      continue;
    }
    let k = j;
    while (k < n && text[k] !== ',') k++;
    out.push({ name, value: text.slice(j, k).trim() });
    i = k + 1;
  }
  return out;
}

/** Action names netsieve accepts, by ModSecurity's spelling (matched case-insensitively). */
export const ACTIONS: readonly string[] = [
  'id',
  'phase',
  'msg',
  'logdata',
  'tag',
  'severity',
  'ver',
  'rev',
  'maturity',
  'accuracy',
  'block',
  'deny',
  'pass',
  'allow',
  'drop',
  'redirect',
  'status',
  'capture',
  'setvar',
  'expirevar',
  'initcol',
  'chain',
  'skipAfter',
  'skip',
  'ctl',
  'multiMatch',
  't',
  'log',
  'nolog',
  'auditlog',
  'noauditlog',
];

/** Lower-case name to ModSecurity's spelling. */
export const ACTION_NAMES: ReadonlyMap<string, string> = new Map(ACTIONS.map((a) => [a.toLowerCase(), a]));

/** `ctl:` options accepted (the ones CRS and common exclusion packages use). */
export const CTL_NAMES: ReadonlyMap<string, string> = new Map(
  [
    'ruleEngine',
    'ruleRemoveById',
    'ruleRemoveByTag',
    'ruleRemoveTargetById',
    'ruleRemoveTargetByTag',
    'requestBodyProcessor',
    'requestBodyAccess',
    'forceRequestBodyVariable',
    'auditEngine',
    'auditLogParts',
    'debugLogLevel',
  ].map((c) => [c.toLowerCase(), c]),
);

/**
 * ModSecurity v3's transformation names (`t:`), spelled as it spells them. The loader accepts these names; the
 * transformations themselves live in `../transforms/`.
 */
export const TRANSFORMATIONS: readonly string[] = [
  'none',
  'base64Decode',
  'base64DecodeExt',
  'base64Encode',
  'cmdLine',
  'compressWhitespace',
  'cssDecode',
  'escapeSeqDecode',
  'hexDecode',
  'hexEncode',
  'htmlEntityDecode',
  'jsDecode',
  'length',
  'lowercase',
  'md5',
  'normalizePath',
  'normalisePath',
  'normalizePathWin',
  'normalisePathWin',
  'parityEven7bit',
  'parityOdd7bit',
  'parityZero7bit',
  'removeComments',
  'removeCommentsChar',
  'removeNulls',
  'removeWhitespace',
  'replaceComments',
  'replaceNulls',
  'sha1',
  'sqlHexDecode',
  'trim',
  'trimLeft',
  'trimRight',
  'uppercase',
  'urlDecode',
  'urlDecodeUni',
  'urlEncode',
  'utf8toUnicode',
];

export const TRANSFORMATION_NAMES: ReadonlyMap<string, string> = new Map(TRANSFORMATIONS.map((t) => [t.toLowerCase(), t]));

/** Severity names to syslog levels, as ModSecurity maps them. */
export const SEVERITIES: ReadonlyMap<string, number> = new Map([
  ['emergency', 0],
  ['alert', 1],
  ['critical', 2],
  ['error', 3],
  ['warning', 4],
  ['notice', 5],
  ['info', 6],
  ['debug', 7],
]);

/** Disruptive actions. */
export const DISRUPTIVE: ReadonlySet<string> = new Set(['block', 'deny', 'pass', 'allow', 'drop', 'redirect']);
