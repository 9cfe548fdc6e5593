/**
 * The ATT&CK Navigator layer (src/output/attack-layer.ts), checked against the layer format 4.5 document of
 * the Navigator (layers/spec/v4.5/layerformat.md in mitre-attack/attack-navigator): `validateLayer` below
 * encodes that document's property tables (required fields, types, allowed values) as our own code.
 */
import { describe, expect, it } from 'vitest';
import {
  type AttackLayerInput,
  attackLayer,
  COVERED_COLOR,
  layerSources,
  type NavigatorLayer,
  type NavigatorTechnique,
  SCORE_COLORS,
} from '../../src/output/attack-layer.js';
import { ATTACK_TACTICS, ATTACK_TECHNIQUES, ATTACK_VERSION, STAGE_TECHNIQUES } from '../../src/threats/attack.js';

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';
interface Field {
  kind: Kind;
  required?: boolean;
  /** Allowed values, when the document lists them. */
  oneOf?: readonly (string | number)[];
  /** Elements of an array field. */
  items?: (value: unknown, at: string, out: string[]) => void;
  /** A nested object's fields. */
  fields?: Readonly<Record<string, Field>>;
}

const ENTERPRISE_PLATFORMS = [
  'PRE',
  'Windows',
  'Linux',
  'macOS',
  'Network',
  'AWS',
  'GCP',
  'Azure',
  'Azure AD',
  'Office 365',
  'SaaS',
];
const HEX_COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;

function kindOf(v: unknown): Kind | 'null' | 'undefined' | 'other' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' || t === 'undefined' ? t : 'other';
}

function checkObject(v: unknown, fields: Readonly<Record<string, Field>>, at: string, out: string[]): void {
  if (kindOf(v) !== 'object') {
    out.push(`${at}: not an object`);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!(key in fields)) out.push(`${at}.${key}: not a property of the format`);
  for (const [key, f] of Object.entries(fields)) {
    const value = o[key];
    if (value === undefined) {
      if (f.required) out.push(`${at}.${key}: required`);
      continue;
    }
    if (kindOf(value) !== f.kind) {
      out.push(`${at}.${key}: ${kindOf(value)}, the format says ${f.kind}`);
      continue;
    }
    if (f.kind === 'number' && !Number.isFinite(value)) out.push(`${at}.${key}: not a finite number`);
    if (f.oneOf !== undefined && !f.oneOf.includes(value as string | number))
      out.push(`${at}.${key}: ${JSON.stringify(value)} is not one of ${f.oneOf.join(', ')}`);
    if (f.fields !== undefined) checkObject(value, f.fields, `${at}.${key}`, out);
    if (f.items !== undefined) for (const [i, item] of (value as unknown[]).entries()) f.items(item, `${at}.${key}[${i}]`, out);
  }
}

const DIVIDER: Record<string, Field> = { divider: { kind: 'boolean', required: true } };
const METADATA: Record<string, Field> = { name: { kind: 'string', required: true }, value: { kind: 'string', required: true } };
const LINK: Record<string, Field> = { label: { kind: 'string', required: true }, url: { kind: 'string', required: true } };

function metadataItem(v: unknown, at: string, out: string[]): void {
  const isDivider = kindOf(v) === 'object' && 'divider' in (v as object);
  checkObject(v, isDivider ? DIVIDER : METADATA, at, out);
}

function linkItem(v: unknown, at: string, out: string[]): void {
  const isDivider = kindOf(v) === 'object' && 'divider' in (v as object);
  checkObject(v, isDivider ? DIVIDER : LINK, at, out);
  const url = (v as { url?: unknown }).url;
  if (!isDivider && typeof url === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) out.push(`${at}.url: no protocol prefix`);
}

function stringItem(v: unknown, at: string, out: string[]): void {
  if (typeof v !== 'string') out.push(`${at}: not a string`);
}

const TECHNIQUE: Record<string, Field> = {
  techniqueID: { kind: 'string', required: true },
  tactic: { kind: 'string' },
  comment: { kind: 'string' },
  enabled: { kind: 'boolean' },
  score: { kind: 'number' },
  color: { kind: 'string' },
  metadata: { kind: 'array', items: metadataItem },
  links: { kind: 'array', items: linkItem },
  showSubtechniques: { kind: 'boolean' },
};

function techniqueItem(v: unknown, at: string, out: string[]): void {
  checkObject(v, TECHNIQUE, at, out);
  const t = v as Partial<NavigatorTechnique>;
  if (typeof t.techniqueID === 'string' && !/^T\d{4}(\.\d{3})?$/.test(t.techniqueID))
    out.push(`${at}.techniqueID: not T#### or T####.###`);
  if (typeof t.color === 'string' && t.color !== '' && !HEX_COLOR.test(t.color)) out.push(`${at}.color: not a hex colour`);
  if (t.showSubtechniques === true && typeof t.techniqueID === 'string' && t.techniqueID.includes('.'))
    out.push(`${at}.showSubtechniques: on a sub-technique`);
}

function legendItem(v: unknown, at: string, out: string[]): void {
  checkObject(v, { label: { kind: 'string', required: true }, color: { kind: 'string', required: true } }, at, out);
  const c = (v as { color?: unknown }).color;
  if (typeof c === 'string' && !HEX_COLOR.test(c)) out.push(`${at}.color: not a hex colour`);
}

const LAYER: Record<string, Field> = {
  versions: {
    kind: 'object',
    fields: {
      attack: { kind: 'string' },
      navigator: { kind: 'string', required: true },
      layer: { kind: 'string', required: true, oneOf: ['4.5'] },
    },
  },
  name: { kind: 'string', required: true },
  description: { kind: 'string' },
  domain: { kind: 'string', required: true, oneOf: ['enterprise-attack', 'mobile-attack', 'ics-attack'] },
  customDataURL: { kind: 'string' },
  filters: { kind: 'object', fields: { platforms: { kind: 'array', items: stringItem } } },
  sorting: { kind: 'number', oneOf: [0, 1, 2, 3] },
  layout: {
    kind: 'object',
    fields: {
      layout: { kind: 'string', oneOf: ['side', 'flat', 'mini'] },
      showID: { kind: 'boolean' },
      showName: { kind: 'boolean' },
      showAggregateScores: { kind: 'boolean' },
      countUnscored: { kind: 'boolean' },
      aggregateFunction: { kind: 'string', oneOf: ['average', 'min', 'max', 'sum'] },
      expandedSubtechniques: { kind: 'string', oneOf: ['none', 'all', 'annotated'] },
    },
  },
  hideDisabled: { kind: 'boolean' },
  techniques: { kind: 'array', items: techniqueItem },
  gradient: {
    kind: 'object',
    fields: {
      colors: { kind: 'array', required: true, items: stringItem },
      minValue: { kind: 'number', required: true },
      maxValue: { kind: 'number', required: true },
    },
  },
  legendItems: { kind: 'array', items: legendItem },
  showTacticRowBackground: { kind: 'boolean' },
  tacticRowBackground: { kind: 'string' },
  selectTechniquesAcrossTactics: { kind: 'boolean' },
  selectSubtechniquesWithParent: { kind: 'boolean' },
  selectVisibleTechniques: { kind: 'boolean' },
  metadata: { kind: 'array', items: metadataItem },
  links: { kind: 'array', items: linkItem },
};

/** `[major, minor, patch]` of `5.1.0`, or null. */
const semver = (v: string): number[] | null => (/^\d+\.\d+\.\d+$/.test(v) ? v.split('.').map(Number) : null);

/** Problems of a layer against layer format 4.5, one sentence each; none when it conforms. */
function validateLayer(layer: unknown): string[] {
  const out: string[] = [];
  checkObject(layer, LAYER, 'layer', out);
  const l = layer as Partial<NavigatorLayer>;
  const nav = l.versions?.navigator;
  if (typeof nav === 'string') {
    const v = semver(nav);
    if (v === null) out.push('layer.versions.navigator: not x.y.z');
    else if ((v[0] ?? 0) * 1e6 + (v[1] ?? 0) * 1e3 + (v[2] ?? 0) < 4_009_000) out.push('layer.versions.navigator: below 4.9.0');
  }
  const g = l.gradient;
  if (g !== undefined && Array.isArray(g.colors)) {
    if (g.colors.length < 2) out.push('layer.gradient.colors: fewer than two');
    for (const c of g.colors)
      if (typeof c === 'string' && !HEX_COLOR.test(c)) out.push(`layer.gradient.colors: ${c} is not a hex colour`);
    if (typeof g.minValue === 'number' && typeof g.maxValue === 'number' && !(g.maxValue > g.minValue))
      out.push('layer.gradient: maxValue is not above minValue');
  }
  if (l.domain === 'enterprise-attack' && Array.isArray(l.filters?.platforms))
    for (const p of l.filters.platforms)
      if (!ENTERPRISE_PLATFORMS.includes(p)) out.push(`layer.filters.platforms: ${p} is not an enterprise platform`);
  if (typeof l.tacticRowBackground === 'string' && !HEX_COLOR.test(l.tacticRowBackground))
    out.push('layer.tacticRowBackground: not a hex colour');
  return out;
}

/** The fields the document marks required, by object: what the validator enforces. */
const REQUIRED = {
  layer: Object.keys(LAYER).filter((k) => LAYER[k]?.required),
  versions: Object.entries(LAYER.versions?.fields ?? {})
    .filter(([, f]) => f.required)
    .map(([k]) => k),
  technique: Object.keys(TECHNIQUE).filter((k) => TECHNIQUE[k]?.required),
  gradient: Object.entries(LAYER.gradient?.fields ?? {})
    .filter(([, f]) => f.required)
    .map(([k]) => k),
  legendItem: ['label', 'color'],
  metadata: Object.keys(METADATA),
  link: Object.keys(LINK),
  divider: Object.keys(DIVIDER),
};

const DETECTORS = [
  { name: 'port_scan', techniques: ['T1046'], title: 'Port scan' },
  { name: 'host_sweep', techniques: ['T1046'], title: 'Host sweep' },
  { name: 'syn_flood', techniques: ['T1498.001', 'T1499.001'], title: 'SYN flood' },
  { name: 'dns_amplification', techniques: ['T1498.002'], title: 'DNS amplification' },
  { name: 'arp_spoof', techniques: ['T1557.002'], title: 'ARP spoofing' },
  { name: 'dns_tunnel', techniques: ['T1071.004', 'T1572'], title: 'DNS tunnelling' },
  { name: 'cryptominer', techniques: ['T1496.001'], title: 'Cryptomining pool traffic' },
  { name: 'brute_force', techniques: ['T1110'], title: 'Brute force' },
];

const INPUT: AttackLayerInput = {
  sources: layerSources(DETECTORS),
  fired: {
    T1046: { count: 12, sources: { host_sweep: 2, port_scan: 10 } },
    'T1498.002': { count: 3, sources: { dns_amplification: 3 } },
    T1557: { count: 0, sources: {} },
  },
};

const entries = (layer: NavigatorLayer, id: string): NavigatorTechnique[] =>
  (layer.techniques ?? []).filter((t) => t.techniqueID === id);

describe('validateLayer (layer format 4.5, from its property tables)', () => {
  it('enforces the fields the document marks required', () => {
    expect(REQUIRED).toEqual({
      layer: ['name', 'domain'],
      versions: ['navigator', 'layer'],
      technique: ['techniqueID'],
      gradient: ['colors', 'minValue', 'maxValue'],
      legendItem: ['label', 'color'],
      metadata: ['name', 'value'],
      link: ['label', 'url'],
      divider: ['divider'],
    });
    expect(validateLayer({})).toEqual(['layer.name: required', 'layer.domain: required']);
    expect(validateLayer({ name: 'x', domain: 'enterprise-attack', versions: {}, gradient: {}, techniques: [{}] })).toEqual([
      'layer.versions.navigator: required',
      'layer.versions.layer: required',
      'layer.techniques[0].techniqueID: required',
      'layer.gradient.colors: required',
      'layer.gradient.minValue: required',
      'layer.gradient.maxValue: required',
    ]);
  });

  it('refuses wrong types, values outside the documented sets and broken constraints', () => {
    const bad = {
      name: 'x',
      domain: 'pre-attack',
      versions: { navigator: '4.8.2', layer: '4.4' },
      sorting: 5,
      hideDisabled: 'no',
      layout: { layout: 'wide', aggregateFunction: 'median', expandedSubtechniques: 'some' },
      techniques: [
        { techniqueID: '1046', score: '3', color: 'red', showSubtechniques: true },
        { techniqueID: 'T1498.001', showSubtechniques: true },
      ],
      gradient: { colors: ['#ffffff'], minValue: 5, maxValue: 5 },
      legendItems: [{ label: 'l' }],
      metadata: [{ name: 'n' }, { divider: 'yes' }],
      links: [{ label: 'l', url: 'example.org' }],
      colour: '#ffffff',
    };
    expect(validateLayer(bad)).toEqual([
      'layer.colour: not a property of the format',
      'layer.versions.layer: "4.4" is not one of 4.5',
      'layer.domain: "pre-attack" is not one of enterprise-attack, mobile-attack, ics-attack',
      'layer.sorting: 5 is not one of 0, 1, 2, 3',
      'layer.layout.layout: "wide" is not one of side, flat, mini',
      'layer.layout.aggregateFunction: "median" is not one of average, min, max, sum',
      'layer.layout.expandedSubtechniques: "some" is not one of none, all, annotated',
      'layer.hideDisabled: string, the format says boolean',
      'layer.techniques[0].score: string, the format says number',
      'layer.techniques[0].techniqueID: not T#### or T####.###',
      'layer.techniques[0].color: not a hex colour',
      'layer.techniques[1].showSubtechniques: on a sub-technique',
      'layer.legendItems[0].color: required',
      'layer.metadata[0].value: required',
      'layer.metadata[1].divider: string, the format says boolean',
      'layer.links[0].url: no protocol prefix',
      'layer.versions.navigator: below 4.9.0',
      'layer.gradient.colors: fewer than two',
      'layer.gradient: maxValue is not above minValue',
    ]);
  });
});

describe('attackLayer', () => {
  it('writes a layer that conforms to layer format 4.5, with and without findings, and for no sources', () => {
    expect(validateLayer(attackLayer(INPUT))).toEqual([]);
    expect(validateLayer(attackLayer({ sources: INPUT.sources }))).toEqual([]);
    expect(validateLayer(attackLayer({ sources: [] }))).toEqual([]);
    expect(validateLayer(JSON.parse(JSON.stringify(attackLayer(INPUT))))).toEqual([]);
  });

  it('says its versions: the checked ATT&CK release, Navigator 5.1.0, layer 4.5, Enterprise', () => {
    const layer = attackLayer(INPUT);
    expect(layer.versions).toEqual({ attack: ATTACK_VERSION, navigator: '5.1.0', layer: '4.5' });
    expect(layer.domain).toBe('enterprise-attack');
    expect(layer.hideDisabled).toBe(false);
  });

  it('gives the same JSON for the same input, in any order', () => {
    const shuffled: AttackLayerInput = {
      sources: [...INPUT.sources].reverse().map((s) => ({ ...s, techniques: [...s.techniques].reverse() })),
      fired: Object.fromEntries(
        Object.entries(INPUT.fired ?? {})
          .reverse()
          .map(([k, f]) => [k, { count: f.count, sources: Object.fromEntries(Object.entries(f.sources).reverse()) }]),
      ),
    };
    const a = JSON.stringify(attackLayer(INPUT));
    expect(JSON.stringify(attackLayer(INPUT))).toBe(a);
    expect(JSON.stringify(attackLayer(shuffled))).toBe(a);
    const ids = (attackLayer(INPUT).techniques ?? []).map((t) => `${t.techniqueID} ${t.tactic}`);
    expect(ids).toEqual([...ids].sort());
  });

  it('lists one entry per technique and tactic, for every technique a source lists, enabled, with a detector in metadata', () => {
    const layer = attackLayer(INPUT);
    const wanted = new Set(INPUT.sources.flatMap((s) => s.techniques));
    const got = new Set((layer.techniques ?? []).map((t) => t.techniqueID));
    for (const id of wanted) expect(got, id).toContain(id);
    for (const id of wanted) {
      const tactics = (ATTACK_TECHNIQUES[id]?.tactics ?? []).map((ta) => ATTACK_TACTICS[ta]?.shortName);
      expect(
        entries(layer, id).map((t) => t.tactic),
        id,
      ).toEqual([...tactics].sort());
      for (const e of entries(layer, id)) {
        expect(e.enabled).toBe(true);
        expect(e.metadata?.some((m) => 'name' in m && m.name === 'detector')).toBe(true);
      }
    }
    // T1557.002 is under both of its tactics.
    expect(entries(layer, 'T1557.002').map((t) => t.tactic)).toEqual(['collection', 'credential-access']);
    // The other stages are sources too.
    for (const s of STAGE_TECHNIQUES) for (const id of s.techniques) expect(got).toContain(id);
  });

  it('uses only technique ids of ATTACK_TECHNIQUES, with their tactics', () => {
    for (const t of attackLayer(INPUT).techniques ?? []) {
      const technique = ATTACK_TECHNIQUES[t.techniqueID];
      expect(technique, t.techniqueID).toBeDefined();
      expect(technique?.tactics.map((ta) => ATTACK_TACTICS[ta]?.shortName)).toContain(t.tactic);
    }
  });

  it('scores what fired by its count, and names the sources and their counts in the comment', () => {
    const layer = attackLayer(INPUT);
    const [scan] = entries(layer, 'T1046');
    expect(scan?.score).toBe(12);
    expect(scan?.color).toBeUndefined();
    expect(scan?.comment).toBe('fired 12: port_scan 10, host_sweep 2. netsieve detectors: host_sweep, port_scan');
    expect(scan?.metadata).toContainEqual({ name: 'fired by', value: 'port_scan: 10' });
    expect(entries(layer, 'T1498.002')[0]?.score).toBe(3);
    expect(layer.gradient).toEqual({ colors: [...SCORE_COLORS], minValue: 0, maxValue: 12 });
    expect(layer.sorting).toBe(3);
    expect(layer.legendItems?.map((l) => l.color)).toEqual([COVERED_COLOR, ...SCORE_COLORS]);
  });

  it('colours what is covered but did not fire (a count of 0 included), without a score', () => {
    const layer = attackLayer(INPUT);
    for (const id of ['T1110', 'T1572', 'T1557.002', 'T1041']) {
      const [e] = entries(layer, id);
      expect(e?.score, id).toBeUndefined();
      expect(e?.color, id).toBe(COVERED_COLOR);
    }
    expect(entries(layer, 'T1110')[0]?.comment).toBe('netsieve detectors: brute_force');
    expect(entries(layer, 'T1046')[0]?.color).toBeUndefined();
    // Only coverage: every entry coloured, the gradient still valid, one legend item.
    const plain = attackLayer({ sources: INPUT.sources });
    const added = (t: NavigatorTechnique) => t.comment?.startsWith('netsieve covers its sub-techniques') === true;
    expect([...new Set((plain.techniques ?? []).filter(added).map((t) => t.techniqueID))]).toEqual([
      'T1071',
      'T1496',
      'T1498',
      'T1499',
      'T1557',
    ]);
    for (const t of plain.techniques ?? []) expect(t.color, t.techniqueID).toBe(added(t) ? undefined : COVERED_COLOR);
    expect(plain.techniques?.some((t) => t.score !== undefined)).toBe(false);
    expect(plain.gradient).toEqual({ colors: [...SCORE_COLORS], minValue: 0, maxValue: 1 });
    expect(plain.legendItems).toEqual([{ label: 'covered by netsieve, did not fire', color: COVERED_COLOR }]);
  });

  it('shows sub-techniques under a listed parent, and adds an unlisted parent to show them', () => {
    const layer = attackLayer(INPUT);
    // T1498 is not listed by any source, but its sub-techniques are: added, uncoloured, showing them.
    expect(entries(layer, 'T1498')).toEqual([
      expect.objectContaining({
        tactic: 'impact',
        showSubtechniques: true,
        comment: 'netsieve covers its sub-techniques: T1498.001, T1498.002',
      }),
    ]);
    expect(entries(layer, 'T1498')[0]?.color).toBeUndefined();
    expect(entries(layer, 'T1496')[0]?.showSubtechniques).toBe(true);
    // T1071 listed by a source of its own, beside T1071.004: its entry keeps its colour and shows the sub-technique.
    const both = attackLayer({ sources: [...INPUT.sources, { source: 'c2', techniques: ['T1071'], what: 'C2 traffic' }] });
    expect(entries(both, 'T1071')[0]).toMatchObject({
      showSubtechniques: true,
      color: COVERED_COLOR,
      comment: 'netsieve detectors: c2',
    });
    // A sub-technique never has showSubtechniques; a parent without listed sub-techniques has none either.
    for (const t of layer.techniques ?? []) if (t.techniqueID.includes('.')) expect(t.showSubtechniques).toBeUndefined();
    expect(entries(layer, 'T1110')[0]?.showSubtechniques).toBeUndefined();
    expect(layer.layout?.expandedSubtechniques).toBe('annotated');
  });

  it('leaves an id the ATT&CK table does not know out of the techniques, and names it in the metadata', () => {
    const layer = attackLayer({ sources: [{ source: 'x', techniques: ['T9999', 'T1046'], what: 'X' }] });
    expect(entries(layer, 'T9999')).toEqual([]);
    expect(layer.metadata).toContainEqual({ name: 'not in the ATT&CK table', value: 'T9999: x' });
    expect(validateLayer(layer)).toEqual([]);
    const fired = attackLayer({ sources: [], fired: { T9999: { count: 2, sources: { x: 2 } } } });
    expect(fired.metadata).toContainEqual({ name: 'not in the ATT&CK table', value: 'T9999:  (fired 2)' });
    expect(fired.gradient?.maxValue).toBe(1);
  });

  it('takes the name and description given', () => {
    const layer = attackLayer({ sources: [], name: 'lab capture', description: 'the lab' });
    expect([layer.name, layer.description]).toEqual(['lab capture', 'the lab']);
  });
});
