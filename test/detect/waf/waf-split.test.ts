/**
 * The WAF's decisions do not depend on how a transaction's bytes were cut into TCP segments: the matched
 * rules, the scores, the intervention and the alerts are the same whole, one byte per segment, and in
 * seeded random sizes, in both directions, through the engine (the HTTP parser, the early request phases of
 * `requestDone`, the response phases at the record), in `block` mode with immediate delivery and in `detect`
 * mode with acked delivery; and they equal evaluating the record's whole transaction at once.
 *
 * Hand-made conversations (urlencoded, multipart, JSON, chunked, pipelined requests, a response leak) run on
 * a small rule set always, and on CRS with ../shared; a handful of CRS's regression stages (attacks and
 * benign requests, as go-ftw sends them, with CRS CI's backend's responses) run with ../shared only.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWaf, wafRequestOf, wafResponseOf, wafResultOf, type WafOptions } from '../../../src/detect/waf/index.js';
import { createEngine } from '../../../src/engine.js';
import type { AlertEvent, NetsieveEvent, Verdict } from '../../../src/events.js';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { eth, ipv4, mulberry32, tcp } from '../../helpers/packets.js';
import { CRS_DIR, FTW_ABSENT, ftwPresent, ftwSuite } from './ftw/load.js';
import { requestBytes } from './ftw/request.js';
import { albedoResponse, responseBytes } from './ftw/response.js';

const RULES = `SecRequestBodyAccess On
SecResponseBodyAccess On
SecResponseBodyMimeType text/plain text/html application/json
SecRule REQUEST_HEADERS:Content-Type "@rx ^application/json" "id:200,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON"
SecAction "id:900,phase:1,pass,nolog,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4"
SecRule ARGS|ARGS_NAMES "@detectSQLi" "id:1001,phase:2,pass,log,msg:'sqli',setvar:tx.blocking_inbound_anomaly_score=+5"
SecRule ARGS "@detectXSS" "id:1002,phase:2,pass,log,msg:'xss',setvar:tx.blocking_inbound_anomaly_score=+5"
SecRule FILES "@rx \\.php$" "id:1003,phase:2,pass,log,msg:'php upload',setvar:tx.blocking_inbound_anomaly_score=+3"
SecRule TX:BLOCKING_INBOUND_ANOMALY_SCORE "@ge %{tx.inbound_anomaly_score_threshold}" "id:1949,phase:2,deny,log,msg:'inbound'"
SecRule RESPONSE_BODY "@contains ORA-00933" "id:1951,phase:4,pass,log,msg:'leak',setvar:tx.blocking_outbound_anomaly_score=+4"
SecRule TX:BLOCKING_OUTBOUND_ANOMALY_SCORE "@ge %{tx.outbound_anomaly_score_threshold}" "id:1959,phase:4,deny,log,msg:'outbound'"`;

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const ok = (body = 'ok', type = 'text/plain'): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

function post(target: string, type: string, body: string, extra = ''): string {
  return `POST ${target} HTTP/1.1\r\nHost: example.org\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;
}

const MULTIPART_BODY =
  '--XyZ\r\nContent-Disposition: form-data; name="user"\r\n\r\nadmin\' OR 1=1--\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="shell.php"\r\nContent-Type: application/octet-stream\r\n\r\n<?php system($_GET[c]); ?>\r\n' +
  '--XyZ--\r\n';
const CHUNKED_BODY = 'q=1%27%20UNION%20SELECT%20password%20FROM%20users--';
const chunked = (body: string): string => {
  let out = '';
  for (let i = 0; i < body.length; i += 7) {
    const c = body.slice(i, i + 7);
    out += `${c.length.toString(16)}\r\n${c}\r\n`;
  }
  return `${out}0\r\n\r\n`;
};

interface Conversation {
  name: string;
  request: Uint8Array;
  response: Uint8Array;
}

const HAND_MADE: Conversation[] = [
  { name: 'benign GET', request: bytes('GET /index.html?page=2 HTTP/1.1\r\nHost: example.org\r\n\r\n'), response: bytes(ok()) },
  {
    name: 'urlencoded SQLi',
    request: bytes(post('/login', 'application/x-www-form-urlencoded', "user=admin&pass=x' UNION SELECT password FROM users--")),
    response: bytes(ok()),
  },
  {
    name: 'multipart',
    request: bytes(post('/upload', 'multipart/form-data; boundary=XyZ', MULTIPART_BODY)),
    response: bytes(ok()),
  },
  {
    name: 'JSON XSS',
    request: bytes(post('/api', 'application/json', '{"name":"<script>alert(1)</script>","n":[1,2]}')),
    response: bytes(ok('{"ok":true}', 'application/json')),
  },
  {
    name: 'chunked SQLi',
    request: bytes(
      `POST /search HTTP/1.1\r\nHost: example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(CHUNKED_BODY)}`,
    ),
    response: bytes(ok()),
  },
  {
    name: 'pipelined: an attack, then a benign request',
    request: bytes(
      "GET /item?id=1' OR '1'='1 HTTP/1.1\r\nHost: example.org\r\n\r\nGET /item?id=2 HTTP/1.1\r\nHost: example.org\r\n\r\n",
    ),
    response: bytes(ok('first') + ok('second')),
  },
  {
    name: 'response leak',
    request: bytes('GET /report HTTP/1.1\r\nHost: example.org\r\n\r\n'),
    response: bytes(ok('error: ORA-00933: SQL command not properly ended')),
  },
];

/** Cut points: whole, one byte each, and seeded random sizes from 1 to 40. */
function segmentations(len: number): { name: string; sizes: () => number }[] {
  const seeded = (seed: number) => {
    const r = mulberry32(seed);
    return () => 1 + Math.floor(r() * 40);
  };
  return [
    { name: 'whole', sizes: () => len },
    { name: 'one byte', sizes: () => 1 },
    { name: 'random 1', sizes: seeded(1) },
    { name: 'random 2', sizes: seeded(2) },
  ];
}

function cut(data: Uint8Array, next: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; ) {
    const n = Math.min(next(), data.length - i);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

const CLIENT = '10.0.0.1';
const SERVER = '10.0.0.2';

/** One TCP connection through a new engine: the request's segments (each acknowledged), then the response's. */
function converse(
  waf: WafOptions,
  delivery: 'acked' | 'immediate',
  c: Conversation,
  next: () => number,
): { events: NetsieveEvent[]; verdicts: Verdict[] } {
  const engine = createEngine({ tcp: { delivery }, detect: { waf } });
  const events: NetsieveEvent[] = [];
  engine.on('*', (ev) => events.push(ev));
  const verdicts: Verdict[] = [];
  let t = 0;
  let cseq = 1000;
  let sseq = 5000;
  const send = (frame: Uint8Array) => {
    t++;
    verdicts.push(engine.process({ data: frame, tsSec: 1_700_000_000 + Math.floor(t / 1000), tsNsec: (t % 1000) * 1e6 }));
  };
  const cs = (flags: string, payload?: Uint8Array) =>
    send(
      eth(
        {},
        ipv4(
          { src: CLIENT, dst: SERVER },
          tcp({ sport: 40000, dport: 80, flags, seq: cseq, ack: flags === 'S' ? 0 : sseq }, payload),
        ),
      ),
    );
  const sc = (flags: string, payload?: Uint8Array) =>
    send(eth({}, ipv4({ src: SERVER, dst: CLIENT }, tcp({ sport: 80, dport: 40000, flags, seq: sseq, ack: cseq }, payload))));
  cs('S');
  cseq++;
  sc('SA');
  sseq++;
  cs('A');
  for (const d of cut(c.request, next)) {
    cs('PA', d);
    cseq += d.length;
    sc('A');
  }
  for (const d of cut(c.response, next)) {
    sc('PA', d);
    sseq += d.length;
    cs('A');
  }
  cs('FA');
  cseq++;
  sc('FA');
  sseq++;
  cs('A');
  engine.flush();
  return { events, verdicts };
}

/** What the WAF decided, per transaction: the record's results and the alerts (rule ids, per transaction). */
function decisions(events: NetsieveEvent[]): string {
  const records = events
    .filter((e) => e.type === 'http')
    .map((e) => {
      const r = (e as unknown as { http: HttpTransaction }).http;
      return { txId: r.txId, uri: r.uri, status: r.status, waf: r.waf };
    });
  const alerts = events.filter((e): e is AlertEvent => e.type === 'alert').map((a) => [a.txId, a.alert.signatureId]);
  return JSON.stringify({ records, alerts });
}

/** Each conversation gives the same decisions in every segmentation, equal to evaluating each record whole. */
function checkInvariance(waf: WafOptions, conversations: readonly Conversation[]): void {
  const whole = createWaf(waf);
  for (const c of conversations) {
    for (const [mode, delivery] of [
      ['block', 'immediate'],
      ['detect', 'acked'],
    ] as const) {
      const options = { ...waf, mode };
      const outcomes = new Map<string, string[]>();
      let first: NetsieveEvent[] | null = null;
      for (const s of segmentations(Math.max(c.request.length, c.response.length))) {
        const { events } = converse(options, delivery, c, s.sizes);
        first ??= events;
        const d = decisions(events);
        outcomes.set(d, [...(outcomes.get(d) ?? []), s.name]);
      }
      expect([...outcomes.values()], `${c.name} (${mode}): one outcome for every segmentation`).toHaveLength(1);
      // The same as the whole transaction evaluated at once, from its record.
      const records = first!.filter((e) => e.type === 'http').map((e) => (e as unknown as { http: HttpTransaction }).http);
      expect(records.length, c.name).toBeGreaterThan(0);
      for (const r of records) {
        const t = whole.ruleSet.evaluate(wafRequestOf(r)!, wafResponseOf(r));
        expect(r.waf, `${c.name} tx ${r.txId}`).toEqual(wafResultOf(t, mode));
      }
    }
  }
}

describe('WAF decisions under any segmentation', () => {
  it('hand-made conversations, on a small rule set', () => {
    checkInvariance({ rules: [{ text: RULES, name: 'rules.conf' }] }, HAND_MADE);
  });

  it('the hand-made conversations decide what they should', () => {
    const got = HAND_MADE.map((c) => {
      const { events } = converse({ rules: [{ text: RULES }], mode: 'block' }, 'immediate', c, () => c.request.length);
      // The request body went to the WAF when the request ended, and is still on the final record.
      for (const e of events)
        if (e.type === 'http') {
          const r = (e as unknown as { http: HttpTransaction }).http;
          expect(r.requestBody.length, c.name).toBe(r.requestBodyLength);
        }
      return events
        .filter((e) => e.type === 'http')
        .map((e) => (e as unknown as { http: HttpTransaction }).http.waf!)
        .map((w) => [w.matched, w.intervention?.rule ?? null, w.blocked]);
    });
    expect(got).toEqual([
      [[[], null, false]],
      [[[1001, 1949], 1949, true]],
      [[[1001, 1003, 1949], 1949, true]],
      [[[1002, 1949], 1949, true]],
      [[[1001, 1949], 1949, true]],
      [
        [[1001, 1949], 1949, true],
        [[], null, false],
      ],
      [[[1951, 1959], 1959, true]],
    ]);
  });
});

describe.skipIf(!ftwPresent)(`WAF decisions under any segmentation, CRS${ftwPresent ? '' : ` (${FTW_ABSENT})`}`, () => {
  const crs: WafOptions = {
    crsDir: CRS_DIR,
    configFiles: [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl4.conf')],
  };

  it('hand-made conversations', { timeout: 300_000 }, () => {
    checkInvariance(crs, HAND_MADE);
  });

  it("CRS's regression stages: attacks and benign requests", { timeout: 300_000 }, () => {
    const stages = ftwSuite().stages;
    const wanted = [
      '942100-1/0', // SQLi in a urlencoded body
      '941100-1/0', // XSS
      '932160-1/0', // RCE
      '930100-1/0', // path traversal
      '913100-1/0', // scanner user agent
      '922110-1/0', // multipart
      '951110-1/0', // response: SQL error leak
    ];
    const picked = stages.filter((s) => wanted.includes(s.key));
    expect(picked.map((s) => s.key).sort()).toEqual([...wanted].sort());
    // Benign: the first two stages that expect no rule at all.
    const benign = stages.filter(
      (s) => s.output.expectIds.length === 0 && s.output.noExpectIds.length > 0 && s.input.encodedRequest === null,
    );
    picked.push(...benign.slice(0, 2));
    const conversations = picked.map((s) => {
      const a = albedoResponse(s);
      return {
        name: s.key,
        request: requestBytes(s),
        response: a === null ? bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n') : responseBytes(a),
      };
    });
    checkInvariance(crs, conversations);
  });
});
