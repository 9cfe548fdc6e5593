/**
 * The `netsieve` command as a person uses it: built CLI (dist/, made by `npm test`'s pretest), real files,
 * exit codes 0 (done), 1 (input unusable or damaged), 2 (usage).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
  it.each([['--help'], ['help'], ['help', 'replay'], ['replay', '--help'], ['streams', '-h'], ['live', '--help']])('netsieve %s prints usage and exits 0', (...args) => {
    const r = run(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage:/);
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run(['--version']).stdout.trim()).toBe(`netsieve ${pkg.version}`);
  });

  it.each([
    [[], /Usage:/],
    [['frobnicate'], /unknown command: frobnicate/],
    [['replay'], /at least one capture file/],
    [['replay', '--bogus', FIXTURE], /bogus/],
    [['replay', '--format', 'xml', FIXTURE], /--format must be eve or summary/],
    [['replay', '-', '-'], /standard input \(-\) can be read only once/],
    [['streams', FIXTURE], /--out DIR/],
    [['help', 'nothing'], /no such command/],
  ])('usage error %j exits 2 and says what is wrong', (args, message) => {
    const r = run(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toMatch(message);
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
    expect(r.stdout).toMatch(/elapsed\s+[\d.]+ s \([\d,]+ packets\/s/);
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
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('tcp.overlapPolicy must be first | last | bsd | linux | windows')]);
    const unknownKey = file('unknown.json', JSON.stringify({ flows: {} }));
    r = run(['replay', FIXTURE, '--config', unknownKey]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('option flows must be one of the sections')]);
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
      expect(Object.keys(f)).toEqual(['flow_id', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'client_bytes', 'server_bytes', 'gaps']);
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
    expect(written.join('')).toMatch(/big\.pcap \[#{15}\.{15}\]  50% /);
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
