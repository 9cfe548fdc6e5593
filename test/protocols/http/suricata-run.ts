/**
 * Test support for comparing inspection buffers with Suricata 7: build a capture of TCP conversations,
 * write rules whose content is exactly the bytes netsieve computes, run Suricata on both and read which
 * rules alerted. A buffer agrees with Suricata's when `content:"<bytes>"; bsize:<n>;` alerts (content as
 * long as the buffer: equal bytes).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PcapWriter } from '../../../src/capture/pcap-writer.js';
import { eth, ipv4, tcp } from '../../helpers/packets.js';
import { toolPresent } from '../../support/tools.js';

/** Suricata 7 is here (the shared tool probe: absent in the unit tier, NETSIEVE_TEST_TOOLS=none). */
export function suricataInstalled(): boolean {
  return toolPresent('suricata');
}
export const SURICATA_ABSENT = 'suricata 7 not installed (the expected bytes in this file were recorded with 7.0.10)';

/** A rule's content argument: printable bytes as they are, the rest (and `";\|:` and space) as |hex|. */
export function ruleContent(b: Uint8Array): string {
  let s = '';
  let inHex = false;
  for (const c of b) {
    const plain = c > 0x20 && c < 0x7f && c !== 0x22 && c !== 0x3b && c !== 0x5c && c !== 0x7c && c !== 0x3a;
    if (plain) {
      if (inHex) s += '|';
      inHex = false;
      s += String.fromCharCode(c);
    } else {
      s += inHex ? ' ' : '|';
      inHex = true;
      s += c.toString(16).padStart(2, '0');
    }
  }
  return inHex ? `${s}|` : s;
}

/** A rule alerting when `buffer` (a sticky buffer name) equals `bytes` exactly, on flows to port `dport`. */
export function exactRule(sid: number, proto: string, buffer: string, bytes: Uint8Array, sport = 0): string {
  const ports = sport === 0 ? 'any -> any any' : `${sport} -> any any`;
  // http.host refuses content with upper case (it expects the lower-cased host): an anchored pcre of \x
  // escapes says the same without letters.
  const body =
    bytes.length === 0
      ? 'bsize:0;'
      : buffer === 'http.host'
        ? `pcre:"/^${[...bytes].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}\\z/s";`
        : `content:"${ruleContent(bytes)}"; bsize:${bytes.length};`;
  return `alert ${proto} any ${ports} (msg:"${buffer} ${sid}"; ${buffer}; ${body} sid:${sid}; rev:1;)`;
}

export interface Conversation {
  /** Client bytes, then server bytes (each sent as one segment, or several when an array). */
  request: Uint8Array | Uint8Array[];
  response?: Uint8Array | Uint8Array[];
}

/** A capture (Ethernet, IPv4) with one TCP connection per conversation, client port 20000 + index. */
export function conversationsPcap(convs: readonly Conversation[], dport = 80): Uint8Array {
  const w = new PcapWriter(undefined, { linkType: 1 });
  let t = 1_700_000_000;
  const put = (frame: Uint8Array): void => {
    t += 0.001;
    w.write(frame, Math.floor(t), Math.round((t % 1) * 1e6) * 1000);
  };
  convs.forEach((cv, i) => {
    const sport = 20000 + i;
    const cli = { src: '10.0.0.1', dst: '10.0.0.2' };
    const srv = { src: '10.0.0.2', dst: '10.0.0.1' };
    let cs = 1000;
    let ss = 5000;
    const c2s = (flags: string, data?: Uint8Array): void => {
      put(eth({}, ipv4(cli, tcp({ sport, dport, seq: cs, ack: ss, flags }, data))));
      cs += (data?.length ?? 0) + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    };
    const s2c = (flags: string, data?: Uint8Array): void => {
      put(eth({}, ipv4(srv, tcp({ sport: dport, dport: sport, seq: ss, ack: cs, flags }, data))));
      ss += (data?.length ?? 0) + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    };
    put(eth({}, ipv4(cli, tcp({ sport, dport, seq: cs, ack: 0, flags: 'S' }))));
    cs++;
    s2c('SA');
    c2s('A');
    for (const seg of Array.isArray(cv.request) ? cv.request : [cv.request]) {
      c2s('PA', seg);
      s2c('A');
    }
    for (const seg of cv.response === undefined ? [] : Array.isArray(cv.response) ? cv.response : [cv.response]) {
      s2c('PA', seg);
      c2s('A');
    }
    c2s('FA');
    s2c('FA');
    c2s('A');
  });
  return w.toUint8Array();
}

export interface SuricataAlert {
  sid: number;
  srcPort: number;
  destPort: number;
}

/** Runs Suricata 7 on a capture with these rules (the installed suricata.yaml, midstream on). */
export function runSuricata(pcap: Uint8Array | string, rules: readonly string[]): SuricataAlert[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-suricata-'));
  try {
    let file = pcap as string;
    if (typeof pcap !== 'string') {
      file = path.join(dir, 'in.pcap');
      fs.writeFileSync(file, pcap);
    }
    const rulesFile = path.join(dir, 'test.rules');
    fs.writeFileSync(rulesFile, `${rules.join('\n')}\n`);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const r = spawnSync(
      'suricata',
      [
        ...['-r', file, '--runmode', 'single', '-S', rulesFile, '-l', out, '-k', 'none', '--set', 'stream.midstream=true'],
        // Body inspection sizes are randomized by default (±10% per run): fixed, results do not vary.
        ...['--set', 'app-layer.protocols.http.libhtp.default-config.randomize-inspection-sizes=no'],
        // Suricata keeps at most 15 alerts per packet by default, and every rule of a transaction alerts on
        // the packet that completes it: 255 is the most it allows.
        ...['--set', 'packet-alert-max=255'],
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0) throw new Error(`suricata failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const alerts: SuricataAlert[] = [];
    const eve = path.join(out, 'eve.json');
    if (!fs.existsSync(eve)) return alerts;
    for (const line of fs.readFileSync(eve, 'utf8').split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line) as { event_type: string; alert?: { signature_id: number }; src_port: number; dest_port: number };
      if (e.event_type === 'alert' && e.alert !== undefined)
        alerts.push({ sid: e.alert.signature_id, srcPort: e.src_port, destPort: e.dest_port });
    }
    return alerts;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
