/**
 * Seeded fuzzing of both transports. Seeds: real DNS/mDNS/LLMNR datagrams from the corpus (when present)
 * and hand-built messages of every RDATA kind. Mutations: flipped bytes, truncation, compression pointers
 * aimed at themselves or at random offsets, lying counts and lengths, spliced messages, plain random bytes.
 * Over TCP the mutated messages are framed (some with lying prefixes), mixed with garbage and gaps, and fed
 * at random splits, and the result must not depend on the splits.
 *
 * Asserted: nothing throws (parser, EVE mappers), output is bounded (records per input, entries per
 * section, anomaly names from the table), and the whole run stays within its time budget. A failure prints
 * its seed: `FUZZ_SEED=<n>` reruns that case alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DNS_ANOMALIES,
  dnsToEve,
  llmnrToEve,
  mdnsToEve,
  type DnsMessage,
  type DnsVariant,
} from '../../../src/protocols/dns/index.js';
import { corpusPath, corpusPresent } from '../../support/corpus.js';
import {
  buildMessage,
  encodeName,
  parseTcp,
  parseUdp,
  prng,
  recorder,
  rr,
  tcpFrame,
  u16be,
  u32be,
  udpDatagrams,
  type Recorded,
  type StreamStep,
} from './helpers.js';
import { DnsUdpParser, resolveDnsOptions } from '../../../src/protocols/dns/index.js';

const ANOMALY_SET = new Set<string>(DNS_ANOMALIES);
const MAX_RECORDS = 64;
const OPTIONS = { maxRecordsPerSection: MAX_RECORDS, maxOutstandingQueries: 32 };
const ONLY = process.env.FUZZ_SEED === undefined ? null : Number(process.env.FUZZ_SEED);

function builtSeeds(): Uint8Array[] {
  const soa = [...encodeName('ns1.example.com'), ...[0xc0, 12], ...u32be(1), ...u32be(2), ...u32be(3), ...u32be(4), ...u32be(5)];
  const https = [
    ...u16be(1),
    0,
    ...u16be(1),
    ...u16be(3),
    2,
    ...Buffer.from('h2'),
    ...u16be(3),
    ...u16be(2),
    ...u16be(443),
    ...u16be(4),
    ...u16be(4),
    1,
    2,
    3,
    4,
  ];
  const rrsig = [
    ...u16be(1),
    13,
    2,
    ...u32be(300),
    ...u32be(1700000000),
    ...u32be(1690000000),
    ...u16be(2371),
    0xc0,
    12,
    9,
    9,
    9,
  ];
  const opt = rr(
    '.',
    41,
    [...u16be(8), ...u16be(7), ...u16be(1), 24, 0, 198, 51, 100, ...u16be(10), ...u16be(8), 1, 2, 3, 4, 5, 6, 7, 8],
    0x8000,
    1232,
  );
  const records = [
    rr([0xc0, 12], 1, [192, 0, 2, 1]),
    rr([0xc0, 12], 28, [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
    rr([3, 0x77, 0x77, 0x77, 0xc0, 12], 5, [0xc0, 12]),
    rr([0xc0, 12], 2, [3, 0x6e, 0x73, 0x31, 0xc0, 12]),
    rr([0xc0, 12], 15, [0, 10, 2, 0x6d, 0x78, 0xc0, 12]),
    rr([0xc0, 12], 16, [5, ...Buffer.from('hello'), 0]),
    rr([0xc0, 12], 6, soa),
    rr([0xc0, 12], 33, [0, 1, 0, 2, 0, 3, 0xc0, 12]),
    rr([0xc0, 12], 257, [0, 5, ...Buffer.from('issue'), ...Buffer.from('ca')]),
    rr([0xc0, 12], 65, https),
    rr([0xc0, 12], 43, [0, 1, 13, 2, 0xab]),
    rr([0xc0, 12], 48, [1, 1, 3, 13, 1, 2, 3]),
    rr([0xc0, 12], 46, rrsig),
    rr([0xc0, 12], 10, [1, 2, 3]),
  ];
  return [
    buildMessage({ id: 1, questions: [{ name: 'example.com', type: 1 }], additionals: [opt] }),
    buildMessage({
      id: 1,
      flags: 0x8180,
      questions: [{ name: 'example.com', type: 255 }],
      answers: records,
      authorities: records.slice(0, 5),
      additionals: [...records.slice(5), opt],
    }),
  ];
}

function realSeeds(): { variant: DnsVariant; bytes: Uint8Array }[] {
  if (!corpusPresent) return [];
  const out: { variant: DnsVariant; bytes: Uint8Array }[] = [];
  for (const f of [
    'ndpi_1kxun.pcap',
    'tcpdump_edns-opts.pcap',
    'zeek_dns-caa.pcap',
    'zeek_dns-svcb.pcap',
    'zeek_dnssec-rrsig.pcap',
    'zeek_dns-mdns.pcap',
    'ndpi_malformed_dns.pcap',
    'ndpi_dns_fragmented.pcap',
  ]) {
    for (const d of udpDatagrams(corpusPath(f))) {
      const port = d.serverPort;
      const variant: DnsVariant | null =
        port === 53 ? 'dns' : port === 5353 || d.clientPort === 5353 ? 'mdns' : port === 5355 ? 'llmnr' : null;
      if (variant !== null && d.payload.length >= 12) out.push({ variant, bytes: d.payload });
    }
  }
  return out;
}

/** One mutation of `src` (a fresh array), chosen and placed by `rnd`. */
function mutate(src: Uint8Array, rnd: () => number, other: Uint8Array): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  let b = Uint8Array.from(src);
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    switch (pick(8)) {
      case 0: // flip bytes
        for (let i = 0, n = 1 + pick(8); i < n && b.length > 0; i++) b[pick(b.length)] = pick(256);
        break;
      case 1: // truncate
        b = b.slice(0, pick(b.length + 1));
        break;
      case 2: {
        // a compression pointer at its own offset
        if (b.length < 14) break;
        const at = 12 + pick(b.length - 13);
        b[at] = 0xc0 | (at >> 8);
        b[at + 1] = at & 0xff;
        break;
      }
      case 3: {
        // a pointer to a random offset (forward, backward, into the header, past the end)
        if (b.length < 14) break;
        const at = 12 + pick(b.length - 13);
        const to = pick(b.length + 64);
        b[at] = 0xc0 | ((to >> 8) & 0x3f);
        b[at + 1] = to & 0xff;
        break;
      }
      case 4: // lying counts
        if (b.length >= 12) b[4 + pick(8)] = pick(4) === 0 ? 0xff : pick(8);
        break;
      case 5: {
        // a lying 16-bit length somewhere (RDLENGTH, option length, ...)
        if (b.length < 14) break;
        const at = 12 + pick(b.length - 13);
        b[at] = pick(2) === 0 ? 0xff : 0;
        b[at + 1] = pick(256);
        break;
      }
      case 6: {
        // splice another message's tail
        const cut = pick(b.length + 1);
        const from = pick(other.length + 1);
        const out = new Uint8Array(cut + other.length - from);
        out.set(b.subarray(0, cut));
        out.set(other.subarray(from), cut);
        b = out;
        break;
      }
      default: {
        // a label length byte with the reserved high bits, or a long label
        if (b.length < 13) break;
        b[12 + pick(b.length - 12)] = [0x40, 0x80, 0x3f, 0x7f][pick(4)]!;
      }
    }
  }
  return b;
}

function randomBytes(rnd: () => number, max: number): Uint8Array {
  const b = new Uint8Array(Math.floor(rnd() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

const EVE: Record<DnsVariant, (m: DnsMessage) => object> = { dns: (m) => dnsToEve(m), mdns: mdnsToEve, llmnr: llmnrToEve };

/** Output bounds (plain checks: `expect` per field would dominate the run time). Throws with the case's label. */
function checkOutput(rec: Recorded, variant: DnsVariant, inputs: number, label: string): void {
  const fail = (what: string) => {
    throw new Error(`${label}: ${what}`);
  };
  if (rec.records.length > inputs) fail(`${rec.records.length} records from ${inputs} inputs`);
  for (const a of rec.anomalies) if (!ANOMALY_SET.has(a.name)) fail(`unknown anomaly ${a.name}`);
  for (const m of rec.records) {
    for (const section of [m.questions, m.answers, m.authorities, m.additionals])
      if (section.length > MAX_RECORDS) fail(`${section.length} entries in a section`);
    for (const x of [...m.questions, ...m.answers, ...m.authorities, ...m.additionals])
      if (x.name.length > 255 * 4) fail(`a name of ${x.name.length} characters`);
    for (const a of m.anomalies) if (!ANOMALY_SET.has(a)) fail(`unknown anomaly ${a}`);
    JSON.stringify(EVE[variant](m));
  }
}

// Filled in beforeAll: the real seeds are read from the shared corpus, which must not happen at collection.
let seeds: { variant: DnsVariant; bytes: Uint8Array }[] = [];

// Every run below is bounded by its iteration count (N seeds, a fixed message), not by the clock.
describe('DNS fuzzing', () => {
  beforeAll(() => {
    seeds = [...builtSeeds().map((bytes) => ({ variant: 'dns' as DnsVariant, bytes })), ...realSeeds()];
  });

  // Without the corpus the runs below use built messages only; this says so as a skip.
  it.skipIf(!corpusPresent)('the seeds include real messages of the shared corpus', () => {
    expect(seeds.length - builtSeeds().length).toBeGreaterThan(100);
  });

  it(`UDP: mutated real messages (from the shared corpus when present) and random datagrams`, () => {
    const N = 50_000;
    let records = 0;
    const seen = new Set<string>();
    for (let seed = 0; seed < N; seed++) {
      if (ONLY !== null && seed !== ONLY) continue;
      const rnd = prng(seed);
      const s = seeds[seed % seeds.length]!;
      const other = seeds[Math.floor(rnd() * seeds.length)]!.bytes;
      const batch = Array.from({ length: 4 }, () => (rnd() < 0.1 ? randomBytes(rnd, 600) : mutate(s.bytes, rnd, other)));
      let rec: Recorded;
      try {
        rec = parseUdp(
          batch.map((bytes, i) => ({ dir: (i & 1) as 0 | 1, bytes })),
          OPTIONS,
          s.variant,
        );
      } catch (e) {
        throw new Error(`UDP fuzz seed ${seed}: ${(e as Error).stack}`);
      }
      checkOutput(rec, s.variant, batch.length, `UDP seed ${seed}`);
      records += rec.records.length;
      for (const a of rec.anomalies) seen.add(a.name);
    }
    if (ONLY === null) {
      expect(records).toBeGreaterThan(N);
      // The mutations reach deep: most of the message-level anomalies are raised somewhere.
      expect(seen.size, [...seen].sort().join(' ')).toBeGreaterThanOrEqual(20);
    }
  });

  it('TCP: framed mutated messages, garbage, gaps, random splits; split-invariant', () => {
    const N = 10_000;
    for (let seed = 0; seed < N; seed++) {
      if (ONLY !== null && seed !== ONLY) continue;
      const rnd = prng(1_000_000 + seed);
      const pick = (n: number) => Math.floor(rnd() * n);
      const steps: StreamStep[] = [];
      let inputBytes = 0;
      for (let k = 0, n = 1 + pick(6); k < n; k++) {
        const dir = pick(2) as 0 | 1;
        const s = seeds[pick(seeds.length)]!;
        const r = pick(10);
        let bytes: Uint8Array;
        if (r === 0) {
          bytes = randomBytes(rnd, 300);
        } else {
          const msg = r < 4 ? s.bytes : mutate(s.bytes, rnd, seeds[pick(seeds.length)]!.bytes);
          bytes = tcpFrame(msg);
          if (r === 9) {
            bytes[0] = pick(256); // a lying prefix
            bytes[1] = pick(256);
          }
        }
        steps.push({ kind: 'data', dir, bytes });
        inputBytes += bytes.length;
        if (pick(8) === 0) steps.push({ kind: 'gap', dir, length: pick(3) === 0 ? -1 : pick(40) });
      }
      steps.push({ kind: 'end', dir: 0 }, { kind: 'end', dir: 1 });
      let a: Recorded;
      let b: Recorded;
      try {
        a = parseTcp(steps, OPTIONS);
        const cuts = prng(seed);
        b = parseTcp(steps, OPTIONS, (len) => {
          const out: number[] = [];
          for (let at = 1 + Math.floor(cuts() * 20); at < len; at += 1 + Math.floor(cuts() * 20)) out.push(at);
          return out;
        });
      } catch (e) {
        throw new Error(`TCP fuzz seed ${seed}: ${(e as Error).stack}`);
      }
      // Each message needs a 2-byte prefix and a 12-byte header.
      checkOutput(a, 'dns', Math.ceil(inputBytes / 14) + 1, `TCP seed ${seed}`);
      expect({ records: b.records, anomalies: b.anomalies, stops: b.stops }, `TCP seed ${seed}: split`).toEqual({
        records: a.records,
        anomalies: a.anomalies,
        stops: a.stops,
      });
    }
  });

  it('bounded work on the worst names: a 64 KiB message of pointer chains and loops', () => {
    // 12-byte header, then RRs whose owner is a pointer to the previous owner (a chain as long as the
    // message allows), every tenth a loop back to itself.
    const out: number[] = [0, 1, 0x81, 0x80, 0, 0, 0xff, 0xff, 0, 0, 0, 0];
    let prev = out.length;
    out.push(1, 0x61, 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0);
    let n = 1;
    while (out.length + 15 < 65535) {
      const here = out.length;
      const to = n % 10 === 0 ? here : prev;
      out.push(1, 0x61, 0xc0 | (to >> 8), to & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0);
      prev = here;
      n++;
    }
    const msg = Uint8Array.from(out);
    const sink = recorder();
    const p = new DnsUdpParser(sink, resolveDnsOptions({ maxCompressionJumps: 255 }), 'dns');
    for (let i = 0; i < 20; i++) p.onDatagram(1, msg, 0, msg.length);
    expect(sink.records).toHaveLength(20);
    expect(sink.records[0]!.answers).toHaveLength(1024);
    // The work per name is bounded by the jump limit and loop detection (name.ts), seen here as their anomalies.
    const names = new Set(sink.anomalies.map((a) => a.name));
    expect(names.has('dns.name_pointer_loop') || names.has('dns.name_too_many_pointers'), [...names].join(' ')).toBe(true);
  });
});
