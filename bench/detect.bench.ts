/**
 * The detection stage on mixed small-transaction traffic, beside Suricata in the same run: `netsieve replay`
 * with the detection benchmark's rules (../shared/rules/bench.rules) and every DLP sensor, against the same
 * replay without detection, and against `suricata --runmode single` with the same rules. Each command is a
 * process of its own, run in turn (netsieve, netsieve without detection, Suricata) `ROUNDS` times; the table
 * gives medians of wall time and of CPU time (user + system, children's rusage), packets/s, and netsieve's
 * packets/s as a share of Suricata's.
 *
 *   npx tsx bench/detect.bench.ts [capture.pcap] [rules]
 *
 * Input: bench/captures/mixed.pcap, recorded by `sudo ../shared/tools/record-mixed-capture.sh
 * bench/captures/mixed.pcap 2` (nginx/wrk keep-alive HTTP, curl, pipelined redis-benchmark, a UDP DNS client,
 * TLS: about 500k packets). Both write alerts only: netsieve `--types alert`, Suricata with an EVE output of
 * alerts alone (a configuration derived from the installed suricata.yaml in a temporary folder).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureSync } from '../src/index.js';
import { machine, median } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const capture = process.argv[2] ?? path.join(here, 'captures', 'mixed.pcap');
const rules = process.argv[3] ?? path.join(root, '..', 'shared', 'rules', 'bench.rules');
const ROUNDS = Number(process.env.NETSIEVE_BENCH_ROUNDS ?? 5);
if (!fs.existsSync(capture)) {
  console.log(
    `detect: ${capture} is missing. Record it first (root, ~10 s): sudo ../shared/tools/record-mixed-capture.sh ${capture} 2`,
  );
  process.exit(0);
}
if (!fs.existsSync(rules)) {
  console.log(`detect: the rules ${rules} are missing (the shared folder's rules/bench.rules).`);
  process.exit(0);
}
const cli = path.join(root, 'dist', 'cli', 'main.js');
if (!fs.existsSync(cli)) {
  console.log('detect: dist/ is missing; run npm run build first.');
  process.exit(1);
}

const counter = openCaptureSync(capture);
let packets = 0;
while (counter.pumpSync(() => void packets++));
counter.close();
console.log(`# detect on ${path.basename(capture)}: ${packets} packets; rules ${path.basename(rules)} + --dlp all`);
console.log(`# ${machine()}`);

interface Sample {
  wall: number;
  cpu: number;
  alerts: number;
}

/** Runs a command with its stdout to a file: wall seconds, exit status, stderr. */
function run(cmd: string, args: string[], out: string): { wall: number; status: number | null; stderr: string } {
  const t0 = performance.now();
  const fd = fs.openSync(out, 'w');
  const r = spawnSync(cmd, args, { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  fs.closeSync(fd);
  return { wall: (performance.now() - t0) / 1000, status: r.status, stderr: r.stderr };
}

/** Runs under /usr/bin/time -f '%U %S' when present, for the command's own CPU seconds. */
function timed(cmd: string, args: string[], out: string): Sample {
  const time = fs.existsSync('/usr/bin/time');
  const r = time ? run('/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args], out) : run(cmd, args, out);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-800)}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall: r.wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, alerts: 0 };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-detect-bench-'));
const suricataPresent = spawnSync('suricata', ['-V'], { encoding: 'utf8' }).status === 0;
let suricataYaml: string | null = null;
if (suricataPresent && fs.existsSync('/etc/suricata/suricata.yaml')) {
  // The installed configuration with its EVE output reduced to alerts (and stats off), so that both sides
  // write the same kind of output.
  const yaml = fs.readFileSync('/etc/suricata/suricata.yaml', 'utf8');
  const start = yaml.indexOf('      types:\n', yaml.indexOf('- eve-log:'));
  const end = yaml.indexOf('\n  # a line based log', start);
  if (start > 0 && end > start) {
    suricataYaml = path.join(tmp, 'suricata.yaml');
    fs.writeFileSync(suricataYaml, `${yaml.slice(0, start)}      types:\n        - alert\n${yaml.slice(end)}`);
  }
}

const samples: Record<string, Sample[]> = { netsieve: [], 'netsieve, no detection': [], suricata: [] };
const alertsOf = (file: string, field: string) => fs.readFileSync(file, 'utf8').split(field).length - 1;
for (let round = 0; round < ROUNDS; round++) {
  const out = path.join(tmp, 'out.json');
  const a = timed(
    process.execPath,
    [cli, 'replay', capture, '--no-progress', '--types', 'alert', '--rules', rules, '--dlp', 'all'],
    out,
  );
  a.alerts = alertsOf(out, '"event_type":"alert"');
  samples.netsieve!.push(a);
  samples['netsieve, no detection']!.push(
    timed(process.execPath, [cli, 'replay', capture, '--no-progress', '--types', 'alert'], out),
  );
  if (suricataPresent) {
    const logDir = path.join(tmp, 'suricata');
    fs.rmSync(logDir, { recursive: true, force: true });
    fs.mkdirSync(logDir);
    const args = [
      '-r',
      capture,
      '--runmode',
      'single',
      '-S',
      rules,
      '-l',
      logDir,
      '-k',
      'none',
      '--set',
      'stream.midstream=true',
    ];
    if (suricataYaml !== null) args.push('-c', suricataYaml);
    const s = timed('suricata', args, path.join(tmp, 'suricata.out'));
    const eve = path.join(logDir, 'eve.json');
    s.alerts = fs.existsSync(eve) ? alertsOf(eve, '"event_type":"alert"') : 0;
    samples.suricata!.push(s);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

const row = (name: string, list: Sample[]) => {
  if (list.length === 0) return null;
  const wall = median(list.map((x) => x.wall));
  const cpu = median(list.map((x) => x.cpu));
  return { name, wall, cpu, pps: packets / wall, alerts: list[0]!.alerts };
};
const rows = Object.entries(samples)
  .map(([n, l]) => row(n, l))
  .filter((r) => r !== null);
const su = rows.find((r) => r.name === 'suricata');
console.log(`\n| command | wall s (median of ${ROUNDS}) | CPU s | packets/s | alerts | × Suricata's packets/s |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${Math.round(r.pps).toLocaleString('en-US')} | ${r.name.includes('no detection') ? '' : r.alerts} | ${su ? (r.pps / su.pps).toFixed(2) : ''} |`,
  );
if (!suricataPresent)
  console.log('\nSuricata is not installed: no comparison (Debian 12: apt-get install -t bookworm-backports suricata).');
