/**
 * Differential check of inspection buffers against Suricata 7: replay a capture through netsieve, write one
 * rule per (flow, buffer, distinct value) whose content is exactly netsieve's bytes (`content` + `bsize`),
 * run Suricata on the same capture and list the rules that did not alert: each is a buffer whose bytes
 * Suricata builds differently (or a transaction Suricata did not see).
 */
import { createEngine } from '../../../src/engine.js';
import { isNetsieveError } from '../../../src/errors.js';
import type { AppEvent } from '../../../src/events.js';
import type { InspectionBuffer } from '../../../src/protocols/module.js';
import { PROTOCOLS } from '../../../src/protocols/registry.js';
import type { CaptureInput } from '../../../src/capture/reader.js';
import { exactRule, ruleContent, runSuricata } from './suricata-run.js';

export interface BufferCheck {
  /** netsieve's buffer name. */
  buffer: string;
  /** Suricata's keyword and the rule's direction. */
  keyword: string;
  toClient: boolean;
}

/** Every buffer of `proto`, with the keyword Suricata knows it by (`<name>.to_client` twins included). */
export function checksFor(proto: string, skip: readonly string[] = []): BufferCheck[] {
  const m = PROTOCOLS.find((p) => p.name === proto);
  if (m === undefined) throw new Error(`no module ${proto}`);
  return m.buffers
    .filter((b) => !skip.includes(b.name))
    .map((b) => ({
      buffer: b.name,
      keyword: b.name.endsWith('.to_client') ? b.name.slice(0, -'.to_client'.length) : b.name,
      toClient: b.direction === 'to_client',
    }));
}

export async function appEvents(input: CaptureInput, type: string): Promise<AppEvent[]> {
  const engine = createEngine();
  const out: AppEvent[] = [];
  try {
    for await (const ev of engine.replay(input)) if (ev.type === type) out.push(ev as AppEvent);
  } catch (e) {
    if (!isNetsieveError(e) || e.code !== 'NS_ERR_CAPTURE_TRUNCATED') throw e;
  }
  return out;
}

const SEPARATE =
  /^(http\.(header|header\.raw|start|header_names|request_header|response_header|content_len|request_body)(\.to_client)?|tls\.subjectaltname|tls\.certs)$/;

export interface Mismatch {
  buffer: string;
  srcPort: number;
  value: string;
}

/**
 * The (buffer, value) pairs netsieve produces on `pcap` for which Suricata's same-named buffer never held
 * exactly those bytes on that flow. Values are shown latin1 with JSON escapes.
 */
export async function compareBuffers(
  pcap: Uint8Array | string,
  proto: string,
  checks: readonly BufferCheck[],
  ruleProto = proto,
): Promise<{ rules: number; mismatches: Mismatch[] }> {
  const events = await appEvents(pcap, proto);
  const m = PROTOCOLS.find((p) => p.name === proto)!;
  const rules: string[] = [];
  const wanted = new Map<number, Mismatch>();
  const seen = new Set<string>();
  let sid = 1_000_000;
  for (const ev of events) {
    const rec = (ev as unknown as Record<string, object>)[proto]!;
    const { srcIp, srcPort, destIp, destPort } = ev.endpoints;
    for (const c of checks) {
      const b = m.buffers.find((x) => x.name === c.buffer) as InspectionBuffer<object> | undefined;
      if (b === undefined) throw new Error(`${proto} has no buffer ${c.buffer}`);
      for (const bytes of b.get(rec)) {
        const key = `${srcIp}:${srcPort}>${destIp}:${destPort}|${c.buffer}|${Buffer.from(bytes).toString('hex')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        sid++;
        const hdr = c.toClient ? `${destIp} ${destPort} -> ${srcIp} ${srcPort}` : `${srcIp} ${srcPort} -> ${destIp} ${destPort}`;
        // Long contents are compared by their ends: the first and last 256 bytes and the size (Suricata loses
        // some rules whose content is thousands of bytes long). A body is inspected in windows once it passes
        // Suricata's minimal inspect size (40 KiB for responses, 32 KiB for requests by default): past 16 KiB,
        // only its first 256 bytes are compared.
        const isBody = /body|file\.data/.test(c.buffer);
        let rule: string;
        if (bytes.length <= 512) rule = exactRule(sid, ruleProto, c.keyword, bytes);
        else {
          const head = `content:"${ruleContent(bytes.subarray(0, 256))}"; startswith;`;
          const tail = `content:"${ruleContent(bytes.subarray(bytes.length - 256))}"; endswith; bsize:${bytes.length};`;
          const body = isBody && bytes.length > 16384 ? head : `${head} ${tail}`;
          rule = `alert ${ruleProto} any any -> any any (msg:"${c.keyword} ${sid}"; ${c.keyword}; ${body} sid:${sid}; rev:1;)`;
        }
        rule = rule.replace('any any -> any any', hdr).replace('(msg:', `(flow:${c.toClient ? 'to_client' : 'to_server'}; msg:`);
        rules.push(rule);
        wanted.set(sid, { buffer: c.buffer, srcPort, value: JSON.stringify(Buffer.from(bytes).toString('latin1')) });
      }
    }
  }
  // Rules are run in groups (the header-built and late buffers each alone, the rest together) so that the
  // alerts of one transaction stay under Suricata's per-packet alert limit (255, suricata-run.ts): past it,
  // Suricata drops alerts, which would show here as false differences.
  const got = new Set<number>();
  const groups = new Map<string, string[]>();
  rules.forEach((r, i) => {
    const b = wanted.get(1_000_001 + i)!.buffer;
    const g = SEPARATE.test(b) ? b : 'rest';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(r);
  });
  for (const group of groups.values()) for (const a of runSuricata(pcap, group)) got.add(a.sid);
  const mismatches: Mismatch[] = [];
  for (const [s, mm] of wanted) if (!got.has(s)) mismatches.push(mm);
  return { rules: rules.length, mismatches };
}
