/**
 * The WAF's results (issue #12, "Results"): the `http` record's `waf` object (CRS's anomaly scores and
 * thresholds read from TX, the paranoia level, the matched rules, the first intervention, whether it
 * blocked), its EVE form (`waf` beside Suricata's `http` object, schema/eve-waf.schema.json), and the verdict:
 * in `block` mode a transaction with an intervention drops its flow from the packet that completed the
 * request (with `tcp.delivery: 'immediate'`; from the server's acknowledgement of it with the default
 * `acked` delivery), while `detect` mode accepts every packet. Alerts are not duplicated by the early
 * evaluation of the request phases. With ../shared, the same on CRS (949110 on an SQL injection).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createWaf } from '../../../src/detect/waf/index.js';
import { createEngine } from '../../../src/engine.js';
import type { AlertEvent, NetsieveEvent } from '../../../src/events.js';
import type { CreateEngineOptions } from '../../../src/index.js';
import { toEve } from '../../../src/output/eve.js';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { Net } from '../../policy/helpers.js';
import { corpusPath, EVE_SCHEMA, REPO_ROOT } from '../../support/corpus.js';
import { CRS_DIR, FTW_ABSENT, ftwPresent } from './ftw/load.js';

const OWN_SCHEMA = path.join(REPO_ROOT, 'schema', 'eve-waf.schema.json');

/** A CRS-like anomaly-scoring rule set in a few lines: rules add to a score, 1949 denies at the threshold. */
const RULES = `SecRequestBodyAccess On
SecDefaultAction "phase:1,log,auditlog,pass"
SecDefaultAction "phase:2,log,auditlog,pass"
SecAction "id:900,phase:1,pass,nolog,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4,setvar:tx.blocking_paranoia_level=1"
SecRule ARGS "@detectSQLi" "id:1001,phase:2,block,log,msg:'sqli',tag:'attack-sqli',setvar:tx.blocking_inbound_anomaly_score=+5"
SecRule REQUEST_HEADERS:User-Agent "@contains scanner" "id:1002,phase:1,block,log,msg:'scanner',setvar:tx.blocking_inbound_anomaly_score=+2"
SecRule TX:BLOCKING_INBOUND_ANOMALY_SCORE "@ge %{tx.inbound_anomaly_score_threshold}" "id:1949,phase:2,deny,log,msg:'inbound score'"
SecRule RESPONSE_STATUS "@streq 500" "id:1951,phase:3,pass,log,msg:'error',setvar:tx.blocking_outbound_anomaly_score=+4"
SecRule TX:BLOCKING_OUTBOUND_ANOMALY_SCORE "@ge %{tx.outbound_anomaly_score_threshold}" "id:1959,phase:4,deny,log,msg:'outbound score'"`;

const SQLI = "/item?id=1' OR '1'='1";
const request = (target: string, ua = 't'): string => `GET ${target} HTTP/1.1\r\nHost: example.org\r\nUser-Agent: ${ua}\r\n\r\n`;
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

function net(mode: 'detect' | 'block' | undefined, extra: Partial<CreateEngineOptions> = {}): Net {
  return new Net({ detect: { waf: { rules: [{ text: RULES, name: 'rules.conf' }], ...(mode ? { mode } : {}) } }, ...extra });
}
const records = (events: NetsieveEvent[]): HttpTransaction[] =>
  events.filter((e) => e.type === 'http').map((e) => (e as unknown as { http: HttpTransaction }).http);
const alertIds = (events: NetsieveEvent[]): number[] =>
  events.filter((e): e is AlertEvent => e.type === 'alert').map((a) => a.alert.signatureId);

describe('the WAF results on the http record', () => {
  it('carries the scores, thresholds, paranoia, matched rules and the intervention', () => {
    const n = net(undefined);
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request(SQLI, 'scanner/1')], { reply: OK });
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/fine')], { reply: OK });
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/oops')], { reply: 'HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n' });
    n.flows();
    expect(records(n.events).map((r) => r.waf)).toEqual([
      {
        inboundScore: 7,
        outboundScore: 0,
        inboundThreshold: 5,
        outboundThreshold: 4,
        paranoia: 1,
        matched: [1002, 1001, 1949],
        intervention: { rule: 1949, phase: 2, action: 'deny' },
        blocked: false,
      },
      {
        inboundScore: 0,
        outboundScore: 0,
        inboundThreshold: 5,
        outboundThreshold: 4,
        paranoia: 1,
        matched: [],
        intervention: null,
        blocked: false,
      },
      {
        inboundScore: 0,
        outboundScore: 4,
        inboundThreshold: 5,
        outboundThreshold: 4,
        paranoia: 1,
        matched: [1951, 1959],
        intervention: { rule: 1959, phase: 4, action: 'deny' },
        blocked: false,
      },
    ]);
    // The alerts are as before: one per logged match, once each.
    expect(alertIds(n.events)).toEqual([1002, 1001, 1949, 1951, 1959]);
  });

  it('`block` resolves through SecDefaultAction: a block rule under a deny default intervenes itself', () => {
    const rules = `SecDefaultAction "phase:1,log,auditlog,deny,status:403"
SecRule REQUEST_URI "@contains evil" "id:7,phase:1,block,log,msg:'evil'"`;
    const n = new Net({ detect: { waf: { rules: [{ text: rules }], mode: 'block' } } });
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/evil')], { reply: OK });
    n.flows();
    const w = records(n.events)[0]!.waf!;
    expect(w).toMatchObject({ inboundScore: 0, paranoia: 0, matched: [7], intervention: { rule: 7, phase: 1, action: 'deny' } });
    expect(w.blocked).toBe(true);
  });

  it('no waf object without the WAF', () => {
    const n = new Net({});
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/')], { reply: OK });
    n.flows();
    expect(records(n.events)[0]!.waf).toBeUndefined();
  });

  it('EVE: `waf` beside the http object, snake_case, valid against eve-waf.schema.json; the line is Suricata-valid without it', () => {
    const n = net('block');
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request(SQLI)], { reply: OK });
    n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/fine')], { reply: OK });
    n.flows();
    const lines = n.events.filter((e) => e.type === 'http').map((e) => toEve(e) as Record<string, unknown>);
    expect(lines.map((l) => l.waf)).toEqual([
      {
        inbound_score: 5,
        outbound_score: 0,
        inbound_threshold: 5,
        outbound_threshold: 4,
        paranoia: 1,
        matched: [1001, 1949],
        intervention: { rule: 1949, phase: 2, action: 'deny' },
        blocked: true,
      },
      {
        inbound_score: 0,
        outbound_score: 0,
        inbound_threshold: 5,
        outbound_threshold: 4,
        paranoia: 1,
        matched: [],
        intervention: null,
        blocked: false,
      },
    ]);
    expect((lines[0]!.http as Record<string, unknown>).waf).toBeUndefined();
    const ajv = new Ajv({ strict: true, allErrors: true });
    const own = ajv.compile(JSON.parse(fs.readFileSync(OWN_SCHEMA, 'utf8')));
    for (const l of lines) expect(own(l.waf), JSON.stringify(own.errors)).toBe(true);
    expect(own({ ...(lines[0]!.waf as object), intervention: { rule: 1, phase: 9, action: 'deny' } })).toBe(false);
    const alertLines = n.events.filter((e) => e.type === 'alert').map((e) => toEve(e) as Record<string, unknown>);
    expect(alertLines).toHaveLength(2);
    for (const a of alertLines) expect(a.waf).toBeUndefined();
    if (fs.existsSync(EVE_SCHEMA)) {
      const suricata = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')));
      for (const l of lines) {
        const { waf: _waf, ...rest } = l;
        expect(suricata(rest), JSON.stringify(suricata.errors)).toBe(true);
      }
      for (const a of alertLines) expect(suricata(a), JSON.stringify(suricata.errors)).toBe(true);
    }
  });
});

describe('the verdict in block mode', () => {
  it('detect mode accepts every packet of an SQL injection', () => {
    const n = net('detect');
    const { verdicts } = n.tcp('10.0.0.1', '10.0.0.2', 80, [request(SQLI)], { reply: OK });
    n.flows();
    expect(verdicts.every((v) => v === 'accept')).toBe(true);
    expect(n.engine.stats().detect).toMatchObject({ packetsDropped: 0, waf: { transactions: 1, blocked: 0 } });
  });

  it("block mode drops the request's last packet on (immediate delivery), once phases 1-2 ran; alerts once", () => {
    const n = net('block', { tcp: { delivery: 'immediate' } });
    const req = request(SQLI);
    const cut = req.length - 5;
    // Handshake (3), first part + ACK, last part + ACK, reply + ACK, FINs (3).
    const { verdicts } = n.tcp('10.0.0.1', '10.0.0.2', 80, [req.slice(0, cut), req.slice(cut)], { reply: OK });
    n.flows();
    expect(verdicts.slice(0, 5)).toEqual(['accept', 'accept', 'accept', 'accept', 'accept']);
    expect(verdicts.slice(5)).toEqual(Array(verdicts.length - 5).fill('drop'));
    const s = n.engine.stats().detect!;
    expect(s.packetsDropped).toBe(verdicts.length - 5);
    expect(s.waf).toMatchObject({ transactions: 1, matches: 2, blocked: 1 });
    expect(alertIds(n.events)).toEqual([1001, 1949]);
    expect(records(n.events)[0]!.waf).toMatchObject({ blocked: true, intervention: { rule: 1949, phase: 2 } });
  });

  it('with the default acked delivery the drop comes with the server acknowledging the request', () => {
    const n = net('block');
    const { verdicts } = n.tcp('10.0.0.1', '10.0.0.2', 80, [request(SQLI)], { reply: OK });
    n.flows();
    // SYN, SYN-ACK, ACK, the request: accepted; the server's ACK delivers the request, and drops from there.
    expect(verdicts.slice(0, 4)).toEqual(['accept', 'accept', 'accept', 'accept']);
    expect(verdicts.slice(4)).toEqual(Array(verdicts.length - 4).fill('drop'));
  });

  it('a benign request, and other flows, are not dropped', () => {
    const n = net('block', { tcp: { delivery: 'immediate' } });
    const a = n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/fine')], { reply: OK });
    const b = n.tcp('10.0.0.1', '10.0.0.2', 80, [request(SQLI)], { reply: OK });
    const c = n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/fine?q=2')], { reply: OK });
    n.flows();
    expect(a.verdicts.every((v) => v === 'accept')).toBe(true);
    expect(b.verdicts.includes('drop')).toBe(true);
    expect(c.verdicts.every((v) => v === 'accept')).toBe(true);
  });

  it('an outbound intervention drops from the response that completed the transaction', () => {
    const n = net('block', { tcp: { delivery: 'immediate' } });
    const { verdicts } = n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/oops')], {
      reply: 'HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n',
    });
    n.flows();
    // Handshake, request, its ACK: accepted; the response completes the transaction: dropped from there.
    expect(verdicts.slice(0, 5)).toEqual(['accept', 'accept', 'accept', 'accept', 'accept']);
    expect(verdicts.slice(5)).toEqual(Array(verdicts.length - 5).fill('drop'));
    expect(records(n.events)[0]!.waf).toMatchObject({ outboundScore: 4, intervention: { rule: 1959, phase: 4 }, blocked: true });
  });

  it('a pipelined second request is evaluated on its own; the flow drops at the one that intervenes', () => {
    const n = net('block', { tcp: { delivery: 'immediate' } });
    const { verdicts } = n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/fine'), request(SQLI)], { reply: OK + OK });
    n.flows();
    expect(verdicts.slice(0, 5)).toEqual(['accept', 'accept', 'accept', 'accept', 'accept']);
    expect(verdicts[5]).toBe('drop');
    expect(records(n.events).map((r) => [r.uri, r.waf!.blocked, r.waf!.matched])).toEqual([
      ['/fine', false, []],
      [SQLI, true, [1001, 1949]],
    ]);
  });

  it('a bad mode is refused', () => {
    expect(() => createEngine({ detect: { waf: { rules: [{ text: RULES }], mode: 'deny' as unknown as 'block' } } })).toThrow(
      /mode is detect or block/,
    );
  });
});

describe('--waf-mode', () => {
  it('needs --waf, and takes detect or block (exit 2 otherwise)', async () => {
    let err = '';
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      err += String(c);
      return true;
    });
    const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['replay', corpusPath('ndpi_sql_injection.pcap'), '--waf-mode', 'block'])).toBe(2);
      expect(err).toMatch(/--waf-mode need --waf crs=DIR/);
      err = '';
      expect(await main(['replay', corpusPath('ndpi_sql_injection.pcap'), '--waf', 'crs=/x', '--waf-mode', 'deny'])).toBe(2);
      expect(err).toMatch(/--waf-mode takes detect or block, not deny/);
    } finally {
      e.mockRestore();
      o.mockRestore();
    }
  });

  it('is in the help of replay and live', async () => {
    for (const command of ['replay', 'live']) {
      let out = '';
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
        out += String(c);
        return true;
      });
      try {
        expect(await main([command, '--help'])).toBe(0);
      } finally {
        o.mockRestore();
      }
      expect(out, command).toMatch(/--waf-mode detect\|block/);
    }
  });
});

describe.skipIf(!ftwPresent)(`CRS's verdict${ftwPresent ? '' : ` (${FTW_ABSENT})`}`, () => {
  const crs = (mode: 'detect' | 'block'): Net =>
    new Net({
      tcp: { delivery: 'immediate' },
      detect: {
        waf: {
          crsDir: CRS_DIR,
          configFiles: [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl1.conf')],
          mode,
        },
      },
    });

  it('an SQL injection: 949110 at the threshold, drop in block mode, accept in detect mode', () => {
    for (const mode of ['detect', 'block'] as const) {
      const n = crs(mode);
      const attack = n.tcp('10.0.0.1', '10.0.0.2', 80, [request("/login?user=admin' OR 1=1--")], { reply: OK });
      const fine = n.tcp('10.0.0.1', '10.0.0.2', 80, [request('/index.html?page=2')], { reply: OK });
      n.flows();
      const [a, f] = records(n.events);
      expect(a!.waf).toMatchObject({
        inboundThreshold: 5,
        outboundThreshold: 4,
        paranoia: 1,
        outboundScore: 0,
        intervention: { rule: 949110, phase: 2, action: 'deny' },
        blocked: mode === 'block',
      });
      expect(a!.waf!.inboundScore).toBeGreaterThanOrEqual(5);
      expect(a!.waf!.matched).toContain(942100);
      expect(a!.waf!.matched).toContain(949110);
      expect(f!.waf).toMatchObject({ inboundScore: 0, intervention: null, blocked: false });
      expect(fine.verdicts.every((v) => v === 'accept')).toBe(true);
      if (mode === 'detect') expect(attack.verdicts.every((v) => v === 'accept')).toBe(true);
      else {
        // The request's packet (the 4th) is dropped, and everything after it.
        expect(attack.verdicts.slice(0, 3)).toEqual(['accept', 'accept', 'accept']);
        expect(attack.verdicts.slice(3).every((v) => v === 'drop')).toBe(true);
      }
      // The alerts are those of the matched rules, once each.
      expect(alertIds(n.events)).toEqual(a!.waf!.matched);
    }
  });

  it("the transaction's scores: blocking and detection, thresholds, paranoia levels (CRS CI at paranoia 4)", () => {
    const waf = createWaf({
      crsDir: CRS_DIR,
      configFiles: [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl4.conf')],
    });
    const t = waf.ruleSet.evaluate(
      {
        method: 'GET',
        uri: "/login?user=admin'%20OR%201=1--",
        version: 'HTTP/1.1',
        headers: [['Host', 'localhost']],
        body: null,
      },
      { status: 200, version: 'HTTP/1.1', headers: [['Content-Type', 'text/plain']], body: 'ok' },
    );
    const s = t.scores;
    expect(s).toMatchObject({ inboundThreshold: 5, outboundThreshold: 4, blockingParanoia: 4, detectionParanoia: 4 });
    expect(s.blockingInbound).toBeGreaterThanOrEqual(5);
    expect(s.detectionInbound).toBe(s.blockingInbound);
    expect(s.blockingOutbound).toBe(0);
    expect(t.intervention).toEqual({ rule: 949110, phase: 2, action: 'deny' });
    // Every phase ran past the intervention: 980170 (correlation, phase 5) reports the scores.
    expect(t.matches.map((m) => m.id)).toContain(980170);
  });
});
