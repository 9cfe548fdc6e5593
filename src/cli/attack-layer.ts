/**
 * `netsieve attack-layer [CAPTURE...] --out layer.json`: the ATT&CK Navigator layer of netsieve's coverage
 * (every technique its detectors, DLP sensors and policy are tagged with), scored by what fired in the
 * captures when there are any. The layer comes from the engine (`engine.attackLayer()`), so the command and
 * the library give the same document.
 */
import { createEngine } from '../engine.js';
import {
  type Command,
  DETECT_OPTIONS,
  EXIT_CODES_HELP,
  EXIT_OK,
  parse,
  POLICY_OPTIONS,
  stageOptions,
  progressChoice,
  replayInputs,
  THREAT_OPTIONS,
} from './common.js';
import { LineSink } from './sink.js';

const HELP = `Usage: netsieve attack-layer [file|-]... [--out layer.json] [options]

Writes an ATT&CK Navigator layer (layer format 4.5, domain enterprise-attack) of what netsieve
detects: every technique its threat detectors, DLP sensors and policy violations are tagged
with, each with a comment naming them. Given captures, they are replayed with the threat
detectors on (and the rules, DLP sensors and policy given here), and the techniques that
fired get a score (how many alerts) on a colour gradient; the rest stay coloured as coverage.
Open the file in the Navigator (https://mitre-attack.github.io/attack-navigator/, "Open
Existing Layer").

Options:
  --out FILE            write the layer there instead of standard output
  --name TEXT           the layer's name (default: netsieve)
  --threats on|off|D,D  which detectors run on the captures (default on)
  --rules FILE, --dlp S,..., --policy FILE, --mode M, --groups FILE
                        as for replay: DLP alerts score T1041/T1048, violations T1021
  --config FILE         engine options as JSON (as for replay; its threats section too)
  --progress            show the progress bar even when stderr is not a terminal
  --no-progress         never show it
  -h, --help            this text

Examples:
  netsieve attack-layer --out coverage.json
  netsieve attack-layer monday.pcap --dlp all --out monday-layer.json

${EXIT_CODES_HELP}`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('attack-layer', argv, {
    out: { type: 'string' },
    name: { type: 'string' },
    config: { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
    ...DETECT_OPTIONS,
    ...POLICY_OPTIONS,
    ...THREAT_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const engine = createEngine({
    ...stageOptions(values),
    // Nothing is written but the layer: events are not built, only counted.
    eventTypes: [],
  });
  const exit = await replayInputs(engine, positionals, progressChoice(values));
  engine.close();
  const name = values.name as string | undefined;
  const layer = engine.attackLayer(name !== undefined ? { name } : {});
  const sink = LineSink.open(values.out as string | undefined);
  try {
    sink.write(JSON.stringify(layer, null, 2));
    await sink.close();
  } finally {
    sink.abandon();
  }
  const techniques = layer.techniques ?? [];
  const fired = techniques.filter((t) => t.score !== undefined);
  process.stderr.write(
    `netsieve: ${new Set(techniques.map((t) => t.techniqueID)).size} techniques covered` +
      (positionals.length > 0
        ? `, ${new Set(fired.map((t) => t.techniqueID)).size} fired in ${positionals.length} capture${positionals.length === 1 ? '' : 's'}` +
          ` (${engine.stats().threats?.alerts ?? 0} threat alerts)`
        : '') +
      '\n',
  );
  return exit;
}

export const attackLayerCommand: Command = {
  name: 'attack-layer',
  usage: [
    'attack-layer [file|-]... [--out FILE] [--name TEXT] [--threats on|off|D,...]',
    '    [--rules FILE]... [--dlp S,...] [--policy FILE] [--config FILE]',
  ],
  help: HELP,
  run,
};
