/**
 * `netsieve threats`: the threat detectors of this build, read from the registry (src/threats/registry.ts):
 * name, title, ATT&CK techniques with their tactics, severity, what each sees, its thresholds with their
 * defaults. `--json` for programs.
 */
import { ATTACK_TACTICS, ATTACK_TECHNIQUES, THREAT_DETECTORS, techniqueFullName } from '../threats/index.js';
import { type Command, parse, UsageError } from './common.js';

export const THREATS_HELP = `Usage: netsieve threats [--json]

Lists the threat detectors netsieve runs on replay and live (unless --threats off): name,
ATT&CK techniques and tactics, severity, what each one sees and its thresholds with their
defaults (set them in --config under threats.detectors.<name>, or turn one off with false).
A threat is an EVE alert (gid 10, the detector's signature id) with the techniques in
alert.metadata, one per detector, attacker and target per window (threats.window).

Options:
  --json                one JSON document (an array, one object per detector)
  -h, --help            this text
`;

export interface ThreatDescription {
  name: string;
  title: string;
  description: string;
  signatureId: number;
  severity: number;
  category: string;
  techniques: { id: string; name: string; tactics: string[] }[];
  thresholds: { name: string; default: number | boolean; description: string }[];
}

export function describeThreats(): ThreatDescription[] {
  return THREAT_DETECTORS.map((d) => ({
    name: d.name,
    title: d.title,
    description: d.description,
    signatureId: d.signatureId,
    severity: d.severity,
    category: d.category,
    techniques: d.techniques.map((id) => ({
      id,
      name: techniqueFullName(id),
      tactics: (ATTACK_TECHNIQUES[id]?.tactics ?? []).map((t) => ATTACK_TACTICS[t]?.name ?? t),
    })),
    thresholds: Object.entries(d.defaults).map(([name, v]) => ({
      name,
      default: v,
      description: (d.docs as Record<string, string>)[name] ?? '',
    })),
  }));
}

function formatText(list: ThreatDescription[]): string {
  let out = `netsieve has ${list.length} threat detectors:\n`;
  for (const d of list) {
    out += `\n${d.name}: ${d.title} (sid ${d.signatureId}, severity ${d.severity})\n  ${d.description}\n`;
    for (const t of d.techniques) out += `  ATT&CK       ${t.id} ${t.name} [${t.tactics.join(', ')}]\n`;
    out += `  thresholds   threats.detectors.${d.name}.<name> (default) description\n`;
    const width = Math.max(0, ...d.thresholds.map((o) => o.name.length + String(o.default).length + 3));
    for (const o of d.thresholds) out += `    ${`${o.name} (${String(o.default)})`.padEnd(width)}  ${o.description}\n`;
  }
  return out;
}

export function threatsCommand(argv: string[]): number {
  const { values, positionals } = parse('threats', argv, { json: { type: 'boolean' } });
  if (positionals.length > 0)
    throw new UsageError(`threats takes no arguments (got ${positionals[0]}); see netsieve help threats`);
  if (values.help === true) {
    process.stdout.write(THREATS_HELP);
    return 0;
  }
  const list = describeThreats();
  process.stdout.write(values.json === true ? `${JSON.stringify(list, null, 2)}\n` : formatText(list));
  return 0;
}

export const threatsCli: Command = {
  name: 'threats',
  usage: ['threats [--json]'],
  help: THREATS_HELP,
  run: async (argv) => threatsCommand(argv),
};

export const THREATS_BEGIN =
  '<!-- threats:begin (generated from src/threats/registry.ts by `npm run docs:options`; edit there) -->';
export const THREATS_END = '<!-- threats:end -->';

/** The README's table of detectors (markdown): one row per detector, its techniques and its thresholds. */
export function threatsTable(): string {
  const rows = ['| detector | ATT&CK | sid | what it sees | thresholds (default) |', '|---|---|---|---|---|'];
  for (const d of describeThreats()) {
    const techniques = d.techniques.map((t) => `${t.id} ${t.name}`).join('; ');
    const thresholds = d.thresholds.map((o) => `\`${o.name}\` ${String(o.default)}`).join(', ');
    rows.push(`| \`${d.name}\` | ${techniques} | ${d.signatureId} | ${d.description} | ${thresholds} |`);
  }
  return `${rows.join('\n')}\n`;
}

/** \`readme\` with the text between the threat markers replaced by the current table. */
export function withThreatsTable(readme: string): string {
  const begin = readme.indexOf(THREATS_BEGIN);
  const end = readme.indexOf(THREATS_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the markers ${THREATS_BEGIN} ... ${THREATS_END}`);
  return `${readme.slice(0, begin + THREATS_BEGIN.length)}\n${threatsTable()}${readme.slice(end)}`;
}
