/**
 * Counts over CRS's regression stages, for tests that report how far netsieve's WAF gets: stages per rule
 * file and per rule folder, and for each rule id how many stages expect it to fire and how many expect it
 * not to (with an engine's overrides applied when one is named).
 */
import { expectedOutput, type FtwEngine, type FtwStage } from './load.js';

export interface FtwRuleCount {
  /** Stages whose `expect_ids` name the rule. */
  expected: number;
  /** Stages whose `no_expect_ids` name the rule. */
  notExpected: number;
}

export interface FtwSummary {
  stages: number;
  tests: number;
  /** Stages per test file (`REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml`), sorted by file. */
  perFile: Map<string, number>;
  /** Stages per rule folder (`REQUEST-942-APPLICATION-ATTACK-SQLI`), sorted. */
  perGroup: Map<string, number>;
  /** Per rule id, sorted by id. */
  perRule: Map<number, FtwRuleCount>;
  /** Stages that expect nothing of the log (no ids, no regex): only a status or nothing. */
  noLogExpectation: number;
  /** Stages an engine's override changes (0 when no engine is named). */
  overridden: number;
}

function sortedMap<K extends string | number, V>(m: Map<K, V>): Map<K, V> {
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Counts for a list of stages; `engine` applies that engine's overrides to the expectations. */
export function summarize(stages: readonly FtwStage[], engine: FtwEngine | null = null): FtwSummary {
  const perFile = new Map<string, number>();
  const perGroup = new Map<string, number>();
  const perRule = new Map<number, FtwRuleCount>();
  const tests = new Set<string>();
  let noLogExpectation = 0;
  let overridden = 0;
  const rule = (id: number): FtwRuleCount => {
    let c = perRule.get(id);
    if (c === undefined) {
      c = { expected: 0, notExpected: 0 };
      perRule.set(id, c);
    }
    return c;
  };
  for (const s of stages) {
    perFile.set(s.file, (perFile.get(s.file) ?? 0) + 1);
    perGroup.set(s.group, (perGroup.get(s.group) ?? 0) + 1);
    tests.add(s.id);
    if (engine !== null && s.overrides[engine] !== undefined) overridden++;
    const out = expectedOutput(s, engine);
    // A stage naming an id twice still counts once for it.
    for (const id of new Set(out.expectIds)) rule(id).expected++;
    for (const id of new Set(out.noExpectIds)) rule(id).notExpected++;
    const none = out.expectIds.length === 0 && out.noExpectIds.length === 0;
    if (none && out.matchRegex === null && out.noMatchRegex === null) noLogExpectation++;
  }
  return {
    stages: stages.length,
    tests: tests.size,
    perFile: sortedMap(perFile),
    perGroup: sortedMap(perGroup),
    perRule: sortedMap(perRule),
    noLogExpectation,
    overridden,
  };
}
