/**
 * The `netsieve` command as a person uses it: built CLI (dist/, made by `npm test`'s pretest), real files,
 * exit codes 0 (done), 1 (input unusable or damaged), 2 (usage).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { readAllPackets } from '../../src/capture/reader.js';
import { Progress } from '../../src/cli/progress.js';
import { REPO_ROOT } from '../support/corpus.js';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const FIXTURE = path.join(REPO_ROOT, 'fixtures', 'loopback-mixed.pcap');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'buffer', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

describe('help and usage', () => {
  it.each([['--help'], ['help'], ['help', 'replay'], ['replay', '--help'], ['streams', '-h'], ['live', '--help']])(
    'netsieve %s prints usage and exits 0',
    (...args) => {
      const r = run(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
    },
  );

  it('without arguments prints the usage on stderr, nothing on stdout, and exits 2', () => {
    const r = run([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Usage:/);
  });

  it('every help line fits in 100 columns', () => {
    for (const args of [['--help'], ['help', 'replay'], ['help', 'streams'], ['help', 'live']]) {
      const long = run(args)
        .stdout.split('\n')
        .filter((l) => l.length > 100);
      expect(long, args.join(' ')).toEqual([]);
    }
  });

  it('the top-level help names every command option people look for, and every exit code', () => {
    const text = run(['--help']).stdout;
    for (const flag of [
      '--progress',
      '--count',
      '--duration',
      '--list',
      '--types',
      '--start',
      '--end',
      '--community-id-seed',
      '--force',
    ]) {
      expect(text).toContain(flag);
    }
    for (const code of ['0', '1', '2', '70', '74']) expect(text).toMatch(new RegExp(`^  ${code} `, 'm'));
    for (const command of ['replay', 'streams', 'live']) expect(run(['help', command]).stdout).toMatch(/^ {2}74 /m);
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run(['--version']).stdout.trim()).toBe(`netsieve ${pkg.version}`);
  });

  it.each([
    [['frobnicate'], /unknown command: frobnicate/],
    [['replay'], /at least one capture file/],
    [['replay', '--bogus', FIXTURE], /^netsieve: unknown option --bogus for 'replay'; see netsieve help replay\n$/],
    [['replay', '-x', FIXTURE], /^netsieve: unknown option -x for 'replay'; see netsieve help replay\n$/],
    [['streams', '--format', 'eve', FIXTURE], /^netsieve: unknown option --format for 'streams'; see netsieve help streams\n$/],
    [['replay', FIXTURE, '--out'], /^netsieve: option --out of 'replay' needs a value; see netsieve help replay\n$/],
    [['replay', '--format', 'xml', FIXTURE], /--format must be eve or summary/],
    [['replay', '-', '-'], /standard input \(-\) can be read only once/],
    [['replay', FIXTURE, '--types', 'flow,htp'], /unknown event type htp; valid types: flow, anomaly, http, .*alert/],
    [['replay', FIXTURE, '--count', '0'], /--count must be a whole number/],
    [['replay', FIXTURE, '--count', '1e3'], /--count must be a whole number/],
    [['replay', FIXTURE, '--start', 'yesterday'], /--start must be an ISO 8601 time/],
    [['replay', FIXTURE, '--start', '2030-01-01', '--end', '2020-01-01'], /--end must be later than --start/],
    [['replay', FIXTURE, '--community-id-seed', '70000'], /--community-id-seed must be 0 to 65535/],
    [['live', 'lo', '--types', 'flows'], /unknown event type flows; valid types: flow, anomaly/],
    [['live', 'lo', '--count', '-3'], /--count must be a whole number/],
    [['streams', FIXTURE], /--out DIR/],
    [['help', 'nothing'], /no such command/],
  ])('usage error %j exits 2 and says what is wrong', (args, message) => {
    const r = run(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('an output that cannot be written exits 74, not 1 (1 is for bad input)', () => {
    const blocker = file('not-a-dir', 'a file where a directory is needed');
    let r = run(['replay', FIXTURE, '--out', path.join(blocker, 'events.json')]);
    expect([r.status, r.stderr]).toEqual([74, expect.stringContaining('cannot write')]);
    r = run(['streams', FIXTURE, '--out', path.join(blocker, 'dir')]);
    expect([r.status, r.stderr]).toEqual([74, expect.stringContaining('cannot create')]);
    // A stream file that cannot be written in the middle of the run (a directory stands where it goes).
    const first = path.join(tmp, 'streams-74-first');
    expect(run(['streams', FIXTURE, '--out', first]).status).toBe(0);
    const id = (lines(fs.readFileSync(path.join(first, 'index.jsonl'), 'utf8'))[0] as { flow_id: number }).flow_id;
    const second = path.join(tmp, 'streams-74-second');
    fs.mkdirSync(path.join(second, `${id}.client`), { recursive: true });
    r = run(['streams', FIXTURE, '--out', second, '--force']);
    expect([r.status, r.stderr]).toEqual([74, expect.stringContaining(`cannot write ${path.join(second, `${id}.client`)}`)]);
  });

  it('subcommands do not import main.ts (no import cycle): shared pieces live in common.ts', () => {
    const dir = path.join(REPO_ROOT, 'src', 'cli');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'main.ts')) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).not.toMatch(/from '\.\/main\.js'/);
    }
  });
});

describe('netsieve replay', () => {
  it('writes one EVE JSON line per event to stdout', () => {
    const r = run(['replay', FIXTURE]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const evs = lines(r.stdout);
    const flows = evs.filter((e) => e.event_type === 'flow');
    expect(flows.length).toBe(16);
    expect(flows.filter((f) => f.proto === 'TCP')).toHaveLength(11);
    for (const f of flows) expect(f).toMatchObject({ src_ip: '127.0.0.1', dest_ip: '127.0.0.1', flow: { reason: 'shutdown' } });
  });

  it('reads standard input with - and gives the same events as the file', () => {
    const fromFile = run(['replay', FIXTURE]).stdout;
    const fromStdin = run(['replay', '-'], fs.readFileSync(FIXTURE));
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile);
  });

  it('--out writes the lines to a file and nothing to stdout', () => {
    const out = path.join(tmp, 'events.json');
    const r = run(['replay', FIXTURE, '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(lines(fs.readFileSync(out, 'utf8')).length).toBeGreaterThan(10);
  });

  it('--format summary prints totals for a person', () => {
    const r = run(['replay', FIXTURE, '--format', 'summary']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/packets\s+403 /);
    expect(r.stdout).toMatch(/flows\s+16: TCP 11, UDP 5/);
    // Rates for a person: three significant digits and a unit, never a raw float.
    expect(r.stdout).toMatch(/elapsed\s+\d[\d.,]* m?s \(\d{1,3}(\.\d+)? (k |M )?packets\/s, \d{1,3}(\.\d+)? [kMG]?B\/s\)\n/);
    expect(
      r.stdout
        .split('\n')
        .filter((l) => !l.includes('capture time'))
        .join('\n'),
    ).not.toMatch(/\d\.\d{4}/);
    expect(r.stdout).toMatch(/applications\s+dns 6, http 4, redis 4, tls 2\n/);
    // A large value (redis-cli -x SET bigkey) is kept trimmed in its record, and that is said.
    expect(r.stdout).toMatch(/anomalies\s+1: redis.string_trimmed 1\n/);
  });

  it('goes on after a file that is not a capture, names it, and exits 1', () => {
    const junk = file('notes.txt', 'these are not packets\n');
    const r = run(['replay', junk, FIXTURE]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${junk}, byte offset 0: not a pcap or pcapng file: starts with 74686573 (text?)`);
    expect(r.stderr).toContain('going on with the next input');
    expect(lines(r.stdout).filter((e) => e.event_type === 'flow')).toHaveLength(16);
  });

  it('on a capture cut short: writes every flow before the cut, says where, exits 1', () => {
    const whole = fs.readFileSync(FIXTURE);
    const cut = file('cut.pcap', whole.subarray(0, Math.floor(whole.length / 2)));
    const r = run(['replay', cut]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${cut.replace(/[.]/g, '\\.')}, packet \\d+, byte offset \\d+: `));
    const flows = lines(r.stdout).filter((e) => e.event_type === 'flow');
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((f) => (f.flow as { reason: string }).reason === 'shutdown')).toBe(true);
  });

  it('a missing file is exit 1 with the path in the message', () => {
    const r = run(['replay', path.join(tmp, 'nope.pcap')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nope.pcap');
  });

  it('takes engine options from --config and refuses bad ones with exit 2', () => {
    const good = file('good.json', JSON.stringify({ flow: { timeouts: { udpNew: 1 } }, tcp: { depth: 0 } }));
    expect(run(['replay', FIXTURE, '--config', good]).status).toBe(0);
    const notJson = file('bad.json', '{ tcp: ');
    let r = run(['replay', FIXTURE, '--config', notJson]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('is not valid JSON')]);
    const badValue = file('badvalue.json', JSON.stringify({ tcp: { overlapPolicy: 'solaris' } }));
    r = run(['replay', FIXTURE, '--config', badValue]);
    expect([r.status, r.stderr]).toEqual([
      2,
      expect.stringContaining('tcp.overlapPolicy must be first | last | bsd | linux | windows'),
    ]);
    const unknownKey = file('unknown.json', JSON.stringify({ flows: {} }));
    r = run(['replay', FIXTURE, '--config', unknownKey]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('option flows must be one of the sections')]);
  });
});

describe('replay: choosing events and packets', () => {
  it('--types writes only the event types asked for; alert is accepted', () => {
    const all = lines(run(['replay', FIXTURE]).stdout);
    const r = run(['replay', FIXTURE, '--types', 'http,dns,alert']);
    expect(r.status).toBe(0);
    const some = lines(r.stdout);
    expect(new Set(some.map((e) => e.event_type))).toEqual(new Set(['http', 'dns']));
    expect(some).toEqual(all.filter((e) => e.event_type === 'http' || e.event_type === 'dns'));
  });

  it('--count N processes the first N packets only, over several inputs', () => {
    const r = run(['replay', FIXTURE, '--count', '10', '--format', 'summary']);
    expect(r.stdout).toMatch(/packets\s+10 \(/);
    // The count runs over the inputs as one capture: the second file is not opened once it is reached.
    const two = run(['replay', FIXTURE, FIXTURE, '--count', '500', '--format', 'summary']);
    expect(two.stdout).toMatch(/packets\s+500 \(/);
    const firstOnly = run(['replay', FIXTURE, path.join(tmp, 'never-opened.pcap'), '--count', '403', '--format', 'summary']);
    expect([firstOnly.status, firstOnly.stderr]).toEqual([0, '']);
  });

  it('--count stops reading standard input once reached (as tcpdump -c)', () => {
    const r = run(['replay', '-', '--count', '3', '--format', 'summary'], fs.readFileSync(FIXTURE));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/packets\s+3 \(/);
  });

  it('--start and --end skip packets outside the time range (ISO time or epoch seconds)', () => {
    const flows = lines(run(['replay', FIXTURE, '--types', 'flow']).stdout);
    const starts = flows
      .map((f) => Date.parse((f.flow as { start: string }).start.replace('+0000', 'Z')) / 1000)
      .sort((a, b) => a - b);
    // A bound between two flows' first packets: the later flows only, or the earlier ones only.
    const cut = (starts[7]! + starts[8]!) / 2;
    expect(starts[8]! - starts[7]!).toBeGreaterThan(0.001);
    const after = lines(run(['replay', FIXTURE, '--types', 'flow', '--start', String(cut)]).stdout);
    const before = lines(run(['replay', FIXTURE, '--types', 'flow', '--end', new Date(cut * 1000).toISOString()]).stdout);
    expect(after.length).toBeGreaterThan(0);
    expect(before.length).toBeGreaterThan(0);
    for (const f of after)
      expect(Date.parse((f.flow as { start: string }).start.replace('+0000', 'Z')) / 1000).toBeGreaterThanOrEqual(cut - 0.001);
    for (const f of before) expect(Date.parse((f.flow as { end: string }).end.replace('+0000', 'Z')) / 1000).toBeLessThan(cut);
    const none = run([
      'replay',
      FIXTURE,
      '--start',
      '2000-01-01T00:00:00Z',
      '--end',
      '2000-01-02T00:00:00Z',
      '--format',
      'summary',
    ]);
    expect(none.stdout).toMatch(/packets\s+0 \(/);
    // A value that starts with '-' is the option's value (Node's parseArgs calls it ambiguous).
    const negative = run(['replay', FIXTURE, '--start', '-100', '--format', 'summary']);
    expect([negative.status, negative.stderr]).toEqual([0, '']);
    expect(negative.stdout).toMatch(/packets\s+403 \(/);
  });

  it('every event with a flow tuple carries community_id, the same for every event of a flow', () => {
    const evs = lines(run(['replay', FIXTURE]).stdout);
    const byFlow = new Map<unknown, Set<unknown>>();
    for (const e of evs) {
      if (e.src_ip === undefined) continue;
      expect(e.community_id, JSON.stringify(e)).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
      if (!byFlow.has(e.flow_id)) byFlow.set(e.flow_id, new Set());
      byFlow.get(e.flow_id)!.add(e.community_id);
    }
    for (const ids of byFlow.values()) expect(ids.size).toBe(1);
    const seeded = lines(run(['replay', FIXTURE, '--community-id-seed', '1', '--types', 'flow']).stdout);
    expect(seeded[0]!.community_id).not.toBe(
      evs.find((e) => e.flow_id === seeded[0]!.flow_id && e.event_type === 'flow')!.community_id,
    );
  });
});

describe('netsieve streams', () => {
  it('writes each TCP flow per direction and an index line per flow', () => {
    const dir = path.join(tmp, 'streams');
    const r = run(['streams', FIXTURE, '--out', dir]);
    expect(r.status).toBe(0);
    const index = lines(fs.readFileSync(path.join(dir, 'index.jsonl'), 'utf8'));
    expect(index).toHaveLength(11);
    for (const f of index) {
      expect(Object.keys(f)).toEqual([
        'flow_id',
        'src_ip',
        'src_port',
        'dest_ip',
        'dest_port',
        'client_bytes',
        'server_bytes',
        'gaps',
      ]);
      for (const [side, key] of [
        ['client', 'client_bytes'],
        ['server', 'server_bytes'],
      ] as const) {
        const p = path.join(dir, `${f.flow_id}.${side}`);
        expect(fs.existsSync(p) ? fs.statSync(p).size : 0).toBe(f[key]);
      }
    }
    // The HTTP flow that fetched /big.bin: a request out, 200 kB back.
    const big = index.find((f) => (f.server_bytes as number) > 200_000)!;
    expect(fs.readFileSync(path.join(dir, `${big.flow_id}.client`), 'latin1')).toMatch(/^GET \/big\.bin HTTP\/1\.1\r\n/);
    expect(fs.readFileSync(path.join(dir, `${big.flow_id}.server`), 'latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('takes several inputs as one capture, as replay does', () => {
    const whole = fs.readFileSync(FIXTURE);
    // The same capture cut at a record boundary into two files: the same streams as the whole.
    const packets = readAllPackets(whole);
    const half = Math.floor(packets.length / 2);
    const write = (name: string, from: number, to: number) => {
      const w = new PcapWriter();
      for (const p of packets.slice(from, to)) w.write(p.data, p.tsSec, p.tsNsec, p.origlen);
      return file(name, w.toUint8Array());
    };
    const a = write('part1.pcap', 0, half);
    const b = write('part2.pcap', half, packets.length);
    const oneDir = path.join(tmp, 'streams-one');
    const twoDir = path.join(tmp, 'streams-two');
    expect(run(['streams', FIXTURE, '--out', oneDir]).status).toBe(0);
    const r = run(['streams', a, b, '--out', twoDir]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(twoDir, 'index.jsonl'), 'utf8')).toBe(
      fs.readFileSync(path.join(oneDir, 'index.jsonl'), 'utf8'),
    );
    for (const name of fs.readdirSync(oneDir))
      expect(fs.readFileSync(path.join(twoDir, name))).toEqual(fs.readFileSync(path.join(oneDir, name)));
  });

  it('refuses a non-empty --out directory; --force replaces the previous run and keeps other files', () => {
    const dir = path.join(tmp, 'streams-reuse');
    expect(run(['streams', FIXTURE, '--out', dir]).status).toBe(0);
    const before = fs.readdirSync(dir).length;
    // A second run over a smaller capture: without --force refused, nothing touched.
    const small = run(['replay', FIXTURE, '--count', '20', '--format', 'summary']);
    expect(small.status).toBe(0);
    const packets = readAllPackets(fs.readFileSync(FIXTURE)).slice(0, 20);
    const w = new PcapWriter();
    for (const p of packets) w.write(p.data, p.tsSec, p.tsNsec, p.origlen);
    const smallCapture = file('first20.pcap', w.toUint8Array());
    let r = run(['streams', smallCapture, '--out', dir]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('is not empty')]);
    expect(fs.readdirSync(dir)).toHaveLength(before);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    r = run(['streams', smallCapture, '--out', dir, '--force']);
    expect(r.status).toBe(0);
    const index = lines(fs.readFileSync(path.join(dir, 'index.jsonl'), 'utf8'));
    const expected = new Set(['index.jsonl', 'notes.txt']);
    for (const f of index) {
      if ((f.client_bytes as number) > 0) expected.add(`${f.flow_id}.client`);
      if ((f.server_bytes as number) > 0) expected.add(`${f.flow_id}.server`);
    }
    expect(new Set(fs.readdirSync(dir))).toEqual(expected);
  });
});

describe('progress bar', () => {
  function fakeTty() {
    const written: string[] = [];
    const stream = { isTTY: true, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    return { stream, written };
  }

  it('draws on a terminal only after half a second, then clears its line', async () => {
    const { stream, written } = fakeTty();
    const p = new Progress(stream, 'big.pcap');
    p.update(10, 100, 5);
    expect(written).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 550));
    p.update(50, 100, 25);
    expect(written.join('')).toMatch(/big\.pcap \[#{15}\.{15}\] {2}50% /);
    p.done();
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('stays silent when stderr is not a terminal', async () => {
    const { stream, written } = fakeTty();
    (stream as { isTTY: boolean }).isTTY = false;
    const p = new Progress(stream, 'big.pcap');
    await new Promise((r) => setTimeout(r, 550));
    p.update(50, 100, 25);
    p.done();
    expect(written).toHaveLength(0);
  });
});
