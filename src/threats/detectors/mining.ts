/**
 * `stratum_mining` (T1496.001, Resource Hijacking: Compute Hijacking): a host mining cryptocurrency for a pool, read from the
 * `stratum` records of the Stratum module (src/protocols/stratum/), on any port: the module identifies the
 * protocol by its content (JSON-RPC lines with Stratum's methods), not by the pool's port.
 *
 * What counts as mining: a request or notification whose method is one of Stratum v1's `mining.*` calls
 * (`mining.subscribe`, `mining.authorize`, `mining.submit`, `mining.notify`, `mining.set_difficulty`, ...)
 * or, in the XMRig dialect the module marks `xmrig`, `login`, `submit`, `job` and `keepalived`. A generic
 * JSON-RPC method (`eth_*`, Electrum's `server.version`/`blockchain.*`) is not mining and is ignored.
 *
 * When: the finding waits for the evidence that names the miner: a login (`mining.authorize`, `login`: the
 * worker or wallet), a share submitted, or `minRecords` mining records, whichever comes first; a flow that
 * ends with fewer mining records is reported at its end. One finding per miner and pool (client address,
 * pool address and port), again after `window` seconds with the shares submitted since, so a miner that
 * runs all day gives one alert an hour, not one per share. Suricata and Snort do this with signatures
 * (ET's "ET COINMINER" rules match `mining.subscribe`/`mining.authorize`/`"login"` with an agent, each one
 * alert per flow); Zeek has no Stratum analyzer.
 *
 * State: one entry per miner-pool pair in a `BoundedMap` capped by `maxTracked`, made at the first mining
 * record (records are per request: allocation per record is the application layer's already); entries
 * idle for `window` seconds are swept in `tick`.
 */
import type { Flow } from '../../flow/flow.js';
import { BoundedMap, flowAddressKey, flowAddressText, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

export type StratumMiningOptions = {
  minRecords: number;
  window: number;
};

/** The fields of a `stratum` record this detector reads (src/protocols/stratum/events.ts has the whole record). */
interface StratumFields {
  kind?: unknown;
  variant?: unknown;
  method?: unknown;
  worker?: unknown;
  agent?: unknown;
  error?: unknown;
  result?: unknown;
}

interface MiningEntry {
  miner: string;
  pool: string;
  poolPort: number;
  variant: string;
  methods: string[];
  worker: string | null;
  agent: string | null;
  records: number;
  submits: number;
  accepted: number;
  rejected: number;
  first: number;
  last: number;
  /** Capture time of the last report (-1: never). */
  reportedAt: number;
  /** Submits at the last report (the next report gives those since). */
  submitsReported: number;
  flowId: number;
}

const XMRIG_METHODS = new Set(['login', 'submit', 'job', 'keepalived']);
const MAX_METHODS = 8;
const MAX_TEXT = 128;

export const stratumMining: ThreatDetectorDef<StratumMiningOptions> = {
  name: 'stratum_mining',
  title: 'Cryptocurrency mining (Stratum)',
  description:
    'A host speaking the Stratum mining protocol to a pool (mining.subscribe/authorize/submit, XMRig login/submit/job), on any port',
  category: 'Crypto Currency Mining Activity Detected',
  severity: 2,
  techniques: ['T1496.001'],
  signatureId: 1021,
  defaults: { minRecords: 3, window: 3600 },
  docs: {
    minRecords:
      'mining records (Stratum requests and notifications with a mining method) between a miner and a pool that raise the threat when no login or share came first',
    window: 'seconds before the same miner and pool are reported again (with the shares submitted since)',
  },
  records: ['stratum'],
  create(o, ctx) {
    return new StratumMiningDetector(o, ctx);
  },
};

function isMiningMethod(method: string, variant: unknown): boolean {
  if (method.startsWith('mining.')) return true;
  return variant === 'xmrig' && XMRIG_METHODS.has(method);
}

function clip(s: unknown): string | null {
  if (typeof s !== 'string' || s === '') return null;
  return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;
}

class StratumMiningDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, MiningEntry>;

  constructor(
    private readonly o: StratumMiningOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  private keyOf(flow: Flow): number {
    return pairKey(flowAddressKey(flow, false), pairKey(flowAddressKey(flow, true), flow.serverPort));
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    if (type !== 'stratum' || payload === null || typeof payload !== 'object') return;
    const r = payload as StratumFields;
    const method = r.method;
    if (typeof method !== 'string' || !isMiningMethod(method, r.variant)) return;
    const key = this.keyOf(flow);
    let e = this.table.get(key);
    if (e === undefined) {
      e = {
        miner: flowAddressText(flow, false),
        pool: flowAddressText(flow, true),
        poolPort: flow.serverPort,
        variant: typeof r.variant === 'string' ? r.variant : 'unknown',
        methods: [],
        worker: null,
        agent: null,
        records: 0,
        submits: 0,
        accepted: 0,
        rejected: 0,
        first: now,
        last: now,
        reportedAt: -1,
        submitsReported: 0,
        flowId: flow.id,
      };
    }
    this.table.set(key, e); // (re)inserted as the most recently used
    e.records++;
    e.last = now;
    e.flowId = flow.id;
    if (e.methods.length < MAX_METHODS && !e.methods.includes(method)) e.methods.push(clip(method) ?? method);
    const worker = clip(r.worker);
    if (worker !== null) e.worker = worker;
    const agent = clip(r.agent);
    if (agent !== null) e.agent = agent;
    const submit = method === 'mining.submit' || method === 'submit';
    const login = method === 'mining.authorize' || method === 'login';
    if (submit) {
      e.submits++;
      if (r.error !== null && r.error !== undefined) e.rejected++;
      else if (r.result === true || (typeof r.result === 'string' && r.result !== '')) e.accepted++;
    }
    const due = e.reportedAt < 0 ? login || submit || e.records >= this.o.minRecords : now - e.reportedAt >= this.o.window;
    if (due) this.report(e, flow, now);
  }

  flowEnded(flow: Flow, now: number): void {
    if (flow.appProto !== 'stratum') return;
    const e = this.table.get(this.keyOf(flow));
    if (e !== undefined && e.reportedAt < 0 && e.records > 0) this.report(e, flow, now);
  }

  private report(e: MiningEntry, flow: Flow, now: number): void {
    const submitsSince = e.submits - e.submitsReported;
    e.reportedAt = now;
    e.submitsReported = e.submits;
    const details: Record<string, number | string | boolean | string[]> = {
      variant: e.variant,
      methods: e.methods.slice(),
      records: e.records,
      sharesSubmitted: e.submits,
      sharesSinceLastAlert: submitsSince,
      sharesAccepted: e.accepted,
      sharesRejected: e.rejected,
      poolPort: e.poolPort,
      durationSec: Math.round((e.last - e.first) * 10) / 10,
    };
    if (e.worker !== null) details.worker = e.worker;
    if (e.agent !== null) details.agent = e.agent;
    this.ctx.report({
      now,
      attacker: e.miner,
      target: e.pool,
      count: e.records,
      details,
      flow,
      targetPort: e.poolPort,
      proto: 'TCP',
    });
  }

  tick(now: number): void {
    const w = this.o.window;
    this.table.sweep((e) => now - e.last >= w);
  }

  size(): number {
    return this.table.size;
  }
}
