/**
 * An ATT&CK Navigator layer (layer format 4.5) of what netsieve covers and, optionally, what fired: every
 * technique a detector or another stage tags its findings with, one entry per (technique, tactic), coloured
 * as covered; techniques that fired carry their count as the score, on a light-to-strong gradient. Load the
 * JSON in the Navigator (https://mitre-attack.github.io/attack-navigator/, "Open Existing Layer").
 *
 * The output depends on the input only, never on its order: sources, techniques and counts are sorted.
 */
import { ATTACK_TACTICS, ATTACK_TECHNIQUES, ATTACK_VERSION, STAGE_TECHNIQUES, techniqueFullName } from '../threats/attack.js';

/** The layer format written, and the Navigator release that documents it (layers/spec/v4.5, first in 4.9.0). */
export const NAVIGATOR_LAYER_VERSION = '4.5';
export const NAVIGATOR_VERSION = '5.1.0';

/** A technique covered but not seen firing: light, so it stays visible next to the scored ones. */
export const COVERED_COLOR = '#d6e6f5';
/** Scores from few (light) to the most seen (strong). */
export const SCORE_COLORS: readonly [string, string] = ['#ffe3b3', '#c62828'];

export interface NavigatorVersions {
  attack?: string;
  navigator: string;
  layer: string;
}

export interface NavigatorMetadata {
  name: string;
  value: string;
}

export interface NavigatorDivider {
  divider: boolean;
}

export interface NavigatorLink {
  label: string;
  /** With its protocol (`https://`). */
  url: string;
}

export interface NavigatorTechnique {
  /** `T1046` or `T1498.002`. */
  techniqueID: string;
  /** The tactic's short name (`discovery`); without it, the entry applies under every tactic of the technique. */
  tactic?: string;
  comment?: string;
  enabled?: boolean;
  /** Unscored when absent (no gradient colour). */
  score?: number;
  /** Overrides the score's colour. */
  color?: string;
  metadata?: (NavigatorMetadata | NavigatorDivider)[];
  links?: (NavigatorLink | NavigatorDivider)[];
  showSubtechniques?: boolean;
}

export interface NavigatorGradient {
  /** At least two; the first is `minValue`'s colour, the last `maxValue`'s. */
  colors: string[];
  minValue: number;
  /** Greater than `minValue`. */
  maxValue: number;
}

export interface NavigatorLegendItem {
  label: string;
  color: string;
}

export interface NavigatorLayout {
  layout?: 'side' | 'flat' | 'mini';
  showID?: boolean;
  showName?: boolean;
  showAggregateScores?: boolean;
  countUnscored?: boolean;
  aggregateFunction?: 'average' | 'min' | 'max' | 'sum';
  expandedSubtechniques?: 'none' | 'all' | 'annotated';
}

export interface NavigatorFilters {
  platforms?: string[];
}

/** One layer, as layer format 4.5 defines it (only `name` and `domain` are required there). */
export interface NavigatorLayer {
  name: string;
  versions?: NavigatorVersions;
  domain: 'enterprise-attack' | 'mobile-attack' | 'ics-attack';
  description?: string;
  customDataURL?: string;
  filters?: NavigatorFilters;
  /** 0 name ascending, 1 name descending, 2 score ascending, 3 score descending. */
  sorting?: 0 | 1 | 2 | 3;
  layout?: NavigatorLayout;
  hideDisabled?: boolean;
  techniques?: NavigatorTechnique[];
  gradient?: NavigatorGradient;
  legendItems?: NavigatorLegendItem[];
  showTacticRowBackground?: boolean;
  tacticRowBackground?: string;
  selectTechniquesAcrossTactics?: boolean;
  selectSubtechniquesWithParent?: boolean;
  selectVisibleTechniques?: boolean;
  metadata?: (NavigatorMetadata | NavigatorDivider)[];
  links?: (NavigatorLink | NavigatorDivider)[];
}

export interface LayerTechniqueSource {
  source: string;
  techniques: readonly string[];
  what: string;
}

export interface AttackLayerInput {
  /**
   * Who can detect what: one entry per detector ({source: def.name, techniques: def.techniques, what: def.title})
   * and per other stage (STAGE_TECHNIQUES); `layerSources` builds them.
   */
  sources: readonly LayerTechniqueSource[];
  /** What fired: technique id -> count, and per technique the sources that fired with their counts (optional). */
  fired?: Readonly<Record<string, { count: number; sources: Readonly<Record<string, number>> }>>;
  name?: string;
  description?: string;
}

/** The sources of a layer: the detectors (their name, tags and title) and the other stages' `STAGE_TECHNIQUES`. */
export function layerSources(
  detectors: readonly { name: string; techniques: readonly string[]; title: string }[],
): LayerTechniqueSource[] {
  return [...detectors.map((d) => ({ source: d.name, techniques: d.techniques, what: d.title })), ...STAGE_TECHNIQUES];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const parentOf = (id: string): string | null => (id.includes('.') ? id.slice(0, id.indexOf('.')) : null);

/** `port_scan 10, host_sweep 2`: most first, then by name. */
function countsText(counts: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || byText(a, b));
}

/** The Navigator layer of `input`: same input, same JSON. */
export function attackLayer(input: AttackLayerInput): NavigatorLayer {
  // technique -> source -> what the source is (first description met for a source name wins).
  const whatOf = new Map<string, string>();
  const coverage = new Map<string, Set<string>>();
  for (const s of input.sources) {
    if (!whatOf.has(s.source)) whatOf.set(s.source, s.what);
    for (const id of s.techniques) {
      let set = coverage.get(id);
      if (set === undefined) coverage.set(id, (set = new Set()));
      set.add(s.source);
    }
  }
  const fired = new Map<string, { count: number; sources: Readonly<Record<string, number>> }>();
  for (const [id, f] of Object.entries(input.fired ?? {})) if (f.count > 0) fired.set(id, f);

  const listed = new Set([...coverage.keys(), ...fired.keys()]);
  const known = [...listed].filter((id) => ATTACK_TECHNIQUES[id] !== undefined).sort(byText);
  const unknown = [...listed].filter((id) => ATTACK_TECHNIQUES[id] === undefined).sort(byText);
  // Parents shown only so their listed sub-techniques can be expanded under them.
  const addedParents = new Map<string, string[]>();
  for (const id of known) {
    const parent = parentOf(id);
    if (parent === null || listed.has(parent) || ATTACK_TECHNIQUES[parent] === undefined) continue;
    const subs = addedParents.get(parent) ?? [];
    subs.push(id);
    addedParents.set(parent, subs);
  }
  const withSubs = new Set(known.map(parentOf).filter((p): p is string => p !== null));

  const techniques: NavigatorTechnique[] = [];
  for (const id of [...known, ...addedParents.keys()].sort(byText)) {
    const technique = ATTACK_TECHNIQUES[id]!;
    const subs = addedParents.get(id);
    let comment: string;
    let metadata: (NavigatorMetadata | NavigatorDivider)[];
    let score: number | undefined;
    let color: string | undefined;
    if (subs !== undefined) {
      comment = `netsieve covers its sub-techniques: ${subs.join(', ')}`;
      metadata = subs.map((s) => ({ name: 'sub-technique', value: `${s} ${techniqueFullName(s)}` }));
    } else {
      const sources = [...(coverage.get(id) ?? [])].sort(byText);
      metadata = sources.map((s) => ({ name: 'detector', value: `${s}: ${whatOf.get(s) ?? ''}` }));
      const f = fired.get(id);
      const covered = sources.length > 0 ? `netsieve detectors: ${sources.join(', ')}` : 'no netsieve detector lists it';
      if (f === undefined) {
        comment = covered;
        color = COVERED_COLOR;
      } else {
        score = f.count;
        const by = countsText(f.sources);
        comment = `fired ${f.count}${by.length > 0 ? `: ${by.map(([s, n]) => `${s} ${n}`).join(', ')}` : ''}. ${covered}`;
        metadata.push({ divider: true }, { name: 'fired', value: String(f.count) });
        for (const [s, n] of by) metadata.push({ name: 'fired by', value: `${s}: ${n}` });
      }
    }
    for (const ta of technique.tactics) {
      const tactic = ATTACK_TACTICS[ta]?.shortName;
      if (tactic === undefined) continue;
      const entry: NavigatorTechnique = {
        techniqueID: id,
        tactic,
        comment,
        enabled: true,
        metadata: metadata.map((m) => ({ ...m })),
      };
      if (score !== undefined) entry.score = score;
      if (color !== undefined) entry.color = color;
      if (withSubs.has(id)) entry.showSubtechniques = true;
      techniques.push(entry);
    }
  }
  techniques.sort((a, b) => byText(a.techniqueID, b.techniqueID) || byText(a.tactic ?? '', b.tactic ?? ''));

  const maxCount = Math.max(
    0,
    ...[...fired.entries()].filter(([id]) => ATTACK_TECHNIQUES[id] !== undefined).map(([, f]) => f.count),
  );
  const total = [...fired.values()].reduce((n, f) => n + f.count, 0);
  const layerMetadata: (NavigatorMetadata | NavigatorDivider)[] = [
    { name: 'generator', value: 'netsieve' },
    { name: 'ATT&CK release checked', value: ATTACK_VERSION },
    { name: 'sources', value: [...whatOf.keys()].sort(byText).join(', ') },
  ];
  if (input.fired !== undefined) layerMetadata.push({ name: 'findings', value: String(total) });
  for (const id of unknown) {
    const sources = [...(coverage.get(id) ?? [])].sort(byText).join(', ');
    const f = fired.get(id);
    layerMetadata.push({
      name: 'not in the ATT&CK table',
      value: `${id}: ${sources}${f === undefined ? '' : ` (fired ${f.count})`}`,
    });
  }

  const legendItems: NavigatorLegendItem[] = [{ label: 'covered by netsieve, did not fire', color: COVERED_COLOR }];
  if (maxCount > 0) {
    legendItems.push({ label: 'fired: score = findings, fewest', color: SCORE_COLORS[0] });
    legendItems.push({ label: `fired: most (${maxCount})`, color: SCORE_COLORS[1] });
  }

  return {
    name: input.name ?? (input.fired === undefined ? 'netsieve coverage' : 'netsieve coverage and findings'),
    versions: { attack: ATTACK_VERSION, navigator: NAVIGATOR_VERSION, layer: NAVIGATOR_LAYER_VERSION },
    domain: 'enterprise-attack',
    description:
      input.description ??
      (input.fired === undefined
        ? "The ATT&CK techniques netsieve's detectors and stages tag their findings with."
        : "The ATT&CK techniques netsieve's detectors and stages tag their findings with; a technique's score is its findings."),
    sorting: maxCount > 0 ? 3 : 0,
    layout: {
      layout: 'side',
      showID: true,
      showName: true,
      showAggregateScores: false,
      countUnscored: false,
      aggregateFunction: 'max',
      expandedSubtechniques: 'annotated',
    },
    hideDisabled: false,
    techniques,
    gradient: { colors: [...SCORE_COLORS], minValue: 0, maxValue: maxCount > 0 ? maxCount : 1 },
    legendItems,
    showTacticRowBackground: false,
    tacticRowBackground: '#dddddd',
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
    metadata: layerMetadata,
    links: [],
  };
}
