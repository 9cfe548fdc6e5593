/**
 * The detection stage inside the engine: alerts as events and EVE lines, verdicts of drop rules, flowbits,
 * thresholds, DLP alerts (masked), the load report, and the same alerts at every segmentation of the bytes.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import type { DetectOptions } from '../../src/detect/index.js';
import { createEngine } from '../../src/engine.js';
import type { AlertEvent, NetsieveEvent } from '../../src/events.js';
import { toEve } from '../../src/output/eve.js';
import { eveSchema, schemaPresent } from '../support/corpus.js';
import { eth, ipv4, tcp, udp } from '../helpers/packets.js';

const T0 = 1_700_000_000;
const CLIENT = '10.0.0.1';
const SERVER = '10.0.0.2';

interface Frame {
  data: Uint8Array;
  tsSec: number;
  tsNsec: number;
}

/**
 * A TCP connection carrying `requests` and `responses` in turn, each message cut into segments of at most
 * `segment` bytes (Infinity: one segment per message).
 */
function connection(exchanges: { req: string; res: string }[], segment = Infinity, sport = 40000): Frame[] {
  let cseq = 1001;
  let sseq = 5001;
  const frames: Uint8Array[] = [];
  const cs = (flags: string, data?: string) =>
    eth({}, ipv4({ src: CLIENT, dst: SERVER }, tcp({ sport, dport: 80, flags, seq: cseq, ack: sseq }, data)));
  const sc = (flags: string, data?: string) =>
    eth({}, ipv4({ src: SERVER, dst: CLIENT }, tcp({ sport: 80, dport: sport, flags, seq: sseq, ack: cseq }, data)));
  frames.push(eth({}, ipv4({ src: CLIENT, dst: SERVER }, tcp({ sport, dport: 80, flags: 'S', seq: 1000, ack: 0 }))));
  frames.push(eth({}, ipv4({ src: SERVER, dst: CLIENT }, tcp({ sport: 80, dport: sport, flags: 'SA', seq: 5000, ack: 1001 }))));
  frames.push(cs('A'));
  const send = (text: string, toServer: boolean) => {
    for (let i = 0; i < text.length; i += Math.min(segment, text.length)) {
      const part = text.slice(i, i + Math.min(segment, text.length));
      if (toServer) {
        frames.push(cs('PA', part));
        cseq += part.length;
        frames.push(sc('A'));
      } else {
        frames.push(sc('PA', part));
        sseq += part.length;
        frames.push(cs('A'));
      }
    }
  };
  for (const x of exchanges) {
    send(x.req, true);
    send(x.res, false);
  }
  frames.push(cs('FA'));
  cseq++;
  frames.push(sc('FA'));
  sseq++;
  frames.push(cs('A'));
  return frames.map((data, i) => ({ data, tsSec: T0, tsNsec: i * 1000 }));
}

function pcapOf(frames: Frame[]): Uint8Array {
  const w = new PcapWriter(undefined, { linkType: 1, nanosecond: true });
  for (const f of frames) w.write(f.data, f.tsSec, f.tsNsec);
  return w.toUint8Array();
}

async function alertsOf(frames: Frame[], detect: DetectOptions): Promise<AlertEvent[]> {
  const engine = createEngine({ detect });
  const out: AlertEvent[] = [];
  for await (const ev of engine.replay(pcapOf(frames)) as AsyncIterable<NetsieveEvent>) if (ev.type === 'alert') out.push(ev);
  return out;
}

const GET = (uri: string, extra = '') => `GET ${uri} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8.0\r\n${extra}\r\n`;
const OK = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe('alerts from HTTP buffers', () => {
  const rules = [
    'alert http any any -> any any (msg:"uri select"; flow:established,to_server; http.uri; content:"select"; nocase; classtype:web-application-attack; metadata:affected_product Web, attack_target Server; sid:1; rev:2;)',
    'alert http any any -> any any (msg:"curl"; http.user_agent; content:"curl/"; startswith; sid:2; rev:1;)',
    'alert http any any -> any any (msg:"body iframe"; file.data; content:"<iframe"; nocase; sid:3; rev:1;)',
    'alert http any any -> any any (msg:"never"; http.uri; content:"nothing-here"; sid:4; rev:1;)',
  ].join('\n');
  const exchanges = [
    { req: GET('/items?q=1%20UNION%20SELECT%20x'), res: OK('<html><IFRAME src=x></html>') },
    { req: GET('/plain'), res: OK('<html>fine</html>') },
  ];

  it('raise each signature once per transaction, with Suricata’s alert fields', async () => {
    const alerts = await alertsOf(connection(exchanges), { rules: [rules] });
    const got = alerts.map((a) => `${a.alert.signatureId}/tx${a.txId}/${a.direction}`).sort();
    expect(got).toEqual(['1/tx0/to_server', '2/tx0/to_server', '2/tx1/to_server', '3/tx0/to_client']);
    const a1 = alerts.find((a) => a.alert.signatureId === 1)!;
    expect(a1.alert).toMatchObject({ action: 'allowed', gid: 1, rev: 2, signature: 'uri select', severity: 1 });
    expect(a1.alert.category).toBe('Web Application Attack');
    expect(a1.alert.metadata).toEqual({ affected_product: ['Web'], attack_target: ['Server'] });
    expect(a1.endpoints).toMatchObject({ srcIp: CLIENT, destIp: SERVER, destPort: 80 });
    // A response-side alert goes from the server to the client, with the flow's client and server beside it.
    const a3 = alerts.find((a) => a.alert.signatureId === 3)!;
    expect(a3.endpoints).toMatchObject({ srcIp: SERVER, srcPort: 80, destIp: CLIENT });
    expect(a3.alertFlow).toMatchObject({ srcIp: CLIENT, destIp: SERVER });
    expect(a3.app?.proto).toBe('http');
  });

  it('give the same alerts whatever the segmentation', async () => {
    const whole = (await alertsOf(connection(exchanges), { rules: [rules] }))
      .map((a) => `${a.alert.signatureId}/${a.txId}`)
      .sort();
    for (const seg of [1, 2, 3, 7, 50]) {
      const split = (await alertsOf(connection(exchanges, seg), { rules: [rules] }))
        .map((a) => `${a.alert.signatureId}/${a.txId}`)
        .sort();
      expect(split, `segments of ${seg} bytes`).toEqual(whole);
    }
  });

  it.skipIf(!schemaPresent)('are EVE alert lines valid against Suricata’s schema', async () => {
    const alerts = await alertsOf(connection(exchanges), { rules: [rules] });
    const validate = new Ajv({ strict: false, allErrors: true }).compile(eveSchema());
    for (const a of alerts) {
      const eve = toEve(a);
      expect(eve.event_type).toBe('alert');
      expect(validate(eve), JSON.stringify(validate.errors)).toBe(true);
    }
    const eve = toEve(alerts.find((a) => a.alert.signatureId === 3)!) as Record<string, unknown>;
    expect(eve.http).toBeDefined();
    expect(eve).toMatchObject({ app_proto: 'http', direction: 'to_client', tx_id: 0 });
  });
});

describe('the raw TCP stream', () => {
  const rule = 'alert tcp any any -> any any (msg:"token"; content:"SECRET-TOKEN"; sid:10; rev:1;)';
  it('finds a pattern split across segments, at every split', async () => {
    for (const seg of [1, 2, 5, 11, 100]) {
      const alerts = await alertsOf(connection([{ req: GET('/', 'X-Token: SECRET-TOKEN\r\n'), res: OK('x') }], seg), {
        rules: [rule],
      });
      expect(
        alerts.map((a) => a.alert.signatureId),
        `segments of ${seg}`,
      ).toEqual([10]);
    }
  });
});

describe('verdicts', () => {
  it('a drop rule drops the matching packet and every later packet of the flow', async () => {
    const frames = connection([{ req: GET('/admin'), res: OK('no') }]);
    const engine = createEngine({
      detect: { rules: ['drop http any any -> any any (msg:"admin"; http.uri; content:"/admin"; sid:20; rev:1;)'] },
    });
    const verdicts = frames.map((f) => engine.process({ data: f.data, tsSec: f.tsSec, tsNsec: f.tsNsec }));
    const first = verdicts.indexOf('drop');
    expect(first).toBeGreaterThan(2);
    expect(verdicts.slice(0, first).every((v) => v === 'accept')).toBe(true);
    expect(verdicts.slice(first).every((v) => v === 'drop')).toBe(true);
    const s = engine.stats().detect!;
    expect(s.packetsDropped).toBe(verdicts.length - first);
    expect(s.alertsBySignature).toEqual({ '1:20': 1 });
  });
});

describe('flowbits and thresholds', () => {
  it('flowbits set by one transaction are read by a later one of the same flow', async () => {
    const rules = [
      'alert http any any -> any any (msg:"login"; http.uri; content:"/login"; flowbits:set,logged; flowbits:noalert; sid:30; rev:1;)',
      'alert http any any -> any any (msg:"after login"; flowbits:isset,logged; http.uri; content:"/account"; sid:31; rev:1;)',
    ];
    const before = await alertsOf(connection([{ req: GET('/account'), res: OK('a') }]), { rules });
    expect(before).toEqual([]);
    const after = await alertsOf(
      connection([
        { req: GET('/login'), res: OK('a') },
        { req: GET('/account'), res: OK('b') },
      ]),
      { rules },
    );
    expect(after.map((a) => a.alert.signatureId)).toEqual([31]);
  });

  it('threshold type limit keeps the first alerts of its window', async () => {
    const rule =
      'alert http any any -> any any (msg:"get"; http.method; content:"GET"; threshold:type limit, track by_src, count 2, seconds 60; sid:40; rev:1;)';
    const ex = Array.from({ length: 5 }, (_, i) => ({ req: GET(`/${i}`), res: OK('x') }));
    const alerts = await alertsOf(connection(ex), { rules: [rule] });
    expect(alerts.length).toBe(2);
  });
});

describe('DLP', () => {
  const card = '4111 1111 1111 1111';
  it('alerts with the sensor and the masked value, never the value', async () => {
    const frames = connection([{ req: GET('/pay'), res: OK(`<p>card ${card}</p>`) }]);
    const alerts = await alertsOf(frames, { dlp: ['credit_card'] });
    expect(alerts.length).toBe(1);
    const a = alerts[0]!;
    expect(a.alert.metadata).toMatchObject({ dlp_sensor: ['credit_card'] });
    expect(a.alert.metadata!.dlp_match![0]).toMatch(/1111$/);
    const line = JSON.stringify(toEve({ ...a, app: undefined }));
    expect(line).not.toContain(card);
    expect(line).not.toContain(card.replace(/ /g, ''));
  });

  it('does not alert on a number that fails Luhn', async () => {
    const alerts = await alertsOf(connection([{ req: GET('/pay'), res: OK('<p>order 4111 1111 1111 1112</p>') }]), {
      dlp: 'all',
    });
    expect(alerts).toEqual([]);
  });

  it('the dlp keyword ties a rule to a sensor', async () => {
    const rule = 'alert http any any -> any any (msg:"card in body"; file.data; content:"card"; dlp:credit_card; sid:50; rev:1;)';
    const yes = await alertsOf(connection([{ req: GET('/'), res: OK(`card ${card}`) }]), { rules: [rule] });
    expect(yes.map((a) => a.alert.signatureId)).toEqual([50]);
    expect(yes[0]!.alert.metadata?.dlp_sensor).toEqual(['credit_card']);
    const no = await alertsOf(connection([{ req: GET('/'), res: OK('card 1234') }]), { rules: [rule] });
    expect(no).toEqual([]);
  });
});

describe('loading', () => {
  it('reports refused rules and loads the others', () => {
    const engine = createEngine({
      detect: {
        rules: [
          'alert http any any -> any any (msg:"ok"; http.uri; content:"a"; sid:60; rev:1;)\nalert http any any -> any any (msg:"bad"; lua:x.lua; sid:61; rev:1;)',
        ],
      },
    });
    const report = engine.rulesReport()!;
    expect(report.stats).toMatchObject({ loaded: 1, failed: 1 });
    expect(report.failed[0]).toMatchObject({ sid: 61, line: 2 });
    expect(engine.stats().detect).toMatchObject({ rulesLoaded: 1, rulesFailed: 1, alerts: 0 });
  });

  it('UDP payload rules see each datagram', async () => {
    const frames = ['hello world', 'nothing', 'world hello'].map((p, i) => ({
      data: eth({}, ipv4({ src: CLIENT, dst: SERVER }, udp({ sport: 5000, dport: 9999 }, p))),
      tsSec: T0 + i,
      tsNsec: 0,
    }));
    const alerts = await alertsOf(frames, {
      rules: ['alert udp any any -> any 9999 (msg:"w"; content:"world"; sid:70; rev:1;)'],
    });
    expect(alerts.map((a) => a.pcapCnt)).toEqual([1, 3]);
  });
});

describe('reloading rules', () => {
  it('replaces the rules of a running engine; a failed reload keeps the running set', () => {
    const frames = connection([
      { req: GET('/one'), res: OK('a') },
      { req: GET('/two'), res: OK('b') },
      { req: GET('/three'), res: OK('c') },
    ]);
    const engine = createEngine({
      detect: { rules: ['alert http any any -> any any (msg:"one"; http.uri; content:"/one"; sid:80; rev:1;)'] },
    });
    const seen: number[] = [];
    engine.on('alert', (ev) => seen.push(ev.alert.signatureId));
    // Up to the end of the first exchange, then reload, then the rest.
    const firstEnd = frames.findIndex((f, i) => i > 4 && Buffer.from(f.data).includes(Buffer.from('HTTP/1.1 200')));
    for (const f of frames.slice(0, firstEnd + 2)) engine.process(f);
    expect(() => engine.reloadRules({ rules: [{ path: '/nonexistent/x.rules' }] })).toThrow(/cannot read rules file/);
    const report = engine.reloadRules({
      rules: ['alert http any any -> any any (msg:"three"; http.uri; content:"/three"; sid:81; rev:1;)'],
    });
    expect(report.stats.loaded).toBe(1);
    for (const f of frames.slice(firstEnd + 2)) engine.process(f);
    expect(seen).toEqual([80, 81]);
  });
});

describe('hostile input', () => {
  it('a pcre that backtracks exponentially in V8 still finishes (V8 falls back to its linear engine)', async () => {
    // `(a+)+b` on a long run of `a` without a `b`: 2^n backtracking steps without the fallback.
    const frames = [
      {
        data: eth({}, ipv4({ src: CLIENT, dst: SERVER }, udp({ sport: 5000, dport: 9999 }, `${'a'.repeat(5000)}c`))),
        tsSec: T0,
        tsNsec: 0,
      },
    ];
    const alerts = await alertsOf(frames, {
      rules: ['alert udp any any -> any any (msg:"redos"; content:"aaa"; pcre:"/(a+)+b/"; sid:90; rev:1;)'],
    });
    expect(alerts).toEqual([]);
  });
});
