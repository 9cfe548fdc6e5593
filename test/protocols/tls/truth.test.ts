/**
 * Ground truth on the shared captures: every capture whose truth lists TLS ClientHellos over TCP.
 * - the set of SNI values must equal tshark's (QUIC ClientHellos are out of scope: this module is TLS over
 *   TCP; they are left out of tshark's side);
 * - the number of ClientHellos must equal tshark's, but for the differences listed in KNOWN with their reason;
 * - JA3 and JA3S must equal Wireshark's (`tls.handshake.ja3`, `tls.handshake.ja3s`), computed by running
 *   tshark when it is installed (the truth files do not carry them);
 * - JA4 must equal nDPI's (`truth/<file>.ndpi.out`), but for the differences listed in JA4_KNOWN.
 * Skips, saying so, when the corpus folder is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TlsHandshake } from '../../../src/protocols/tls/index.js';
import { probeTls } from '../../../src/protocols/tls/probe.js';
import { Probe } from '../../../src/protocols/module.js';
import { corpusFilesWhere, corpusPath, corpusPresent, TRUTH_DIR, truthOf } from '../../support/corpus.js';
import { runTool, toolAbsent, toolPresent } from '../../support/tools.js';
import { captureStreams, run, type CapturedStream } from './helpers.js';

interface TruthHello {
  transport: string;
  quic: boolean;
  sni: string | null;
  stream: number;
}

/** Where netsieve and tshark differ on the number of TCP ClientHellos, and why. */
const KNOWN: Record<string, { helloDelta: number; reason: string }> = {
  'ndpi_mysql.pcapng': {
    helloDelta: -1,
    reason:
      'TLS started inside the MySQL protocol after its SSLRequest packet: the stream does not begin with a TLS record, and the MySQL module (not TLS) owns the upgrade',
  },
};

/**
 * Where netsieve's JA4 differs from nDPI's, and why: netsieve follows FoxIO's JA4.md, the nDPI version
 * that wrote the truth does not on two points, which `asNdpi` reproduces before comparing:
 * - the SNI flag: JA4.md says "SNI=d or no SNI=i"; nDPI writes `i` only when the SNI is an IP literal
 *   (ndpi_1kxun: SNI "192.168.115.75") and `d` when there is no SNI at all (ndpi_tls_with_huge_ch,
 *   ndpi_tls_port_80);
 * - the ALPN characters: JA4.md takes the first and last characters ("http/1.1" is `h1`); nDPI the first
 *   two (`ht`, and `sp` for "spdy/3.1").
 */
function asNdpi(ja4: string, record: TlsHandshake): string {
  const sni = record.sni;
  const flag = sni !== null && /^[0-9.]+$|:/.test(sni) ? 'i' : 'd';
  const alpn = record.clientAlpns[0];
  const chars =
    alpn === undefined || alpn.length === 0 ? ja4.slice(8, 10) : alpn.length === 1 ? ja4.slice(8, 10) : alpn.slice(0, 2);
  return ja4.slice(0, 3) + flag + ja4.slice(4, 8) + chars + ja4.slice(10);
}

const hasTshark = toolPresent('tshark');

// Test names come from the corpus's truth; empty without the corpus.
const files = corpusFilesWhere(
  (t) => (t.tls_client_hellos as TruthHello[] | undefined)?.some((h) => h.transport === 'tcp' && !h.quic) ?? false,
);

type TlsRecordOf = { stream: CapturedStream; record: TlsHandshake };
/** Each capture's records, parsed once for the truth test and the Wireshark test. */
const recordsOf = new Map<string, Promise<TlsRecordOf[]>>();
function tlsRecords(file: string): Promise<TlsRecordOf[]> {
  let r = recordsOf.get(file);
  if (r === undefined) recordsOf.set(file, (r = parseTlsRecords(file)));
  return r;
}

/** The TLS records of a capture: streams whose first bytes (either direction) the probe claims. */
async function parseTlsRecords(file: string): Promise<TlsRecordOf[]> {
  const out: { stream: CapturedStream; record: TlsHandshake }[] = [];
  for (const s of await captureStreams(corpusPath(file))) {
    const claimed = ([0, 1] as const).some((dir) => {
      const first = s.steps.find((x) => x.kind === 'data' && x.dir === dir);
      return first?.kind === 'data' && probeTls(first.bytes, 0, first.bytes.length) === Probe.MINE;
    });
    if (!claimed) continue;
    for (const record of run(s.steps).records) out.push({ stream: s, record });
  }
  return out;
}

const portKey = (a: number, b: number): string => `${Math.min(a, b)}-${Math.max(a, b)}`;

/**
 * Two tshark fields per port pair, for the packets `filter` selects: each field's comma-separated values,
 * in packet order, under the pair's key.
 */
function tsharkFieldsByPorts(file: string, filter: string, fields: [string, string]): Map<string, [string[], string[]]> {
  // The decode-as rules the truth was made with (TLS on port 80).
  const extra = (truthOf(file)?.tshark_extra_args ?? '').split(' ').filter((a) => a !== '');
  const args = [...extra, '-r', corpusPath(file), '-Y', filter, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport'];
  for (const f of fields) args.push('-e', f);
  // A tshark that fails throws (runTool): its silence must not pass for agreement.
  const res = runTool('tshark', args, { maxBuffer: 64 << 20 });
  if (res.absent) throw new Error(toolAbsent('tshark'));
  const map = new Map<string, [string[], string[]]>();
  for (const line of res.stdout.toString('utf8').split('\n')) {
    const [sp, dp, first, second] = line.split('\t');
    if (sp === undefined || dp === undefined || sp === '') continue;
    const k = portKey(Number(sp), Number(dp));
    const e = map.get(k) ?? [[], []];
    if (first) e[0].push(...first.split(','));
    if (second) e[1].push(...second.split(','));
    map.set(k, e);
  }
  return map;
}

/** Wireshark's JA3 (ClientHello) and JA3S (ServerHello) per port pair. */
function tsharkJa3(file: string): Map<string, { ja3: string[]; ja3s: string[] }> {
  const byPorts = tsharkFieldsByPorts(file, 'tls.handshake.type == 1 || tls.handshake.type == 2', [
    'tls.handshake.ja3',
    'tls.handshake.ja3s',
  ]);
  return new Map([...byPorts].map(([k, [ja3, ja3s]]) => [k, { ja3, ja3s }]));
}

/** Wireshark's certificate serial numbers (hex) and subjectAltName DNS names per port pair, chain order. */
function tsharkCertificates(file: string): Map<string, { serials: string[]; dns: string[] }> {
  const byPorts = tsharkFieldsByPorts(file, 'tls.handshake.type == 11', ['x509af.serialNumber', 'x509ce.dNSName']);
  return new Map([...byPorts].map(([k, [serials, dns]]) => [k, { serials, dns }]));
}

/** A serial as plain lowercase hex without the sign octet DER adds ("00:A1" and "a1" agree). */
const serialHex = (s: string): string =>
  s
    .replace(/:/g, '')
    .toLowerCase()
    .replace(/^(00)+(?=..)/, '');

/** nDPI's JA4 per port pair (`TCP a:p <-> b:q ... [JA4: ...]`). */
function ndpiJa4(file: string): Map<string, string> {
  const map = new Map<string, string>();
  const p = path.join(TRUTH_DIR, `${file}.ndpi.out`);
  if (!fs.existsSync(p)) return map;
  for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
    const m = /\bTCP \S+:(\d+) <-> \S+:(\d+) .*\[JA4: ([^\]]+)\]/.exec(line);
    if (m) map.set(portKey(Number(m[1]), Number(m[2])), m[3]!);
  }
  return map;
}

describe.skipIf(!corpusPresent)('TLS ground truth (tshark, nDPI; needs the shared corpus)', () => {
  it('found the captures with TLS over TCP', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)(
    '%s',
    async (file) => {
      const truth = (truthOf(file)!.tls_client_hellos as TruthHello[]).filter((h) => h.transport === 'tcp' && !h.quic);
      const ours = await tlsRecords(file);
      const hellos = ours.filter((o) => o.record.clientHello !== null);

      // SNI set.
      const truthSni = [...new Set(truth.map((h) => h.sni).filter((s): s is string => s !== null))].sort();
      const ourSni = [...new Set(hellos.map((o) => o.record.sni).filter((s): s is string => s !== null))].sort();
      expect(ourSni).toEqual(truthSni);

      // ClientHello count.
      expect(hellos.length).toBe(truth.length + (KNOWN[file]?.helloDelta ?? 0));

      // JA4 against nDPI.
      const nd = ndpiJa4(file);
      let ja4Checked = 0;
      for (const { stream, record } of hellos) {
        const theirs = nd.get(portKey(stream.clientPort, stream.serverPort));
        if (theirs === undefined) continue;
        expect(asNdpi(record.ja4!, record), `JA4 of ${stream.clientPort}->${stream.serverPort}`).toBe(theirs);
        ja4Checked++;
      }
      if (file.startsWith('ndpi_') && file !== 'ndpi_mysql.pcapng') expect(ja4Checked).toBeGreaterThan(0);
    },
    30000,
  );

  it.for(files)('%s: JA3/JA3S and certificates agree with Wireshark (needs tshark)', { timeout: 30000 }, async (file, ctx) => {
    if (!hasTshark) return ctx.skip(toolAbsent('tshark'));
    const ours = await tlsRecords(file);
    let certsChecked = 0;

    // JA3 / JA3S against Wireshark.
    {
      const ws = tsharkJa3(file);
      for (const { stream, record } of ours) {
        const w = ws.get(portKey(stream.clientPort, stream.serverPort));
        if (record.ja3 !== null) expect(w?.ja3, `JA3 of ${stream.clientPort}->${stream.serverPort}`).toContain(record.ja3.hash);
        if (record.ja3s !== null)
          expect(w?.ja3s, `JA3S of ${stream.clientPort}->${stream.serverPort}`).toContain(record.ja3s.hash);
      }
    }

    // Certificates against Wireshark: serial numbers and SAN DNS names of the whole chain.
    {
      const ws = tsharkCertificates(file);
      for (const { stream, record } of ours) {
        if (record.certificates.length === 0) continue;
        const w = ws.get(portKey(stream.clientPort, stream.serverPort));
        const where = `certificates of ${stream.clientPort}->${stream.serverPort}`;
        // Wireshark also lists serial numbers found inside extensions (ndpi_sites, port 33102: a third
        // `x509af.serialNumber` in a two-certificate chain): ours must appear in its list, in order.
        const theirs = (w?.serials ?? []).map(serialHex);
        let at = 0;
        for (const serial of record.certificates.map((c) => serialHex(c.serial))) {
          at = theirs.indexOf(serial, at) + 1;
          expect(at, `${where}: serial ${serial} in ${theirs.join(',')}`).toBeGreaterThan(0);
        }
        expect(
          record.certificates.flatMap((c) => c.sanDns),
          where,
        ).toEqual(w?.dns ?? []);
        certsChecked += record.certificates.length;
      }
    }

    if (file === 'ndpi_netflix.pcap') expect(certsChecked).toBeGreaterThan(20);
  });
});
