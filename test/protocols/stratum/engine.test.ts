/**
 * Through the whole engine: a capture built here (Ethernet, IPv4, TCP with handshake and teardown) of
 * Stratum on ports no one assigns to it gives `stratum` events and flows whose app_proto is stratum found
 * in the bytes; HTTP and plain JSON over TCP are not taken.
 */
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../../src/capture/pcap-writer.js';
import { createEngine } from '../../../src/engine.js';
import type { FlowEvent, NetsieveEvent } from '../../../src/events.js';
import { eth, ipv4, tcp } from '../../helpers/packets.js';

type Msg = [fromClient: boolean, text: string];
const line = (o: object) => `${JSON.stringify(o)}\n`;

/** One TCP conversation's frames: handshake, each message (and its ACK), FIN both ways. */
function conversation(client: string, server: string, cport: number, sport: number, msgs: Msg[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seq = [1000, 5000];
  const send = (fromClient: boolean, flags: string, data?: string) => {
    const me = fromClient ? 0 : 1;
    const seg = tcp(
      {
        sport: fromClient ? cport : sport,
        dport: fromClient ? sport : cport,
        flags,
        seq: seq[me]!,
        ack: flags === 'S' ? 0 : seq[1 - me]!,
      },
      data,
    );
    out.push(eth({}, ipv4(fromClient ? { src: client, dst: server } : { src: server, dst: client }, seg)));
    seq[me]! += (data === undefined ? 0 : Buffer.byteLength(data)) + (flags.includes('S') || flags.includes('F') ? 1 : 0);
  };
  send(true, 'S');
  send(false, 'SA');
  send(true, 'A');
  for (const [c, text] of msgs) {
    send(c, 'PA', text);
    send(!c, 'A');
  }
  send(true, 'FA');
  send(false, 'FA');
  send(true, 'A');
  return out;
}

function pcap(...convs: Uint8Array[][]): Uint8Array {
  const w = new PcapWriter(undefined, { linkType: 1, nanosecond: false });
  let i = 0;
  for (const frames of convs) for (const f of frames) w.write(f, 1_767_225_600 + Math.floor(i / 10), (i++ % 10) * 1000);
  return w.toUint8Array();
}

async function replay(bytes: Uint8Array): Promise<NetsieveEvent[]> {
  const out: NetsieveEvent[] = [];
  for await (const ev of createEngine({ debug: { throwInternalErrors: true } }).replay(bytes)) out.push(ev);
  return out;
}

describe('stratum through the engine', () => {
  it('finds both dialects on non-standard ports and emits their records', async () => {
    const v1 = conversation('10.1.0.2', '192.0.2.7', 40001, 25, [
      [true, line({ id: 1, method: 'mining.subscribe', params: ['cpuminer-opt/23.15', null] })],
      [false, line({ id: 1, result: [[['mining.notify', 'abc']], '0800', 4], error: null })],
      [true, line({ id: 2, method: 'mining.authorize', params: ['wallet.w1', 'x'] })],
      [
        false,
        `${line({ id: 2, result: true, error: null })}${line({ id: null, method: 'mining.notify', params: ['j1', 'aa', 'b', 'c', [], '2', '3', '4', true] })}`,
      ],
      [true, line({ id: 3, method: 'mining.submit', params: ['wallet.w1', 'j1', '01', '4', 'ff'] })],
      [false, line({ id: 3, result: true, error: null })],
    ]);
    const xmrig = conversation('10.1.0.2', '192.0.2.8', 40002, 8080, [
      [true, line({ id: 1, jsonrpc: '2.0', method: 'login', params: { login: '4wallet', pass: 'x', agent: 'XMRig/6.21.0' } })],
      [
        false,
        line({
          id: 1,
          jsonrpc: '2.0',
          error: null,
          result: { id: 's', job: { blob: '0e', job_id: 'q1', target: 'ff' }, status: 'OK' },
        }),
      ],
    ]);
    const evs = await replay(pcap(v1, xmrig));
    const recs = evs.flatMap((e) => (e.type === 'stratum' ? [e.stratum] : []));
    expect(recs.map((r) => `${r.variant} ${r.method} ${r.worker ?? ''} ${r.agent ?? ''}`.trim())).toEqual([
      'stratum-v1 mining.subscribe  cpuminer-opt/23.15',
      'stratum-v1 mining.authorize wallet.w1',
      'stratum-v1 mining.notify',
      'stratum-v1 mining.submit wallet.w1',
      'xmrig login 4wallet XMRig/6.21.0',
    ]);
    const flows = evs.filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows.map((f) => [f.endpoints.destPort, f.appProto, f.appProtoConfidence])).toEqual([
      [25, 'stratum', 'dpi'],
      [8080, 'stratum', 'dpi'],
    ]);
    const ev = evs.find((e) => e.type === 'stratum')!;
    expect(ev.endpoints).toMatchObject({ srcIp: '10.1.0.2', destPort: 25, proto: 'TCP' });
    // Port 8080 is HTTP's: the engine says the protocol found is not the port's.
    expect(evs.filter((e) => e.type === 'anomaly').map((e) => (e.type === 'anomaly' ? e.anomaly.event : ''))).toEqual([
      'app.protocol_mismatch',
    ]);
  });

  it('leaves HTTP carrying mining JSON, and JSON-RPC of other applications, alone', async () => {
    const http = conversation('10.1.0.3', '192.0.2.9', 40003, 3333, [
      [true, `POST / HTTP/1.1\r\nHost: pool\r\nContent-Length: 38\r\n\r\n{"id":1,"method":"mining.subscribe"}\r\n`],
      [false, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    ]);
    const jsonrpc = conversation('10.1.0.3', '192.0.2.9', 40004, 3333, [
      [true, line({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] })],
      [false, line({ jsonrpc: '2.0', id: 1, result: '0x10d4f' })],
    ]);
    const evs = await replay(pcap(http, jsonrpc));
    expect(evs.some((e) => e.type === 'stratum')).toBe(false);
    const flows = evs.filter((e): e is FlowEvent => e.type === 'flow');
    expect(flows.map((f) => [f.endpoints.srcPort, f.appProto, f.appProtoConfidence])).toEqual([
      [40003, 'http', 'dpi'],
      [40004, null, 'unknown'],
    ]);
  });

  it('app.protocols.stratum: false leaves the module out', async () => {
    const v1 = conversation('10.1.0.2', '192.0.2.7', 40001, 3333, [
      [true, line({ id: 1, method: 'mining.subscribe', params: [] })],
    ]);
    const out: NetsieveEvent[] = [];
    for await (const ev of createEngine({ app: { protocols: { stratum: false } } }).replay(pcap(v1))) out.push(ev);
    expect(out.some((e) => e.type === 'stratum')).toBe(false);
  });
});
