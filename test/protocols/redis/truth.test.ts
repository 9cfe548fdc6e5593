/**
 * Ground truth: the captures of the shared corpus whose tshark truth has Redis rows (`extras.resp`), and
 * netsieve's own loopback capture. Flows are chosen by the Redis probe (no port needed: one capture runs
 * Redis on port 10625), streams come from the engine's reassembly.
 *
 * Compared with tshark, per TCP connection:
 * - the commands sent as RESP arrays: tshark lists, per client frame, each array's length and every bulk
 *   string; an array of n bulk strings is a command whose name is the first one. Same names, same order.
 * - the simple strings and errors the server sent (tshark's `resp.string`, `resp.error` of server frames),
 *   in order, against those of the replies (nested ones included; the caps are raised so nothing is
 *   trimmed).
 *
 * Known differences, with their reason (normalised below):
 * - inline commands: tshark 4.0's RESP dissector does not decode them (no fields), so client frames of
 *   inline commands carry no truth; netsieve's inline records are left out of the command comparison and
 *   checked by hand instead (zeek_redis-pipelining-example, tcpdump_resp_2_inline, tcpdump_resp_3_malicious);
 * - tcpdump_resp_3_malicious.pcap: tshark reads garbage client lines (`+`, `-`, `:`, `$0`) as RESP values and
 *   lists a `resp.string` "" for a bare `+` line sent by the client; netsieve reads client lines as Redis does
 *   (inline commands: `+` is an unknown command, which the server's replies confirm: "ERR unknown command '+'").
 *   Client frames are not compared for strings, so this only shows as records netsieve has and tshark not.
 *   The probe refuses the connections whose first client line is such garbage (no Redis client sends it;
 *   the detection would leave them unparsed): for this capture every connection is fed to the parser.
 * - tshark lists a reply that spans TCP segments in the frames of its first segments (what it could read of
 *   them alone) and again whole in the frame that completes it: its string counts are inflated there
 *   (zeek_redis-large-requests-responses, zeek_redis-django-cloud), so strings and errors are compared as
 *   the same distinct values, each at most as often as tshark lists it (in order when the counts agree).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RedisCommandRecord, RedisRecord, RedisValue } from '../../../src/protocols/redis/index.js';
import { corpusPath, corpusPresent, truthOf } from '../../support/corpus.js';
import { captureFlows, probedRedis, run, tcpFramePorts } from './helpers.js';

interface RespRow {
  frame: number;
  stream: number;
  'resp.array.length'?: string[];
  'resp.bulk_string.value'?: string[];
  'resp.string'?: string[];
  'resp.error'?: string[];
}

const BIG = { maxElements: 1_000_000, maxValues: 10_000_000, maxStringBytes: 4096 };

const FILES = [
  'zeek_redis-pipelining-example.pcap',
  'zeek_redis-large-requests-responses.pcap',
  'zeek_redis-django-cloud.pcapng',
  'ndpi_resp.pcap',
  'tcpdump_resp_2_inline.pcap',
  'tcpdump_resp_3_malicious.pcap',
];

function hexText(h: string): string {
  return Buffer.from(h, 'hex').toString('latin1');
}

/** Simple strings and errors of a value, depth first. */
function lines(v: RedisValue | null, out: { strings: string[]; errors: string[] }): void {
  if (v === null) return;
  if (v.attributes !== undefined) lines(v.attributes, out);
  switch (v.type) {
    case 'simple_string':
      out.strings.push(v.value);
      break;
    case 'simple_error':
      out.errors.push(v.value);
      break;
    case 'array':
    case 'set':
    case 'push':
      for (const e of v.elements) lines(e, out);
      break;
    case 'map':
    case 'attribute':
      for (const e of v.entries) {
        lines(e.key, out);
        lines(e.value, out);
      }
      break;
    default:
  }
}

interface Seen {
  commands: string[];
  strings: string[];
  errors: string[];
}

function counts(a: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of a) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/**
 * `ours` against tshark's list: the same distinct values, each at most as often as tshark lists it (tshark
 * lists a reply that spans segments in the frames of its first segments too, and again whole in the frame
 * that completes it). Returns what differs, empty when nothing.
 */
function compareLists(ours: string[], truth: string[]): string[] {
  const o = counts(ours);
  const t = counts(truth);
  const diff: string[] = [];
  for (const [k, n] of t) if (!o.has(k)) diff.push(`tshark only: ${JSON.stringify(k)} x${n}`);
  for (const [k, n] of o) {
    const m = t.get(k) ?? 0;
    if (n > m) diff.push(`netsieve has ${JSON.stringify(k)} x${n}, tshark x${m}`);
  }
  return diff;
}

/** tshark's view, per client port. */
function truthByConnection(file: string): Map<number, Seen> {
  const truth = truthOf(file)!;
  const rows = ((truth.extras as Record<string, { rows: RespRow[] }>).resp?.rows ?? []) as RespRow[];
  const ports = tcpFramePorts(corpusPath(file));
  const server = new Map<number, number>(); // stream → server port
  for (const s of truth.streams) if (s.transport === 'tcp') server.set(s.stream, s.dport < s.sport ? s.dport : s.sport);
  const out = new Map<number, Seen>();
  for (const row of rows) {
    const p = ports.get(row.frame);
    if (p === undefined) continue;
    const toServer = p.dst === server.get(row.stream);
    const key = toServer ? p.src : p.dst;
    let seen = out.get(key);
    if (seen === undefined) out.set(key, (seen = { commands: [], strings: [], errors: [] }));
    if (toServer) {
      const lengths = (row['resp.array.length'] ?? []).map(Number);
      const bulks = row['resp.bulk_string.value'] ?? [];
      let b = 0;
      for (const n of lengths) {
        if (n > 0 && b < bulks.length) seen.commands.push(hexText(bulks[b]!).toUpperCase());
        b += Math.max(0, n);
      }
    } else {
      seen.strings.push(...(row['resp.string'] ?? []));
      seen.errors.push(...(row['resp.error'] ?? []));
    }
  }
  return out;
}

/** netsieve's view, per client port. */
async function oursByConnection(file: string, probed: Set<number>): Promise<Map<number, { seen: Seen; records: RedisRecord[] }>> {
  const out = new Map<number, { seen: Seen; records: RedisRecord[] }>();
  for (const f of await captureFlows(corpusPath(file))) {
    if (probedRedis(f)) probed.add(f.clientPort);
    else if (!file.includes('malicious')) continue;
    const res = run(f.steps, BIG);
    const seen: Seen = { commands: [], strings: [], errors: [] };
    for (const r of res.records) {
      if (r.kind === 'command') {
        if (r.command !== null && !r.inline) seen.commands.push(r.command);
        lines(r.reply, seen);
      } else lines(r.data, seen);
    }
    out.set(f.clientPort, { seen, records: res.records });
  }
  return out;
}

describe.skipIf(!corpusPresent)('ground truth: tshark on the shared corpus', () => {
  it.for(FILES)('%s', { timeout: 30_000 }, async (file, ctx) => {
    if (!fs.existsSync(corpusPath(file))) return ctx.skip(`${file} is not in the corpus`);
    const truth = truthByConnection(file);
    const probed = new Set<number>();
    const ours = await oursByConnection(file, probed);
    for (const [port, t] of truth) {
      const o = ours.get(port);
      expect(o, `connection from port ${port} not parsed`).toBeDefined();
      if (!file.includes('malicious'))
        expect(probed.has(port), `connection from port ${port} not recognised as Redis`).toBe(true);
      expect({ port, commands: o!.seen.commands }).toEqual({ port, commands: t.commands });
      expect({ port, strings: compareLists(o!.seen.strings, t.strings), errors: compareLists(o!.seen.errors, t.errors) }).toEqual(
        { port, strings: [], errors: [] },
      );
      // tshark's extra copies are the only difference: never more than it lists.
      if (t.strings.length === o!.seen.strings.length) expect(o!.seen.strings).toEqual(t.strings);
    }
  });
});

describe.skipIf(!corpusPresent)('inline commands of the corpus (tshark has no fields for them)', () => {
  const inline = async (file: string) => {
    const out: string[] = [];
    for (const f of await captureFlows(corpusPath(file))) {
      if (!probedRedis(f)) continue;
      for (const r of run(f.steps).records) {
        const c = r as RedisCommandRecord;
        if (c.inline)
          out.push(
            `${c.command} ${c.args.join(' ')} -> ${c.reply !== null && 'value' in c.reply ? String(c.reply.value) : c.reply?.type}`,
          );
      }
    }
    return out;
  };

  it('zeek_redis-pipelining-example.pcap: three pipelined inline PINGs', async () => {
    expect(await inline('zeek_redis-pipelining-example.pcap')).toEqual(['PING  -> PONG', 'PING  -> PONG', 'PING  -> PONG']);
  });

  it('tcpdump_resp_2_inline.pcap: SET, INCR, GET, LPUSHes, LRANGE, DEL, GET', async () => {
    const got = await inline('tcpdump_resp_2_inline.pcap');
    expect(got.slice(0, 4)).toEqual(['SET test 1 -> OK', 'INCR test -> 2', 'SET test2 redis -> OK', 'GET test2 -> redis']);
    expect(got.slice(-3)).toEqual(['LRANGE test3 0 -1 -> array', 'DEL test4 -> 0', 'GET test4 -> null']);
  });
});
