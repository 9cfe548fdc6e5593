/**
 * Rules compiled for inspection, as Suricata's detection engine prepares them:
 *
 * - each rule's keywords are grouped per inspection buffer into programs (inspect.ts);
 * - rules are ordered as Suricata orders them: by action (pass, drop, reject, alert), flowbits setters before
 *   the rules that test them, then by priority and file order;
 * - per buffer, one multi-pattern database (netsieve's regex engine, block mode) holds every rule's fast
 *   pattern: a buffer is scanned once and only the rules whose fast pattern is in it are verified. Rules with
 *   no fast pattern usable by a prefilter (only negated contents, only pcre, only byte tests) are verified on
 *   every buffer of their kind ("unfiltered"), as Suricata's non-MPM rule groups are;
 * - rules without a buffer on a TCP flow read the reassembled stream: one stream-mode database per
 *   direction state finds fast patterns across segment boundaries.
 */
import { compile } from '../regex/database.js';
import type { RegexDatabase } from '../regex/database.js';
import { PROTOCOLS } from '../protocols/registry.js';
import type { BufferDirection, InspectionBuffer } from '../protocols/module.js';
import { bufferProgram, type BufferProgram } from './inspect.js';
import { compilePcre } from './pcre.js';
import { PcreError } from './pcre.js';
import { RuleError } from './rules/rule-error.js';
import type { PcreMatch, Rule } from './rules/model.js';

/** Where a rule is inspected. */
export type SignatureKind =
  /** On an application record's buffers (http.uri, dns.query, ...), once per transaction or message. */
  | 'app'
  /** On packets, and for TCP on the reassembled stream (rules without a buffer, or `pkt_data`). */
  | 'payload'
  /** On packets' headers only (no content at all: `itype`, `flags`, `dsize`, ...). */
  | 'header';

/** The buffer name payload keywords use when a rule names none. */
export const PAYLOAD_BUFFER = 'pkt_data';

/**
 * One way an app rule is checked on a record: the direction it alerts in and its programs, each on a netsieve
 * buffer. Suricata's buffers that exist in both directions (`http.header`, `http.cookie`, `file.data`, ...)
 * make a rule checkable on requests and on responses; it alerts once per transaction per direction.
 */
export interface Evaluation {
  readonly direction: BufferDirection;
  readonly programs: readonly BufferProgram[];
  /** The buffer of a negated fast pattern (the rule is skipped when it is there), else null. */
  readonly negatedFastPattern: string | null;
}

export interface Signature {
  /** Position in `SignatureSet.signatures` (evaluation order). */
  readonly index: number;
  readonly rule: Rule;
  readonly kind: SignatureKind;
  /** App rules: the ways to check the rule on a record (one or two directions). */
  readonly evaluations: readonly Evaluation[];
  /** Payload rules: the `pkt_data` program (empty for header rules). */
  readonly programs: readonly BufferProgram[];
  /** IP-only rules (Suricata's class): checked on the first packet of each direction of a flow only. */
  readonly ipOnly: boolean;
  /** See `negatedSingleFastPattern`. */
  readonly negatedSingleFastPattern: boolean;
  /** The application protocol the rule needs, null for any. */
  readonly appProto: string | null;
  /** `drop` or `reject*`: the flow's packets get the drop verdict from the match on. */
  readonly blocks: boolean;
  /** Classtype description, '' without one. */
  readonly category: string;
}

/** One buffer's prefilter: its database and, per pattern id, the signatures whose fast pattern it is. */
export interface BufferPrefilter {
  readonly db: RegexDatabase | null;
  readonly sigsOf: readonly (readonly number[])[];
  /** Signatures reading this buffer whose fast pattern is elsewhere or missing: verified every time. */
  readonly unfiltered: readonly number[];
}

/** A registered buffer: the protocol that has it and how to get its instances from a record. */
export interface BufferSource {
  readonly proto: string;
  readonly buffer: InspectionBuffer;
}

/** Every protocol module's buffers by name (the registry of issue #10's "one contract"). */
export function bufferRegistry(): Map<string, BufferSource> {
  const out = new Map<string, BufferSource>();
  for (const m of PROTOCOLS)
    for (const b of m.buffers as readonly InspectionBuffer[]) if (!out.has(b.name)) out.set(b.name, { proto: m.name, buffer: b });
  return out;
}

const ACTION_ORDER: Record<string, number> = { pass: 0, drop: 1, reject: 2, rejectsrc: 2, rejectdst: 2, rejectboth: 2, alert: 3 };

/**
 * Suricata's buffers that exist in both directions (`http.header`, `http.cookie`, `http.start`, ...) have
 * one netsieve buffer per direction: the name itself for the direction the module gives it, and
 * `<name>.to_client` for the response side (the protocol modules' convention; HTTP_TO_CLIENT_TWIN).
 */
export const TO_CLIENT_SUFFIX = '.to_client';

const DIRECTIONS: readonly BufferDirection[] = ['to_server', 'to_client'];

export class SignatureSet {
  readonly signatures: Signature[] = [];
  /** App buffer name (netsieve's) → prefilter. */
  readonly buffers = new Map<string, BufferPrefilter>();
  /** Payload rules' prefilter (block mode, for packets without a stream). */
  readonly payload: BufferPrefilter;
  /** Payload rules' prefilter in stream mode (for TCP streams), null without payload rules. */
  readonly streamDb: RegexDatabase | null;
  /** Header-only rules, checked on every packet (IP-only ones on each direction's first packet). */
  readonly headerRules: readonly number[];
  /** App protocol → the buffers its rules read (so that a record builds only those). */
  readonly buffersByProto = new Map<string, string[]>();
  /** App protocol → its rules without a usable fast pattern (verified on every record). */
  readonly unfilteredByProto = new Map<string, number[]>();
  /** Some rule is checked per packet (header-only rules, payload rules outside TCP streams). */
  readonly packetRules: boolean;
  /** Some rule reads the reassembled TCP stream. */
  readonly streamRules: boolean;
  /** Some payload rule reads TCP packets one by one (`flow:no_stream`): TCP payloads go to the packet prefilter. */
  readonly tcpPacketPayloadRules: boolean;
  /** Some rule looks at TCP packets one by one (header rules, `flow:no_stream`); else only the stream does. */
  readonly tcpPacketRules: boolean;
  readonly registry: Map<string, BufferSource>;
  /** Rules the parser took but that cannot run here (a buffer no protocol provides, a pcre V8 cannot run). */
  readonly refused: { rule: Rule; error: RuleError }[] = [];

  constructor(rules: readonly Rule[], categories: ReadonlyMap<string, string> = new Map()) {
    this.registry = bufferRegistry();
    for (const rule of orderRules(rules)) {
      try {
        this.signatures.push(this.signature(rule, this.signatures.length, categories));
      } catch (e) {
        if (e instanceof RuleError) this.refused.push({ rule, error: e });
        else if (e instanceof PcreError)
          this.refused.push({ rule, error: new RuleError('unsupported-keyword', e.message, 'pcre') });
        else throw e;
      }
    }
    const filtered = new Map<string, { key: string; bytes: Uint8Array; nocase: boolean; sig: number }[]>();
    const payloadSigs: number[] = [];
    const headerRules: number[] = [];
    for (const sig of this.signatures) {
      if (sig.kind === 'header') {
        headerRules.push(sig.index);
        continue;
      }
      if (sig.kind === 'payload') {
        payloadSigs.push(sig.index);
        continue;
      }
      const fp = sig.rule.fastPattern;
      let prefiltered = false;
      for (const e of sig.evaluations) {
        for (const p of e.programs) {
          const proto = this.registry.get(p.buffer)!.proto;
          const names = this.buffersByProto.get(proto) ?? [];
          if (!names.includes(p.buffer)) names.push(p.buffer);
          this.buffersByProto.set(proto, names);
        }
        if (fp === null || fp.negated || fp.bytes.length === 0) continue;
        const name = resolveBuffer(fp.buffer, e.direction);
        if (name === null || !e.programs.some((p) => p.buffer === name)) continue;
        prefiltered = true;
        const list = filtered.get(name) ?? [];
        list.push({ key: patternKey(fp.bytes, fp.nocase), bytes: fp.bytes, nocase: fp.nocase, sig: sig.index });
        filtered.set(name, list);
      }
      if (!prefiltered) {
        const proto = sig.appProto ?? this.registry.get(sig.evaluations[0]!.programs[0]!.buffer)!.proto;
        const list = this.unfilteredByProto.get(proto) ?? [];
        list.push(sig.index);
        this.unfilteredByProto.set(proto, list);
      }
    }
    for (const [name, list] of filtered) this.buffers.set(name, prefilterOf(list, 'block').pre);
    this.headerRules = headerRules;
    const payloadPatterns: { key: string; bytes: Uint8Array; nocase: boolean; sig: number }[] = [];
    const payloadUnfiltered: number[] = [];
    for (const i of payloadSigs) {
      const fp = this.signatures[i]!.rule.fastPattern;
      if (fp === null || fp.negated || fp.bytes.length === 0 || fp.buffer !== PAYLOAD_BUFFER) payloadUnfiltered.push(i);
      else payloadPatterns.push({ key: patternKey(fp.bytes, fp.nocase), bytes: fp.bytes, nocase: fp.nocase, sig: i });
    }
    const payload = prefilterOf(payloadPatterns, 'block');
    this.payload = { ...payload.pre, unfiltered: payloadUnfiltered };
    this.streamDb = payload.patterns.length > 0 ? compile(payload.patterns, { mode: 'stream' }) : null;
    this.packetRules = headerRules.length > 0 || payloadSigs.length > 0;
    this.tcpPacketPayloadRules = payloadSigs.some((i) => this.signatures[i]!.rule.flow?.stream === 'no');
    this.tcpPacketRules = headerRules.length > 0 || this.tcpPacketPayloadRules;
    this.streamRules = payloadSigs.some((i) => {
      const r = this.signatures[i]!.rule;
      return (
        r.flow?.stream !== 'no' &&
        (r.protocol === 'ip' || r.protocol === 'tcp' || r.protocol === 'tcp-stream' || r.appProtocol !== null)
      );
    });
  }

  /** Releases the prefilter databases' tables (after a reload, once no stream of them is left). */
  free(): void {
    for (const b of this.buffers.values()) b.db?.free();
    this.payload.db?.free();
    this.streamDb?.free();
  }

  private signature(rule: Rule, index: number, categories: ReadonlyMap<string, string>): Signature {
    const groups = new Map<string, Rule['matches']>();
    for (const m of rule.matches) {
      const list = groups.get(m.buffer) ?? [];
      list.push(m);
      groups.set(m.buffer, list);
    }
    // urilen reads the URI: the rule needs an HTTP request even with no content on it.
    if (rule.urilen !== null) {
      const uri = rule.urilen.raw ? 'http.uri.raw' : 'http.uri';
      if (!groups.has(uri)) groups.set(uri, []);
    }
    const pcre = (m: PcreMatch) => compilePcre(m.source, m.flags);
    const base = {
      index,
      rule,
      negatedSingleFastPattern: negatedSingleFastPattern(rule),
      blocks: rule.action === 'drop' || rule.action.startsWith('reject'),
      category: rule.classtype === null ? '' : (categories.get(rule.classtype) ?? ''),
    };
    const appNames = [...groups.keys()].filter((b) => b !== PAYLOAD_BUFFER);
    if (appNames.length === 0) {
      const programs = groups.has(PAYLOAD_BUFFER) ? [bufferProgram(PAYLOAD_BUFFER, groups.get(PAYLOAD_BUFFER)!, pcre)] : [];
      const kind: SignatureKind = programs.length > 0 || rule.dlp.length > 0 ? 'payload' : 'header';
      return {
        ...base,
        kind,
        evaluations: [],
        programs,
        ipOnly: kind === 'header' && isIpOnly(rule),
        appProto: rule.appProtocol,
      };
    }
    if (groups.has(PAYLOAD_BUFFER))
      throw new RuleError('unsupported-buffer', 'a rule cannot mix pkt_data with application buffers', PAYLOAD_BUFFER);
    for (const b of appNames)
      if (!this.registry.has(b) && !this.registry.has(b + TO_CLIENT_SUFFIX))
        throw new RuleError('unsupported-buffer', `buffer ${b} is not provided by any protocol yet`, b);
    // The directions every buffer of the rule exists in; a rule whose buffers are of both directions
    // (http.uri with http.stat_code) is checked once on the transaction and alerts in the response's.
    const wanted = rule.flow?.direction;
    const evaluations: Evaluation[] = [];
    const negatedIn = (d: BufferDirection): string | null =>
      negatedSingleFastPattern(rule) ? resolveBuffer(rule.fastPattern!.buffer, d, this.registry) : null;
    for (const d of DIRECTIONS) {
      if (wanted !== undefined && wanted !== d) continue;
      const names = appNames.map((b) => resolveBuffer(b, d, this.registry));
      if (names.some((n) => n === null)) continue;
      evaluations.push({
        direction: d,
        programs: appNames.map((b, k) => bufferProgram(names[k]!, groups.get(b)!, pcre)),
        negatedFastPattern: negatedIn(d),
      });
    }
    if (evaluations.length === 0) {
      const names = appNames.map(
        (b) => resolveBuffer(b, 'to_server', this.registry) ?? resolveBuffer(b, 'to_client', this.registry),
      );
      if (names.some((n) => n === null) || wanted !== undefined)
        throw new RuleError(
          'unsupported-buffer',
          `the rule's buffers (${appNames.join(', ')}) do not exist in one direction${wanted ? ` (${wanted})` : ''}`,
        );
      const fpName = negatedSingleFastPattern(rule) ? (names[appNames.indexOf(rule.fastPattern!.buffer)] ?? null) : null;
      evaluations.push({
        direction: 'to_client',
        programs: appNames.map((b, k) => bufferProgram(names[k]!, groups.get(b)!, pcre)),
        negatedFastPattern: fpName,
      });
    }
    const protos = new Set(evaluations.flatMap((e) => e.programs.map((p) => this.registry.get(p.buffer)!.proto)));
    if (protos.size > 1)
      throw new RuleError('unsupported-buffer', `the rule reads buffers of several protocols (${[...protos].join(', ')})`);
    const appProto = rule.appProtocol ?? [...protos][0]!;
    return { ...base, kind: 'app', evaluations, programs: [], ipOnly: false, appProto };
  }
}

/**
 * Whether the rule's fast pattern is a negated content Suricata's multi-pattern matcher uses as one: a
 * "single" content (no offset, depth, distance or within, and no relative content after it). Such a rule is
 * skipped whenever the pattern is anywhere in the buffer.
 */
export function negatedSingleFastPattern(rule: Rule): boolean {
  const fp = rule.fastPattern;
  if (fp === null || !fp.negated) return false;
  const m = rule.matches[fp.match];
  if (m === undefined || m.kind !== 'content') return false;
  if (m.offset !== undefined || m.depth !== undefined || m.distance !== undefined || m.within !== undefined || m.startsWith)
    return false;
  for (let k = fp.match + 1; k < rule.matches.length; k++) {
    const n = rule.matches[k]!;
    if (n.buffer !== m.buffer) continue;
    if (n.kind === 'content') return n.distance === undefined && n.within === undefined;
    if (n.kind === 'pcre') return true;
  }
  return true;
}

/** netsieve's buffer for a rule's buffer name in one direction, or null when it has none there. */
export function resolveBuffer(name: string, direction: BufferDirection, registry = bufferRegistry()): string | null {
  if (direction === 'to_client') {
    const twin = registry.get(name + TO_CLIENT_SUFFIX);
    if (twin !== undefined && twin.buffer.direction === 'to_client') return name + TO_CLIENT_SUFFIX;
  }
  const src = registry.get(name);
  return src !== undefined && src.buffer.direction === direction ? name : null;
}

function patternKey(bytes: Uint8Array, nocase: boolean): string {
  return `${nocase ? 'i' : 'c'}${Buffer.from(bytes).toString('hex')}`;
}

/** One database of fast patterns: identical patterns share an id, which lists every signature they serve. */
function prefilterOf(
  list: readonly { key: string; bytes: Uint8Array; nocase: boolean; sig: number }[],
  mode: 'block',
): { pre: BufferPrefilter; patterns: { id: number; expression: string; flags: string }[] } {
  const ids = new Map<string, number>();
  const sigsOf: number[][] = [];
  const patterns: { id: number; expression: string; flags: string }[] = [];
  for (const x of list) {
    let id = ids.get(x.key);
    if (id === undefined) {
      id = sigsOf.length;
      ids.set(x.key, id);
      sigsOf.push([]);
      patterns.push({ id, expression: literalExpression(x.bytes), flags: x.nocase ? 'i' : '' });
    }
    if (!sigsOf[id]!.includes(x.sig)) sigsOf[id]!.push(x.sig);
  }
  const db = patterns.length > 0 ? compile(patterns, { mode }) : null;
  return { pre: { db, sigsOf, unfiltered: [] }, patterns };
}

/**
 * Suricata's IP-only class: no application protocol, no content, no direction in `flow`, and no keyword
 * beyond addresses, `ip_proto` (which Suricata folds into the protocol), flowbits `set`, threshold and
 * detection_filter. Such a rule is checked on the first packet of each direction of a flow.
 */
function isIpOnly(r: Rule): boolean {
  if (r.appProtocol !== null || r.matches.length > 0 || r.flow !== null) return false;
  if (!r.srcPorts.any || !r.dstPorts.any) return false;
  if (r.dsize !== null || r.ttl !== null || r.itype !== null || r.icode !== null || r.flags !== null) return false;
  if (r.urilen !== null || r.tlsVersion !== null || r.dnsOpcode !== null || r.appLayerProtocol !== null || r.dlp.length > 0)
    return false;
  return r.flowbits.every((f) => f.command === 'set');
}

/** A byte string as a regex that matches exactly it (every byte escaped). */
export function literalExpression(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes)
    s +=
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

/**
 * Suricata's signature order: action (pass, drop, reject, alert), then rules that set flowbits before rules
 * that only read them, then priority (1 first), then the order they were loaded in.
 */
export function orderRules(rules: readonly Rule[]): Rule[] {
  const flowbitsRank = (r: Rule): number => {
    const sets = r.flowbits.some(
      (f) => f.command === 'set' || f.command === 'setx' || f.command === 'unset' || f.command === 'toggle',
    );
    const reads = r.flowbits.some((f) => f.command === 'isset' || f.command === 'isnotset');
    return sets && !reads ? 0 : sets ? 1 : reads ? 2 : 1;
  };
  return rules
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        (ACTION_ORDER[a.r.action] ?? 3) - (ACTION_ORDER[b.r.action] ?? 3) ||
        flowbitsRank(a.r) - flowbitsRank(b.r) ||
        a.r.priority - b.r.priority ||
        a.i - b.i,
    )
    .map((x) => x.r);
}
