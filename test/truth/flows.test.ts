/**
 * Ground truth: the TCP and UDP flows netsieve reports for every capture of the shared corpus, against
 * tshark's conversations (`tcp.stream` / `udp.stream`) in truth/<file>.json.
 *
 * Compared per capture: the number of TCP and UDP flows, and for each conversation (the unordered pair of
 * endpoints) the packet counts of its flows. Where netsieve and tshark differ on purpose, the difference
 * is listed in DEVIATIONS with the reason, and the test checks that exact difference — so it fails both when
 * netsieve regresses and when the deviation goes away.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import type { CreateEngineOptions } from '../../src/engine.js';
import type { FlowEvent } from '../../src/events.js';
import { corpusFiles, corpusPath, corpusPresent, hasTruth, truthOf } from '../support/corpus.js';

interface Conversation {
  key: string;
  transport: 'tcp' | 'udp';
  packets: number[];
}

/** Canonical text key of a conversation: transport and the two endpoints, sorted. */
function convKey(transport: string, a: string, ap: number, b: string, bp: number): string {
  const x = `${a}|${ap}`;
  const y = `${b}|${bp}`;
  return `${transport} ${x < y ? `${x} ${y}` : `${y} ${x}`}`;
}

function group(items: { key: string; transport: 'tcp' | 'udp'; packets: number }[]): Map<string, Conversation> {
  const m = new Map<string, Conversation>();
  for (const it of items) {
    const c = m.get(it.key) ?? { key: it.key, transport: it.transport, packets: [] };
    c.packets.push(it.packets);
    m.set(it.key, c);
  }
  for (const c of m.values()) c.packets.sort((a, b) => a - b);
  return m;
}

/** Known, explained differences: capture → what netsieve reports instead, and why. */
interface Deviation {
  why: string;
  /** Conversations whose per-flow packet counts differ: key → netsieve's counts (sorted). */
  conversations?: Record<string, number[]>;
  tcpFlows?: number;
  udpFlows?: number;
}
const DEVIATIONS: Record<string, Deviation> = {
  'ndpi_1kxun.pcap': {
    why:
      'three one-way UDP conversations (a broadcast to port 1947, an IPv6 multicast) send a datagram, then another 35-60 s ' +
      'later: the flow times out in between (udp new timeout 30 s, as Suricata), tshark never ends a conversation',
    udpFlows: 102,
    conversations: {
      'udp 255.255.255.255|1947 59.120.208.218|50151': [1, 1],
      'udp 192.168.2.186|32768 255.255.255.255|1947': [1, 1],
      'udp 2001:b020:6:0:c2a0:bbff:fe73:eb57|62976 ff02::1|62976': [1, 1],
    },
  },
  'ndpi_fuzz-2006-09-29-28586.pcap': {
    why:
      'fuzzed frame 27 carries SYN together with RST, PSH, URG, ECE and CWR inside an established connection: tshark takes ' +
      'any SYN with a new sequence number for a new conversation; netsieve, like a TCP stack, does not let an impossible ' +
      'flag combination restart a connection (it raises decode.tcp_syn_rst) and keeps one flow',
    tcpFlows: 37,
    conversations: { 'tcp 172.20.3.13|80 172.20.3.5|2601': [11] },
  },
  'ndpi_kafka.pcapng': {
    why:
      'the last packet of one connection comes 600.0017 s after the one before it: the flow times out (tcp established ' +
      'timeout 600 s, as Suricata) and the packet starts a new flow; tshark never ends a conversation',
    tcpFlows: 10,
    conversations: { 'tcp 172.16.17.101|49280 172.30.0.237|9092': [1, 4] },
  },
  'ndpi_mongodb.pcap': {
    why:
      'every packet was captured twice, on VLAN 50 and on VLAN 300 (a router on a stick): VLAN ids are part of the flow key ' +
      "by default (Suricata's vlan.use-for-tracking), so each copy is its own flow; with flow.vlanInKey false netsieve " +
      'agrees with tshark (tested below)',
    tcpFlows: 8,
    conversations: {
      'tcp 10.10.10.10|51822 10.10.10.11|27017': [2, 4],
      'tcp 10.10.10.12|55582 10.10.10.13|27017': [2, 4],
      'tcp 10.10.10.18|64566 10.10.10.19|30000': [3, 4],
    },
  },
};

async function flowsOf(file: string, options: CreateEngineOptions = {}): Promise<FlowEvent[]> {
  const engine = createEngine(options);
  const flows: FlowEvent[] = [];
  for await (const ev of engine.replay(file)) if (ev.type === 'flow') flows.push(ev);
  return flows;
}

describe.skipIf(!corpusPresent)('flows agree with tshark on the shared corpus', () => {
  // Names only (no read of the truth at collection); empty without the corpus.
  const files = corpusFiles().filter(hasTruth);
  it.each(files)('%s', async (file) => {
    await compare(file, DEVIATIONS[file]);
  });

  it('ndpi_mongodb.pcap agrees exactly when VLAN ids are left out of the flow key', async () => {
    await compare('ndpi_mongodb.pcap', undefined, { flow: { vlanInKey: false } });
  });

  it('every deviation names a capture of the corpus and says why', () => {
    for (const [file, dev] of Object.entries(DEVIATIONS)) {
      expect(files).toContain(file);
      expect(dev.why.length).toBeGreaterThan(40);
    }
  });

  async function compare(file: string, dev: Deviation | undefined, options: CreateEngineOptions = {}): Promise<void> {
    const truth = truthOf(file)!;
    const flows = await flowsOf(corpusPath(file), options);
    const ours = group(
      flows
        .filter((f) => f.endpoints.proto === 'TCP' || f.endpoints.proto === 'UDP')
        .map((f) => {
          const t = f.endpoints.proto === 'TCP' ? 'tcp' : 'udp';
          return {
            key: convKey(t, f.endpoints.srcIp, f.endpoints.srcPort, f.endpoints.destIp, f.endpoints.destPort),
            transport: t,
            packets: f.flow.pktsToServer + f.flow.pktsToClient,
          } as const;
        }),
    );
    const theirs = group(
      truth.streams.map((s) => ({
        key: convKey(s.transport, s.src, s.sport, s.dst, s.dport),
        transport: s.transport,
        packets: s.packets,
      })),
    );
    const count = (m: Map<string, Conversation>, t: string) =>
      [...m.values()].filter((c) => c.transport === t).reduce((a, c) => a + c.packets.length, 0);
    expect({ tcp: count(ours, 'tcp'), udp: count(ours, 'udp') }).toEqual({
      tcp: dev?.tcpFlows ?? truth.tcp_streams,
      udp: dev?.udpFlows ?? truth.udp_streams,
    });
    const expected = new Map([...theirs].map(([k, c]) => [k, c.packets]));
    for (const [k, v] of Object.entries(dev?.conversations ?? {})) expected.set(k, v);
    const got = new Map([...ours].map(([k, c]) => [k, c.packets]));
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].filter(([, v]) => v.length > 0).sort()));
  }
});
