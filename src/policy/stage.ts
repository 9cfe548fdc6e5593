/**
 * The policy stage: decides each flow against the policy (first matching rule, else the default), keeps the
 * names DNS taught, raises violations, sets the drop verdict in protect mode, and learns.
 *
 * When a flow is decided (never per packet):
 * - once at the end of its first packet, on what is known then: addresses, transport and server port, DNS
 *   names of its addresses. If a rule that lists `apps`, or a `to` group with names, could still change the
 *   outcome once the application (or the TLS SNI / HTTP Host) is known, that decision is provisional: the
 *   flow is allowed while any outcome could allow it, denied at once when every outcome denies it;
 * - once more when its evidence is complete: the application identified (or given up on), and for
 *   applications that carry a server name, that name seen. That decision is final. A flow whose evidence is
 *   still incomplete when it ends is decided finally at its end;
 * - again whenever the policy, the mode or the run-time groups change (every open flow).
 *
 * Everything a decision reads is per flow (`FlowPolicy`) or shared and bounded (the name table, the compiled
 * policy); its scratch bitsets are reused.
 */
import { parseAddress } from '../decode/address.js';
import { NetsieveError } from '../errors.js';
import type { Flow } from '../flow/flow.js';
import { FlowKind } from '../flow/flow.js';
import type { DnsMessage } from '../protocols/dns/events.js';
import { CompiledPolicy, hasBit, type RuntimeGroups } from './compiled.js';
import { PolicyAnomaly } from './events.js';
import { Learner, type LearnOptions } from './learn.js';
import { addressKey, NameTable, type NameTableOptions, type NameTableStats } from './name-table.js';
import { normalizeName } from './names.js';
import { type Cidr, POLICY_NAME_PATTERN, parsePolicy, readPolicyFile, type ParsedPolicy } from './policy-file.js';
import { parseCidr } from './cidr.js';
import type { NameSource, PolicyAction, PolicyDecision, PolicyDocument, PolicyEvidence, PolicyMode } from './types.js';
import { POLICY_MODES } from './types.js';

/** The engine's `policy` option. */
export interface PolicyOptions {
  /** The policy: a document (a policy file's JSON, parsed) or the path of a policy file. Omitted: no rules, default deny, mode discover. */
  document?: PolicyDocument | string;
  /** The mode, over the document's. */
  mode?: PolicyMode;
  /** Groups given at run time, as an orchestrator would give workload labels: name -> CIDR blocks or addresses. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Keep what `learnedPolicy()` needs (default true); `false` to save its memory, or options for it. */
  learn?: boolean | LearnOptions;
  /** The table of names learned from DNS. */
  names?: Partial<NameTableOptions>;
}

/** What `stats().policy` holds. */
export interface PolicyStats {
  mode: PolicyMode;
  rules: number;
  groups: number;
  /** Decisions made (at most two per flow, plus one per open flow at each policy, mode or group change). */
  decisions: number;
  /** Flows ended with each final action. */
  flowsAllowed: number;
  flowsDenied: number;
  violations: number;
  /** Packets and bytes given the drop verdict by the policy (protect mode). */
  packetsDropped: number;
  bytesDropped: number;
  names: NameTableStats;
  /** Distinct conversations learned (see `learnedPolicy()`). */
  learned: number;
}

/** What the stage asks of the engine. */
export interface PolicyHost {
  violation(flow: Flow, decision: PolicyDecision): void;
  /** A policy anomaly of a flow (`flow` null: of the stage as a whole). */
  anomaly(flow: Flow | null, code: number): void;
}

/** The policy state of one flow (`flow.policy`). */
export class FlowPolicy {
  /** The application is known for good: identified from content, or given up on (`app` stays null). */
  appFinal = false;
  app: string | null = null;
  /** The server name evidence is complete: seen, or known not to come. */
  nameFinal = false;
  serverName: string | null = null;
  serverNameSource: 'sni' | 'host' | null = null;
  /**
   * The names DNS had given the server's and the client's addresses when the flow began (null: none): what
   * the client could have resolved before connecting. Later answers, and expiries during the flow, do not
   * change what the flow is.
   */
  serverNames: string[] | null = null;
  /** Whether each of `serverNames` was asked for (a question's name), not only an alias or a CNAME target. */
  serverAsked: boolean[] | null = null;
  clientNames: string[] | null = null;
  /** The latest decision (null before the first). */
  decision: PolicyDecision | null = null;
  /** The decision was made on complete evidence. */
  final = false;
  /** The action cannot change any more under this policy (every possible outcome agrees). */
  certain = false;
  violated = false;
  decisions = 0;
  learned = false;
}

const PORT_PROTOS = new Set([6, 17, 132]);
const scratchWords = new Uint32Array(4);

export class PolicyStage {
  private document: ParsedPolicy;
  private runtime: Map<string, Cidr[]>;
  private compiled: CompiledPolicy;
  private modeOverride: PolicyMode | null;
  readonly names: NameTable;
  readonly learner: Learner | null;
  /** Whether flows get an application identified at all (the engine's app layer is on). */
  private readonly appLayer: boolean;
  /** Scratch: the client's and the server's groups, and per server group the name that put it there. */
  private clientSet: Uint32Array;
  private serverSet: Uint32Array;
  private nameOfGroup: (string | null)[] = [];
  private sourceOfGroup: NameSource[] = [];
  private touched: number[] = [];
  /** Scratch: the rules a decision reads (those whose from group contains the client), in order. */
  private candidates = new Int32Array(0);
  private readonly host: PolicyHost;
  private decisionCount = 0;
  private flowsAllowed = 0;
  private flowsDenied = 0;
  private violations = 0;
  packetsDropped = 0;
  bytesDropped = 0;

  constructor(options: PolicyOptions, host: PolicyHost, appLayer: boolean) {
    if (options === null || typeof options !== 'object')
      throw new NetsieveError('NS_ERR_OPTION', 'option policy must be an object ({ document, mode, groups, learn, names })');
    this.host = host;
    this.appLayer = appLayer;
    this.document = loadDocument(options.document);
    if (options.mode !== undefined) checkMode(options.mode);
    this.modeOverride = options.mode ?? (options.document === undefined ? 'discover' : null);
    this.runtime = parseGroups(options.groups ?? {});
    this.names = new NameTable(checkNameOptions(options.names));
    this.learner =
      options.learn === false ? null : new Learner(options.learn === true || options.learn === undefined ? {} : options.learn);
    this.compiled = new CompiledPolicy(this.document, this.runtime);
    this.clientSet = new Uint32Array(this.compiled.words);
    this.serverSet = new Uint32Array(this.compiled.words);
  }

  get mode(): PolicyMode {
    return this.modeOverride ?? this.compiled.mode;
  }

  /** Replaces the policy (already parsed); the caller re-decides open flows. */
  setDocument(document: PolicyDocument | string): void {
    this.document = loadDocument(document);
    this.rebuild();
  }

  setMode(mode: PolicyMode): void {
    checkMode(mode);
    this.modeOverride = mode;
  }

  setGroups(groups: Readonly<Record<string, readonly string[]>>): void {
    this.runtime = parseGroups(groups);
    this.rebuild();
  }

  private rebuild(): void {
    this.compiled = new CompiledPolicy(this.document, this.runtime);
    this.clientSet = new Uint32Array(this.compiled.words);
    this.serverSet = new Uint32Array(this.compiled.words);
  }

  // ------------------------------------------------------------------ evidence

  /** A new flow: its state (decided at the end of its first packet, `decideFirst`). */
  flowStarted(flow: Flow, now: number): void {
    const fp = new FlowPolicy();
    if (this.names.size > 0) {
      const version = flow.ipVersion;
      this.names.namesOf(addressKey(version, flow.addressOf(true, scratchWords)), now, (name, asked) => {
        (fp.serverNames ??= []).push(name);
        (fp.serverAsked ??= []).push(asked);
      });
      this.names.namesOf(addressKey(version, flow.addressOf(false, scratchWords)), now, (name) => {
        (fp.clientNames ??= []).push(name);
      });
    }
    // Only TCP and UDP flows get an application (and a server name) from the app layer.
    if (!this.appLayer || (flow.kind !== FlowKind.TCP && flow.kind !== FlowKind.UDP)) {
      fp.appFinal = true;
      fp.nameFinal = true;
    }
    flow.policy = fp;
  }

  /** The end of a flow's first packet: its first decision, unless its evidence already completed in it. */
  decideFirst(flow: Flow): void {
    const fp = flow.policy as FlowPolicy;
    if (fp.decisions === 0) this.decide(flow, fp, false);
  }

  /**
   * The app layer decided what the flow is (`flow.appProto`, confidence `dpi`, or nothing). `namePending`:
   * the application reports a server name (TLS SNI, HTTP Host) still to come.
   */
  appIdentified(flow: Flow, namePending: boolean): void {
    const fp = flow.policy as FlowPolicy | null;
    if (fp === null || fp.appFinal) return;
    fp.appFinal = true;
    fp.app = flow.appProtoConfidence === 'dpi' ? flow.appProto : null;
    if (!namePending) fp.nameFinal = true;
    if (fp.nameFinal) this.complete(flow, fp);
  }

  /** The flow's TLS SNI or HTTP Host (null: the message had none). */
  serverName(flow: Flow, name: string | null, source: 'sni' | 'host'): void {
    const fp = flow.policy as FlowPolicy | null;
    if (fp === null || fp.nameFinal) return;
    fp.nameFinal = true;
    if (name !== null && name !== '') {
      fp.serverName = normalizeName(name);
      fp.serverNameSource = source;
      this.checkAgainstDns(flow, fp);
    }
    if (fp.appFinal) this.complete(flow, fp);
  }

  /** A DNS message of any flow: its answers teach names. */
  dns(msg: DnsMessage, now: number): void {
    this.names.learn(msg, now);
    if (this.names.full) {
      this.names.full = false;
      this.host.anomaly(null, PolicyAnomaly.name_table_full);
    }
  }

  /** The flow ends: decided finally if it was not, counted, learned. Returns its decision. */
  flowEnded(flow: Flow): PolicyDecision | null {
    const fp = flow.policy as FlowPolicy | null;
    if (fp === null) return null;
    if (!fp.final) {
      fp.appFinal = true;
      fp.nameFinal = true;
      this.complete(flow, fp);
    }
    const d = fp.decision!;
    if (d.action === 'allow') this.flowsAllowed++;
    else this.flowsDenied++;
    return d;
  }

  /** Every open flow is decided again (policy, mode or groups changed). */
  redecide(flow: Flow): void {
    const fp = flow.policy as FlowPolicy | null;
    if (fp === null || fp.decisions === 0) return;
    this.decide(flow, fp, fp.final);
  }

  /** Evidence complete: the final decision, and what learning keeps of the flow. */
  private complete(flow: Flow, fp: FlowPolicy): void {
    this.decide(flow, fp, true);
    if (this.learner !== null && !fp.learned) {
      fp.learned = true;
      if (!this.learner.observe(flow, fp)) this.host.anomaly(flow, PolicyAnomaly.learn_table_full);
    }
  }

  /**
   * SNI or Host against DNS: when DNS gave the server's address names and this is none of them, the client
   * reached the address under another name (domain fronting, or a resolution this traffic did not show).
   */
  private checkAgainstDns(flow: Flow, fp: FlowPolicy): void {
    const name = fp.serverName!;
    if (isAddressLiteral(name) || fp.serverNames === null) return;
    if (!fp.serverNames.includes(name)) this.host.anomaly(flow, PolicyAnomaly.server_name_mismatch);
  }

  // ------------------------------------------------------------------ deciding

  private decide(flow: Flow, fp: FlowPolicy, final: boolean): void {
    this.decisionCount++;
    fp.decisions++;
    const c = this.compiled;
    const clientSet = this.clientSet;
    const serverSet = this.serverSet;
    clientSet.fill(0);
    serverSet.fill(0);
    for (const g of this.touched) this.nameOfGroup[g] = null;
    this.touched.length = 0;
    const version = flow.ipVersion;
    c.addresses.lookup(version, flow.addressOf(false, scratchWords), clientSet);
    c.addresses.lookup(version, flow.addressOf(true, scratchWords), serverSet);
    if (c.hasNames) {
      if (fp.clientNames !== null) for (const name of fp.clientNames) c.names.match(name, (g) => setBit(clientSet, g));
      if (fp.serverName !== null) {
        const source = fp.serverNameSource!;
        c.names.match(fp.serverName, (g) => this.noteName(g, fp.serverName!, source, serverSet));
      }
      if (fp.serverNames !== null)
        for (const name of fp.serverNames) c.names.match(name, (g) => this.noteName(g, name, 'dns', serverSet));
    }
    const namePending = !final && !fp.nameFinal && c.hasNames;
    const appPending = !final && !fp.appFinal;
    const app = fp.appFinal ? fp.app : null;

    // First rule whose every field matches decides; rules that might match once evidence is in are candidates.
    let decided = -1; // rule index, or rules.length for the default
    let firstCandidate = -1;
    let firstAllowCandidate = -1;
    let canAllow = false;
    let canDeny = false;
    const rules = c.rules;
    if (this.candidates.length < rules.length) this.candidates = new Int32Array(rules.length);
    const candidates = this.candidates;
    const count = c.candidates(clientSet, candidates);
    for (let k = 0; k < count; k++) {
      const i = candidates[k]!;
      const to = c.ruleTo[i]!;
      const toYes = hasBit(serverSet, to);
      if (!toYes && !(namePending && hasBit(c.nameGroups, to))) continue;
      const r = rules[i]!;
      if (r.ports !== null && !portsMatch(r.ports, flow)) continue;
      let appYes = true;
      if (r.apps !== null) {
        if (appPending) appYes = false;
        else if (app === null || !r.apps.includes(app)) continue;
      }
      if (toYes && appYes) {
        decided = i;
        break;
      }
      // Could match once the application or the server name is known.
      if (firstCandidate < 0) firstCandidate = i;
      if (r.action === 'allow') {
        canAllow = true;
        if (firstAllowCandidate < 0) firstAllowCandidate = i;
      } else canDeny = true;
    }
    const decidedAction: PolicyAction = decided >= 0 ? rules[decided]!.action : c.defaultAction;
    if (decidedAction === 'allow') canAllow = true;
    else canDeny = true;
    let ruleIndex: number;
    let action: PolicyAction;
    if (firstCandidate < 0) {
      ruleIndex = decided;
      action = decidedAction;
    } else if (canAllow && canDeny) {
      // Provisional: allowed until the evidence says otherwise.
      action = 'allow';
      ruleIndex = firstAllowCandidate >= 0 ? firstAllowCandidate : decided;
    } else {
      action = decidedAction;
      ruleIndex = firstCandidate;
    }
    const rule = ruleIndex >= 0 ? rules[ruleIndex]! : null;
    const evidence: PolicyEvidence = { app };
    if (rule !== null) {
      evidence.fromGroup = rule.from;
      evidence.toGroup = rule.to;
      const g = c.ruleTo[ruleIndex]!;
      const name = g >= 0 ? this.nameOfGroup[g] : null;
      if (name !== null && name !== undefined) {
        evidence.name = name;
        evidence.nameSource = this.sourceOfGroup[g]!;
      }
    }
    if (fp.serverName !== null) evidence.serverName = fp.serverName;
    const mode = this.mode;
    fp.decision = { action, rule: rule !== null ? rule.id : 'default', mode, evidence };
    fp.final = final;
    fp.certain = !(canAllow && canDeny);
    const denied = action === 'deny' && fp.certain;
    flow.policyDrop = denied && mode === 'protect';
    if (denied && mode !== 'discover' && !fp.violated) {
      fp.violated = true;
      this.violations++;
      this.host.violation(flow, fp.decision);
    }
  }

  private noteName(g: number, name: string, source: NameSource, set: Uint32Array): void {
    set[g >>> 5]! |= 1 << (g & 31);
    if (this.nameOfGroup[g] === null || this.nameOfGroup[g] === undefined) {
      this.nameOfGroup[g] = name;
      this.sourceOfGroup[g] = source;
      this.touched.push(g);
    }
  }

  // ------------------------------------------------------------------ reports

  stats(): PolicyStats {
    return {
      mode: this.mode,
      rules: this.compiled.rules.length,
      groups: this.compiled.groupNames.length,
      decisions: this.decisionCount,
      flowsAllowed: this.flowsAllowed,
      flowsDenied: this.flowsDenied,
      violations: this.violations,
      packetsDropped: this.packetsDropped,
      bytesDropped: this.bytesDropped,
      names: this.names.stats(),
      learned: this.learner?.size ?? 0,
    };
  }

  learnedPolicy(): PolicyDocument {
    if (this.learner === null)
      throw new NetsieveError('NS_ERR_STATE', 'learning is off (policy.learn: false): nothing was learned');
    return this.learner.policy(this.runtime);
  }
}

function setBit(set: Uint32Array, g: number): void {
  set[g >>> 5]! |= 1 << (g & 31);
}

function portsMatch(ports: readonly { proto: number; lo: number; hi: number }[], flow: Flow): boolean {
  const proto = flow.proto;
  const port = flow.serverPort;
  for (const p of ports) {
    if (p.proto !== proto) continue;
    if (!PORT_PROTOS.has(proto) || (port >= p.lo && port <= p.hi)) return true;
  }
  return false;
}

function isAddressLiteral(name: string): boolean {
  return parseAddress(name, scratchWords) !== 0;
}

function loadDocument(document: PolicyDocument | string | undefined): ParsedPolicy {
  if (document === undefined) return parsePolicy({ default: 'deny', rules: [] });
  if (typeof document === 'string') return parsePolicy(readPolicyFile(document));
  return parsePolicy(document);
}

function checkMode(mode: unknown): void {
  if (!POLICY_MODES.includes(mode as PolicyMode))
    throw new NetsieveError(
      'NS_ERR_OPTION',
      `policy mode must be one of ${POLICY_MODES.join(', ')}, not ${JSON.stringify(mode)}`,
    );
}

function checkNameOptions(o: Partial<NameTableOptions> | undefined): Partial<NameTableOptions> {
  if (o === undefined) return {};
  if (o.maxEntries !== undefined && (!Number.isInteger(o.maxEntries) || o.maxEntries < 1))
    throw new NetsieveError('NS_ERR_OPTION', 'policy.names.maxEntries must be a positive integer');
  if (o.graceSeconds !== undefined && (typeof o.graceSeconds !== 'number' || !(o.graceSeconds >= 0)))
    throw new NetsieveError('NS_ERR_OPTION', 'policy.names.graceSeconds must be a number of seconds, 0 or more');
  return o;
}

/** Run-time groups: every entry a CIDR block or an address; a bad one throws with its group and text. */
function parseGroups(groups: Readonly<Record<string, readonly string[]>>): Map<string, Cidr[]> {
  if (groups === null || typeof groups !== 'object' || Array.isArray(groups))
    throw new NetsieveError('NS_ERR_OPTION', 'groups must be an object: { "name": ["10.0.0.0/24", "fd00::1"], ... }');
  const out = new Map<string, Cidr[]>();
  for (const [name, list] of Object.entries(groups)) {
    // The names a policy file may use, so that a learned policy naming these groups checks clean.
    if (!POLICY_NAME_PATTERN.test(name))
      throw new NetsieveError(
        'NS_ERR_OPTION',
        `group name ${JSON.stringify(name)} must start with a letter or digit and use letters, digits and _ . : @ / - (128 at most)`,
      );
    if (!Array.isArray(list))
      throw new NetsieveError('NS_ERR_OPTION', `group ${JSON.stringify(name)} must be an array of CIDR blocks or addresses`);
    const cidrs: Cidr[] = [];
    for (const text of list) {
      const c = typeof text === 'string' ? parseCidr(text) : 'not a string';
      if (typeof c === 'string')
        throw new NetsieveError(
          'NS_ERR_OPTION',
          `group ${JSON.stringify(name)}: ${JSON.stringify(text)} is not a CIDR block: ${c}`,
        );
      cidrs.push(c);
    }
    out.set(name, cidrs);
  }
  return out;
}

export type { RuntimeGroups };
