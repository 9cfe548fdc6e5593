/**
 * Loading SecLang configuration: files in the order the user gives them (as ModSecurity's `Include`s), each
 * directive parsed on its own so that a bad one costs only itself. The result is the rules in load order, the
 * engine configuration, the refused directives (file, line, rule id, keyword, why) and the engine directives
 * accepted without effect on passive inspection (`ignored`). Nothing here throws on bad input.
 *
 * Order matters as in ModSecurity: SecDefaultAction applies to the rules after it; SecRuleRemoveBy* and
 * SecRuleUpdateTargetBy* change the rules loaded before them (one that matches no earlier rule is refused, so
 * that a misplaced exclusion is seen); a chain is the SecRules that follow a rule with `chain`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitActions } from './actions.js';
import { SecLangError, splitArguments, splitDirectives } from './lexer.js';
import { blankRule, type SecConfig, type SecIgnored, type SecLoadResult, type SecRefusal, type SecRule } from './model.js';
import type { OperatorContext } from './operators.js';
import { idRanges, type PhaseDefaults, parseDefaults, parseRuleText } from './parser.js';
import { parseVariables } from './variables.js';

/** One input: a file to read (`path`), or a text (`text`, reported under `name`, or `path` when given). */
export interface SecInput {
  path?: string;
  text?: string;
  name?: string;
}

export interface SecLoadOptions {
  /** Folder for relative phrase files and Includes of text inputs without a path (default: the working folder). */
  baseDir?: string;
  /** Reads a file, for tests; default `fs.readFileSync(file, 'utf8')`, null when it cannot be read. */
  readFile?: (file: string) => string | null;
  /** Most nested Includes. Default 8. */
  maxIncludeDepth?: number;
}

/** ModSecurity v3's defaults for the engine directives netsieve uses. */
export function defaultConfig(): SecConfig {
  return {
    directives: {},
    ruleEngine: 'Off',
    requestBodyAccess: false,
    responseBodyAccess: false,
    requestBodyLimit: 134217728,
    requestBodyNoFilesLimit: 1048576,
    requestBodyLimitAction: 'Reject',
    requestBodyJsonDepthLimit: 10000,
    argumentsLimit: 1000,
    responseBodyLimit: 524288,
    responseBodyLimitAction: 'Reject',
    responseBodyMimeTypes: ['text/plain', 'text/html'],
    argumentSeparator: '&',
    cookieFormat: 0,
    pcreMatchLimit: 3000,
    pcreMatchLimitRecursion: 1000,
    componentSignatures: [],
  };
}

/** Engine directives without effect on passive inspection: accepted, recorded, listed as ignored. */
const IGNORED_DIRECTIVES: readonly string[] = [
  'SecAuditEngine',
  'SecAuditLog',
  'SecAuditLog2',
  'SecAuditLogParts',
  'SecAuditLogType',
  'SecAuditLogFormat',
  'SecAuditLogStorageDir',
  'SecAuditLogRelevantStatus',
  'SecAuditLogDirMode',
  'SecAuditLogFileMode',
  'SecDebugLog',
  'SecDebugLogLevel',
  'SecTmpDir',
  'SecDataDir',
  'SecUploadDir',
  'SecUploadKeepFiles',
  'SecUploadFileMode',
  'SecUploadFileLimit',
  'SecTmpSaveUploadedFiles',
  'SecStatusEngine',
  'SecUnicodeMapFile',
  'SecCollectionTimeout',
  'SecServerSignature',
  'SecRequestBodyInMemoryLimit',
  'SecXmlExternalEntity',
  'SecWebAppId',
  'SecHttpBlKey',
  'SecGeoLookupDb',
  'SecConnEngine',
];

type Setter = (config: SecConfig, args: string[]) => void;

function onOff(directive: string, v: string | undefined): boolean {
  const s = (v ?? '').toLowerCase();
  if (s === 'on') return true;
  if (s === 'off') return false;
  throw new SecLangError(directive, `${directive}: "${v}" is not On or Off`);
}

function integer(directive: string, v: string | undefined): number {
  if (v === undefined || !/^\d{1,15}$/.test(v.trim()))
    throw new SecLangError(directive, `${directive}: "${v}" is not a non-negative integer`);
  return Number(v.trim());
}

function limitAction(directive: string, v: string | undefined): 'Reject' | 'ProcessPartial' {
  const s = (v ?? '').toLowerCase();
  if (s === 'reject') return 'Reject';
  if (s === 'processpartial') return 'ProcessPartial';
  throw new SecLangError(directive, `${directive}: "${v}" is not Reject or ProcessPartial`);
}

const ENGINE_DIRECTIVES: ReadonlyMap<string, [string, Setter]> = new Map(
  (
    [
      [
        'SecRuleEngine',
        (c, a) => {
          const v = (a[0] ?? '').toLowerCase();
          if (v === 'on') c.ruleEngine = 'On';
          else if (v === 'off') c.ruleEngine = 'Off';
          else if (v === 'detectiononly') c.ruleEngine = 'DetectionOnly';
          else throw new SecLangError('SecRuleEngine', `SecRuleEngine: "${a[0]}" is not On, Off or DetectionOnly`);
        },
      ],
      ['SecRequestBodyAccess', (c, a) => (c.requestBodyAccess = onOff('SecRequestBodyAccess', a[0]))],
      ['SecResponseBodyAccess', (c, a) => (c.responseBodyAccess = onOff('SecResponseBodyAccess', a[0]))],
      ['SecRequestBodyLimit', (c, a) => (c.requestBodyLimit = integer('SecRequestBodyLimit', a[0]))],
      ['SecRequestBodyNoFilesLimit', (c, a) => (c.requestBodyNoFilesLimit = integer('SecRequestBodyNoFilesLimit', a[0]))],
      ['SecRequestBodyLimitAction', (c, a) => (c.requestBodyLimitAction = limitAction('SecRequestBodyLimitAction', a[0]))],
      ['SecRequestBodyJsonDepthLimit', (c, a) => (c.requestBodyJsonDepthLimit = integer('SecRequestBodyJsonDepthLimit', a[0]))],
      ['SecArgumentsLimit', (c, a) => (c.argumentsLimit = integer('SecArgumentsLimit', a[0]))],
      ['SecResponseBodyLimit', (c, a) => (c.responseBodyLimit = integer('SecResponseBodyLimit', a[0]))],
      ['SecResponseBodyLimitAction', (c, a) => (c.responseBodyLimitAction = limitAction('SecResponseBodyLimitAction', a[0]))],
      [
        'SecResponseBodyMimeType',
        (c, a) => {
          const types = a.flatMap((x) => x.split(/\s+/)).filter((x) => x !== '');
          for (const t of types)
            if (!c.responseBodyMimeTypes.includes(t.toLowerCase())) c.responseBodyMimeTypes.push(t.toLowerCase());
        },
      ],
      ['SecResponseBodyMimeTypesClear', (c) => (c.responseBodyMimeTypes = [])],
      [
        'SecArgumentSeparator',
        (c, a) => {
          if (a[0] === undefined || a[0].length !== 1)
            throw new SecLangError('SecArgumentSeparator', 'SecArgumentSeparator: one character');
          c.argumentSeparator = a[0];
        },
      ],
      [
        'SecCookieFormat',
        (c, a) => {
          const v = integer('SecCookieFormat', a[0]);
          if (v > 1) throw new SecLangError('SecCookieFormat', 'SecCookieFormat: 0 or 1');
          c.cookieFormat = v;
        },
      ],
      ['SecPcreMatchLimit', (c, a) => (c.pcreMatchLimit = integer('SecPcreMatchLimit', a[0]))],
      ['SecPcreMatchLimitRecursion', (c, a) => (c.pcreMatchLimitRecursion = integer('SecPcreMatchLimitRecursion', a[0]))],
      [
        'SecComponentSignature',
        (c, a) => {
          if (a[0] === undefined) throw new SecLangError('SecComponentSignature', 'SecComponentSignature: needs a value');
          c.componentSignatures.push(a[0]);
        },
      ],
    ] as [string, Setter][]
  ).map(([n, s]) => [n.toLowerCase(), [n, s]]),
);

const IGNORED: ReadonlyMap<string, string> = new Map(IGNORED_DIRECTIVES.map((d) => [d.toLowerCase(), d]));

const inRanges = (id: number | null, ranges: [number, number][]) =>
  id !== null && ranges.some(([lo, hi]) => id >= lo && id <= hi);

/** The rule id written in a directive's text, for refusals of rules that did not parse. */
function findId(text: string): number | null {
  const m = /[",\s]id\s*:\s*'?(\d{1,10})/.exec(text);
  return m === null ? null : Number(m[1]);
}

/** Whether a refused rule's text asks for a chain (its chained rules are refused with it). */
function mentionsChain(text: string): boolean {
  return /(^|[",\s])chain\s*(,|"|'|$)/.test(text);
}

/**
 * The files of a CRS installation as ModSecurity users include them: `setupFiles` (modsecurity.conf,
 * crs-setup.conf) in the order given, then `rules/*.conf` of `dir` in name order. The `.conf.example` files
 * (REQUEST-900 and RESPONSE-999 exclusion templates) are not loaded, as in a default installation.
 */
export function crsFiles(dir: string, setupFiles: readonly string[] = []): string[] {
  const rulesDir = path.join(dir, 'rules');
  const rules = fs
    .readdirSync(rulesDir)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => path.join(rulesDir, f));
  return [...setupFiles.map((f) => path.resolve(f)), ...rules];
}

function defaultRead(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

interface OpenChain {
  head: SecRule;
  tail: SecRule;
}

/** Loads SecLang inputs in order. Refusals are reported, never thrown. */
export function loadSecLang(inputs: readonly SecInput[], options: SecLoadOptions = {}): SecLoadResult {
  const readFile = options.readFile ?? defaultRead;
  const maxDepth = options.maxIncludeDepth ?? 8;
  const rules: SecRule[] = [];
  const byId = new Map<number, SecRule>();
  const defaults = new Map<number, PhaseDefaults>();
  const refused: SecRefusal[] = [];
  const ignored: SecIgnored[] = [];
  const files: string[] = [];
  const config = defaultConfig();

  const loadText = (text: string, file: string, baseDir: string, depth: number) => {
    const opCtx: OperatorContext = { baseDir, readFile, files };
    let open: OpenChain | null = null;
    // A refused rule that asked for a chain: the SecRules of its chain are refused with it.
    let refusedChainId: number | null | undefined;
    const refuse = (line: number, id: number | null, directive: string, reason: string) =>
      refused.push({ file, line, id, directive, reason });
    const closeOpen = (line: number) => {
      if (open === null) return;
      refuse(open.head.line, open.head.id, 'chain', `the chain of rule ${open.head.id} is not completed (line ${line})`);
      open = null;
    };
    const place = (rule: SecRule) => {
      if (rule.id !== null && byId.has(rule.id)) {
        const prev = byId.get(rule.id)!;
        refuse(rule.line, rule.id, 'id', `duplicate rule id ${rule.id} (first at ${prev.file}:${prev.line})`);
        return;
      }
      if (rule.id !== null) byId.set(rule.id, rule);
      rules.push(rule);
    };
    for (const src of splitDirectives(text)) {
      let name = '';
      try {
        if (src.text.length > 1 << 20) throw new SecLangError('directive', 'the directive is longer than 1 MiB');
        const split = splitArguments(src.text);
        name = split.name;
        const args = split.args;
        const lname = name.toLowerCase();
        const isRule = lname === 'secrule' || lname === 'secaction';
        if (!isRule || lname === 'secaction') {
          if (open !== null) closeOpen(src.line);
          if (lname !== 'secrule') refusedChainId = undefined;
        }
        if (isRule) {
          if (refusedChainId !== undefined && lname === 'secrule') {
            const headId: number | null = refusedChainId;
            if (!mentionsChain(src.text)) refusedChainId = undefined;
            refuse(src.line, headId, 'chain', `part of the chain of refused rule ${headId ?? '(no id)'}`);
            continue;
          }
          const kind = lname === 'secrule' ? 'rule' : 'action';
          const want = kind === 'rule' ? 3 : 1;
          if (args.length !== want && !(kind === 'rule' && args.length === 2 && open !== null))
            throw new SecLangError(name, `${name} takes ${want} argument${want > 1 ? 's' : ''}, not ${args.length}`);
          const actionText = kind === 'rule' ? (args[2] ?? '') : args[0]!;
          let own: ReturnType<typeof splitActions>;
          try {
            own = splitActions(actionText);
          } catch (e) {
            if (open === null && mentionsChain(src.text)) refusedChainId = findId(src.text);
            throw e;
          }
          const openNow: OpenChain | null = open;
          try {
            const parsed = parseRuleText(
              kind === 'rule'
                ? { kind, variables: args[0]!, operator: args[1]!, actions: actionText, file, line: src.line }
                : { kind, actions: actionText, file, line: src.line },
              own,
              openNow?.head ?? null,
              defaults,
              opCtx,
            );
            if (openNow !== null) {
              openNow.tail.chain = parsed.rule;
              if (parsed.chained) openNow.tail = parsed.rule;
              else {
                open = null;
                place(openNow.head);
              }
            } else if (parsed.chained) {
              if (kind === 'action') throw new SecLangError('chain', 'SecAction cannot start a chain');
              open = { head: parsed.rule, tail: parsed.rule };
            } else place(parsed.rule);
          } catch (e) {
            if (openNow !== null) {
              // The whole chain goes with its faulty link.
              open = null;
              if (own.some((a) => a.name.toLowerCase() === 'chain')) refusedChainId = openNow.head.id;
              const msg = e instanceof Error ? e.message : String(e);
              refuse(
                src.line,
                openNow.head.id,
                e instanceof SecLangError ? e.keyword : name,
                `in the chain of rule ${openNow.head.id}: ${msg}`,
              );
              continue;
            }
            if (own.some((a) => a.name.toLowerCase() === 'chain')) refusedChainId = findId(src.text);
            throw e;
          }
          continue;
        }
        switch (lname) {
          case 'secmarker': {
            if (args.length !== 1 || args[0] === '') throw new SecLangError(name, 'SecMarker takes one name');
            rules.push(markerRule(args[0]!, file, src.line));
            break;
          }
          case 'secdefaultaction': {
            if (args.length !== 1) throw new SecLangError(name, 'SecDefaultAction takes one action list');
            const d = parseDefaults(splitActions(args[0]!));
            defaults.set(d.phase, d.defaults);
            break;
          }
          case 'secruleremovebyid': {
            const ranges = idRanges(name, args);
            removeRules(
              rules,
              byId,
              (r) => inRanges(r.id, ranges),
              name,
              () => args.join(' '),
              refuse,
              src.line,
            );
            break;
          }
          case 'secruleremovebytag':
          case 'secruleremovebymsg': {
            if (args.length !== 1) throw new SecLangError(name, `${name} takes one argument`);
            const byTag = lname === 'secruleremovebytag';
            removeRules(
              rules,
              byId,
              (r) => (byTag ? r.tags.includes(args[0]!) : r.msg === args[0]),
              name,
              () => args[0]!,
              refuse,
              src.line,
            );
            break;
          }
          case 'secruleupdatetargetbyid':
          case 'secruleupdatetargetbytag':
          case 'secruleupdatetargetbymsg': {
            if (args.length === 3) throw new SecLangError(name, `${name}: replacing a target (third argument) is not supported`);
            if (args.length !== 2) throw new SecLangError(name, `${name} takes a rule selector and targets`);
            const targets = parseVariables(args[1]!);
            const ranges = lname === 'secruleupdatetargetbyid' ? idRanges(name, [args[0]!]) : null;
            let n = 0;
            for (const r of rules) {
              if (r.kind !== 'rule') continue;
              const hit =
                ranges !== null
                  ? inRanges(r.id, ranges)
                  : lname === 'secruleupdatetargetbytag'
                    ? r.tags.includes(args[0]!)
                    : r.msg === args[0];
              if (!hit) continue;
              n++;
              for (const t of targets) {
                const same = r.variables.some(
                  (v) =>
                    v.name === t.name &&
                    v.key === t.key &&
                    v.keyRegex === t.keyRegex &&
                    v.count === t.count &&
                    v.exclude === t.exclude,
                );
                if (!same) r.variables.push({ ...t });
              }
            }
            if (n === 0) throw new SecLangError(name, `${name} ${args[0]}: no rule loaded before it matches`);
            break;
          }
          case 'include': {
            if (args.length !== 1) throw new SecLangError(name, 'Include takes one path');
            if (depth >= maxDepth) throw new SecLangError(name, `Include: more than ${maxDepth} levels`);
            const target = path.resolve(baseDir, args[0]!);
            for (const f of expandInclude(target)) loadFile(f, depth + 1);
            break;
          }
          default: {
            const engine = ENGINE_DIRECTIVES.get(lname);
            if (engine !== undefined) {
              engine[1](config, args);
              config.directives[engine[0]] = args.join(' ');
              break;
            }
            const ign = IGNORED.get(lname);
            if (ign !== undefined) {
              config.directives[ign] = args.join(' ');
              ignored.push({ file, line: src.line, directive: ign, value: args.join(' ') });
              break;
            }
            throw new SecLangError(name === '' ? 'directive' : name, `directive ${name} is not supported`);
          }
        }
      } catch (e) {
        // A rule that did not even split (an unclosed quote) still takes its chain with it.
        if (refusedChainId === undefined && /^SecRule\s/i.test(src.text) && mentionsChain(src.text))
          refusedChainId = findId(src.text);
        const keyword = e instanceof SecLangError ? e.keyword : name || 'directive';
        const reason = e instanceof Error ? e.message : String(e);
        refuse(src.line, findId(src.text), keyword, reason);
      }
    }
    if (open !== null) {
      const o: OpenChain = open;
      refuse(o.head.line, o.head.id, 'chain', `the chain of rule ${o.head.id} is not completed before the end of the file`);
    }
  };

  const loadFile = (file: string, depth: number) => {
    const text = readFile(file);
    if (text === null) {
      refused.push({ file, line: 0, id: null, directive: 'Include', reason: `cannot read ${file}` });
      return;
    }
    files.push(file);
    loadText(text, file, path.dirname(file), depth);
  };

  inputs.forEach((input, n) => {
    if (input.text !== undefined) {
      const file = input.name ?? input.path ?? `<seclang ${n + 1}>`;
      const baseDir = input.path !== undefined ? path.dirname(path.resolve(input.path)) : path.resolve(options.baseDir ?? '.');
      loadText(input.text, file, baseDir, 0);
    } else if (input.path !== undefined) loadFile(path.resolve(input.path), 0);
  });
  return { rules, config, refused, ignored, files };
}

function markerRule(name: string, file: string, line: number): SecRule {
  const rule = blankRule('marker', file, line);
  rule.marker = name;
  return rule;
}

function removeRules(
  rules: SecRule[],
  byId: Map<number, SecRule>,
  match: (r: SecRule) => boolean,
  directive: string,
  what: () => string,
  refuse: (line: number, id: number | null, directive: string, reason: string) => void,
  line: number,
): void {
  let removed = 0;
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i]!;
    if (r.kind === 'marker' || !match(r)) continue;
    rules.splice(i, 1);
    if (r.id !== null) byId.delete(r.id);
    removed++;
  }
  if (removed === 0) refuse(line, null, directive, `${directive} ${what()}: no rule loaded before it matches`);
}

/** An Include path: a file, or a `*` pattern in the last component (`rules/*.conf`), in name order. */
function expandInclude(target: string): string[] {
  const base = path.basename(target);
  if (!base.includes('*') && !base.includes('?')) return [target];
  const dir = path.dirname(target);
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [target];
  }
  return names
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}
