/**
 * The WAF's multi-pattern prefilter (issue #12): the required literal factors of every `@rx` rule
 * (src/regex/factors.ts) and the phrases of every `@pm`/`@pmFromFile` rule go into one database on
 * netsieve's regex engine. Each transformed value a transaction produces is scanned once; a rule runs its
 * operator only on the values where one of its factors was found, and not at all when none of the values
 * its targets select (after its transformations) holds one. Factors are a necessary condition, never a
 * sufficient one: V8's RegExp (or the phrase match) still decides, with ModSecurity's semantics and captures.
 *
 * A rule is filtered when its head link's operator is `@rx` (not negated), `@pm`, `@pmf` or `@pmFromFile`
 * (negated too: the phrases are the factors, so a hit decides the operator either way),
 * without macros in its parameter, its targets are stable (not TX, MATCHED_VAR, ...:
 * see targets.ts) and factors are known for it. Others run as before; `info` counts both kinds.
 */
import { compile, type RegexDatabase } from '../../../regex/database.js';
import { type Factor, factorExpression, requiredFactors } from '../../../regex/factors.js';
import type { SecRule } from '../seclang/model.js';
import { pmPhrases } from './operators.js';

export interface PrefilterInfo {
  /** Rules (head links) the prefilter decides for. */
  filteredRules: number;
  /** `@rx`/`@pm` rules it cannot decide for (no useful factor, negated, macros, changing targets). */
  unfilteredRules: number;
  /** Distinct literals in the database. */
  factors: number;
  /** Milliseconds spent computing factors and compiling the database. */
  compileMs: number;
}

export class RulePrefilter {
  private db: RegexDatabase | null = null;
  private readonly factorIds = new Map<string, number>();
  private readonly expressions: string[] = [];
  /** Factor id -> filtered rule indices. */
  private readonly rulesOfFactor: number[][] = [];
  private filtered = 0;
  private unfiltered = 0;
  private compileMs = 0;
  private scratch = Buffer.alloc(4096);
  private stamp = new Uint32Array(0);
  private epoch = 0;
  private out: number[] = [];
  private readonly onMatch = (id: number): void => {
    const rules = this.rulesOfFactor[id]!;
    for (let k = 0; k < rules.length; k++) {
      const r = rules[k]!;
      if (this.stamp[r] === this.epoch) continue;
      this.stamp[r] = this.epoch;
      this.out.push(r);
    }
  };

  /**
   * Registers a rule's head link: its index among filtered rules, or -1 when the prefilter cannot decide for
   * it (`stableTargets`: see targets.ts).
   */
  add(rule: SecRule, stableTargets: boolean): number {
    const op = rule.operator;
    if (op === null) return -1;
    const name = op.name;
    const isRx = name === 'rx';
    const isPm = name === 'pm' || name === 'pmf' || name === 'pmFromFile';
    if (!isRx && !isPm) return -1;
    const started = performance.now();
    const factors =
      (op.negated && isRx) || op.param.includes('%{') || !stableTargets
        ? null
        : isRx
          ? rxFactors(op.param)
          : pmFactors(pmPhrases(op));
    this.compileMs += performance.now() - started;
    if (factors === null) {
      this.unfiltered++;
      return -1;
    }
    const index = this.filtered++;
    for (const f of factors) {
      const key = f.join(',');
      let id = this.factorIds.get(key);
      if (id === undefined) {
        id = this.expressions.length;
        this.factorIds.set(key, id);
        this.expressions.push(factorExpression(f));
        this.rulesOfFactor.push([]);
      }
      const list = this.rulesOfFactor[id]!;
      if (list[list.length - 1] !== index) list.push(index);
    }
    return index;
  }

  /** Compiles the database once every rule is added. */
  finish(): void {
    const started = performance.now();
    if (this.expressions.length > 0)
      this.db = compile(
        this.expressions.map((expression, id) => ({ id, expression })),
        { mode: 'block' },
      );
    this.stamp = new Uint32Array(this.filtered);
    this.compileMs += performance.now() - started;
  }

  get info(): PrefilterInfo {
    return {
      filteredRules: this.filtered,
      unfilteredRules: this.unfiltered,
      factors: this.expressions.length,
      compileMs: Math.round(this.compileMs),
    };
  }

  /** The filtered rules one of whose factors the value (a binary string) holds, each once. */
  hits(value: string): number[] {
    const db = this.db;
    if (db === null || value.length === 0) return [];
    if (value.length > this.scratch.length) this.scratch = Buffer.alloc(Math.max(value.length, this.scratch.length * 2));
    const n = this.scratch.write(value, 0, 'latin1');
    this.out = [];
    if (++this.epoch === 0xffffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
    db.scan(this.scratch.subarray(0, n), this.onMatch);
    return this.out;
  }
}

function rxFactors(pattern: string): Factor[] | null {
  try {
    // ModSecurity compiles @rx with PCRE_DOTALL.
    return requiredFactors(pattern, 's');
  } catch {
    return null; // a pattern the engine's parser does not take: V8 alone decides
  }
}

/** `@pm` phrases are matched without case (ASCII letters): each is a literal with caseless letters. */
function pmFactors(phrases: readonly string[]): Factor[] | null {
  const out: Factor[] = [];
  for (const p of phrases) {
    const f: number[] = [];
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      f.push(c >= 0x61 && c <= 0x7a ? 256 + c : c);
    }
    out.push(f);
  }
  return out.length > 0 ? out : null;
}
