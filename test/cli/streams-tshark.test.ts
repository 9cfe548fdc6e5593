/**
 * Differential test of TCP reassembly: for every TCP flow of the shared corpus, the bytes `netsieve streams`
 * writes per direction must equal what `tshark -z follow,tcp,raw` gives for the same conversation.
 *
 * Every stream is compared unless the capture lost part of it (tshark flags lost or unseen-but-acknowledged
 * segments, or netsieve reports a gap): there the two tools may rightly differ. Streams that differ for a
 * known reason are listed in KNOWN with the reason, and the test checks they still differ the same way.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusFilesWhere, corpusPath, corpusPresent, ownFixtures, REPO_ROOT, truthOf } from '../support/corpus.js';
import { runTool, toolAbsent, toolPresent } from '../support/tools.js';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const tsharkPresent = toolPresent('tshark');

interface FollowedStream {
  index: number;
  nodes: [string, string];
  bytes: [Buffer, Buffer];
}

/** Runs one tshark over the capture with a follow tap per TCP stream and parses the raw hex output. */
function tsharkFollow(file: string, streams: number): FollowedStream[] {
  const args = ['-r', file, '-q'];
  for (let i = 0; i < streams; i++) args.push('-z', `follow,tcp,raw,${i}`);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const out: FollowedStream[] = [];
  for (const block of r.stdout.split(/^=+$/m)) {
    const m = /Filter: tcp\.stream eq (\d+)\s+Node 0: (.+)\s+Node 1: (.+)\s/.exec(block);
    if (!m) continue;
    const parts: [string[], string[]] = [[], []];
    for (const line of block.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) parts[1].push(line.slice(1));
      else if (/^[0-9a-f]+$/.test(line)) parts[0].push(line);
    }
    out.push({
      index: Number(m[1]),
      nodes: [endpoint(m[2]!), endpoint(m[3]!)],
      bytes: [Buffer.from(parts[0].join(''), 'hex'), Buffer.from(parts[1].join(''), 'hex')],
    });
  }
  return out;
}

/** `1.2.3.4:80` or `[2001:db8::1]:80` → `1.2.3.4|80`. */
function endpoint(text: string): string {
  const m = /^\[?(.+?)\]?:(\d+)$/.exec(text.trim());
  return m ? `${m[1]}|${m[2]}` : text.trim();
}

function tcpStreamCount(file: string): number {
  // A failing tshark throws (runTool): zero streams must mean zero, not "tshark could not read it".
  const r = runTool('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream']);
  if (r.absent) throw new Error(toolAbsent('tshark'));
  return new Set(r.stdout.toString('utf8').split('\n').filter(Boolean)).size;
}

/** tshark streams with lost or acknowledged-but-unseen segments. */
function lossyStreams(file: string): Set<number> {
  const r = runTool('tshark', [
    '-r',
    file,
    '-Y',
    'tcp.analysis.lost_segment or tcp.analysis.ack_lost_segment',
    '-T',
    'fields',
    '-e',
    'tcp.stream',
  ]);
  if (r.absent) throw new Error(toolAbsent('tshark'));
  return new Set(r.stdout.toString('utf8').split('\n').filter(Boolean).map(Number));
}

interface NetsieveStream {
  flow_id: number;
  client: string;
  server: string;
  client_bytes: number;
  server_bytes: number;
  gaps: number;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-streams-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const unlimited = path.join(tmp, 'unlimited.json');
fs.writeFileSync(unlimited, JSON.stringify({ tcp: { depth: 0 } }));

function netsieveStreams(file: string): { dir: string; flows: NetsieveStream[]; status: number | null; stderr: string } {
  const dir = path.join(tmp, path.basename(file));
  const r = spawnSync(process.execPath, [CLI, 'streams', file, '--out', dir, '--config', unlimited], { encoding: 'utf8' });
  const index = fs.existsSync(path.join(dir, 'index.jsonl')) ? fs.readFileSync(path.join(dir, 'index.jsonl'), 'utf8') : '';
  const flows = index
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const j = JSON.parse(l) as Record<string, number | string>;
      return {
        flow_id: j.flow_id as number,
        client: `${j.src_ip}|${j.src_port}`,
        server: `${j.dest_ip}|${j.dest_port}`,
        client_bytes: j.client_bytes as number,
        server_bytes: j.server_bytes as number,
        gaps: j.gaps as number,
      };
    });
  return { dir, flows, status: r.status, stderr: r.stderr };
}

function readSide(dir: string, id: number, side: 'client' | 'server'): Buffer {
  const p = path.join(dir, `${id}.${side}`);
  return fs.existsSync(p) ? fs.readFileSync(p) : Buffer.alloc(0);
}

/** Streams that differ from tshark on purpose: `capture#tsharkStream` → why. */
const KNOWN: Record<string, string> = {};

describe.skipIf(!tsharkPresent)('netsieve streams equals tshark follow,tcp,raw (needs tshark)', () => {
  // The corpus (stream counts from its truth files) and the project's own captures (counted by tshark in
  // the test: nothing is spawned while tests are collected).
  const files: [string, string, boolean][] = [
    ...corpusFilesWhere((t) => t.tcp_streams > 0).map((f): [string, string, boolean] => [f, corpusPath(f), true]),
    ...ownFixtures().map((p): [string, string, boolean] => [path.basename(p), p, false]),
  ];
  let compared = 0;
  let comparedBytes = 0;
  let skippedLossy = 0;
  let skippedAmbiguous = 0;

  it.each(files)('%s', (name, file, inCorpus) => {
    const streamCount = inCorpus ? truthOf(name)!.tcp_streams : tcpStreamCount(file);
    const ours = netsieveStreams(file);
    expect(ours.status, ours.stderr).toBe(0);
    const theirs = tsharkFollow(file, streamCount);
    const lossy = lossyStreams(file);
    const pairKey = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);
    const byPair = new Map<string, NetsieveStream[]>();
    for (const f of ours.flows) byPair.set(pairKey(f.client, f.server), [...(byPair.get(pairKey(f.client, f.server)) ?? []), f]);
    const theirByPair = new Map<string, number>();
    for (const t of theirs) theirByPair.set(pairKey(...t.nodes), (theirByPair.get(pairKey(...t.nodes)) ?? 0) + 1);

    for (const t of theirs) {
      const pk = pairKey(...t.nodes);
      const candidates = byPair.get(pk) ?? [];
      // Conversations reused or split differently (see test/truth/flows.test.ts) are compared only when both
      // tools see exactly one flow for the endpoint pair.
      if (candidates.length !== 1 || theirByPair.get(pk) !== 1) {
        skippedAmbiguous++;
        continue;
      }
      const f = candidates[0]!;
      if (lossy.has(t.index) || f.gaps > 0) {
        skippedLossy++;
        continue;
      }
      const clientNode = t.nodes[0] === f.client ? 0 : 1;
      const expectClient = t.bytes[clientNode]!;
      const expectServer = t.bytes[1 - clientNode]!;
      const gotClient = readSide(ours.dir, f.flow_id, 'client');
      const gotServer = readSide(ours.dir, f.flow_id, 'server');
      const same = gotClient.equals(expectClient) && gotServer.equals(expectServer);
      const known = KNOWN[`${name}#${t.index}`];
      if (known !== undefined) {
        expect(same, `${name} stream ${t.index} was listed as differing (${known}) but now agrees`).toBe(false);
        continue;
      }
      expect({
        stream: t.index,
        client: gotClient.length,
        server: gotServer.length,
        clientSame: gotClient.equals(expectClient),
        serverSame: gotServer.equals(expectServer),
      }).toEqual({
        stream: t.index,
        client: expectClient.length,
        server: expectServer.length,
        clientSame: true,
        serverSame: true,
      });
      compared++;
      comparedBytes += gotClient.length + gotServer.length;
    }
  });

  it('compared a meaningful number of streams and bytes', () => {
    console.log(
      `reassembly vs tshark: ${compared} streams (${comparedBytes} bytes) equal; skipped ${skippedLossy} with loss, ${skippedAmbiguous} split differently`,
    );
    // With the shared corpus: over a thousand streams; without it, the project's own captures only.
    expect(compared).toBeGreaterThan(corpusPresent ? 1000 : 5);
    expect(comparedBytes).toBeGreaterThan(corpusPresent ? 3_000_000 : 100_000);
  });
});
