/**
 * A policy made ready to decide: group names numbered, every CIDR block in one trie, every name pattern in one
 * table, and the rules flattened into arrays the decision loop reads without looking anything up.
 * Rebuilt when the policy or the run-time groups change; a decision only reads it.
 */
import { AddressGroups } from './address-groups.js';
import { NamePatterns } from './names.js';
import type { Cidr, ParsedPolicy, ParsedRule } from './policy-file.js';
import type { PolicyAction, PolicyMode } from './types.js';

/** Run-time groups (`setGroups`): CIDR blocks per name, parsed. */
export type RuntimeGroups = ReadonlyMap<string, readonly Cidr[]>;

export class CompiledPolicy {
  readonly mode: PolicyMode;
  readonly defaultAction: PolicyAction;
  readonly rules: readonly ParsedRule[];
  /** Group names by number: the document's groups first (file order), then run-time groups not in it. */
  readonly groupNames: string[] = [];
  readonly groupIndex = new Map<string, number>();
  readonly addresses = new AddressGroups();
  readonly names = new NamePatterns();
  /** Words of a membership bitset (one bit per group). */
  readonly words: number;
  /** Groups with at least one name pattern: membership that DNS, SNI or Host can still add. */
  readonly nameGroups: Uint32Array;
  /** Per rule: its `from` and `to` group numbers (-1: a group nobody defined, which contains nothing). */
  readonly ruleFrom: Int32Array;
  readonly ruleTo: Int32Array;
  /** Whether any rule lists apps (then a flow whose application is not known yet is decided provisionally). */
  readonly hasApps: boolean;
  /**
   * Per group, the rules whose `from` is that group, in order: a decision reads only the rules of the groups
   * its client is in (a few), not all of them.
   */
  readonly rulesFrom: Int32Array[];

  constructor(policy: ParsedPolicy, runtime: RuntimeGroups) {
    this.mode = policy.mode;
    this.defaultAction = policy.defaultAction;
    this.rules = policy.rules;
    const number = (name: string): number => {
      let n = this.groupIndex.get(name);
      if (n === undefined) {
        n = this.groupNames.length;
        this.groupNames.push(name);
        this.groupIndex.set(name, n);
      }
      return n;
    };
    for (const g of policy.groups.values()) number(g.name);
    for (const name of runtime.keys()) number(name);
    this.words = Math.max(1, (this.groupNames.length + 31) >>> 5);
    this.nameGroups = new Uint32Array(this.words);
    for (const g of policy.groups.values()) {
      const n = number(g.name);
      for (const c of g.cidrs) this.addresses.add(c, n);
      for (const f of g.fqdns) this.names.add(f, n);
      if (g.fqdns.length > 0) this.nameGroups[n >>> 5]! |= 1 << (n & 31);
    }
    // Run-time groups add their blocks to a document group of the same name (a label the file refers to).
    for (const [name, cidrs] of runtime) {
      const n = number(name);
      for (const c of cidrs) this.addresses.add(c, n);
    }
    this.ruleFrom = new Int32Array(this.rules.length);
    this.ruleTo = new Int32Array(this.rules.length);
    let hasApps = false;
    this.rules.forEach((r, i) => {
      this.ruleFrom[i] = this.groupIndex.get(r.from) ?? -1;
      this.ruleTo[i] = this.groupIndex.get(r.to) ?? -1;
      if (r.apps !== null) hasApps = true;
    });
    this.hasApps = hasApps;
    const lists: number[][] = this.groupNames.map(() => []);
    this.rules.forEach((_, i) => {
      const from = this.ruleFrom[i]!;
      if (from >= 0) lists[from]!.push(i);
    });
    this.rulesFrom = lists.map((l) => Int32Array.from(l));
  }

  /**
   * The rules whose `from` group is in `clientSet`, in rule order, into `out` (reused); returns how many.
   * One group: its list as is; several: their lists merged.
   */
  candidates(clientSet: Uint32Array, out: Int32Array): number {
    let n = 0;
    let lists = 0;
    for (let w = 0; w < clientSet.length; w++) {
      let word = clientSet[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const list = this.rulesFrom[(w << 5) | bit]!;
        if (list.length === 0) continue;
        out.set(list, n);
        n += list.length;
        lists++;
      }
    }
    if (lists > 1) out.subarray(0, n).sort();
    return n;
  }

  get hasNames(): boolean {
    return this.names.size > 0;
  }
}

/** Whether bit `n` of `set` is on (`n` < 0: never). */
export function hasBit(set: Uint32Array, n: number): boolean {
  return n >= 0 && (set[n >>> 5]! & (1 << (n & 31))) !== 0;
}
