/**
 * The WAF inside the engine (`detect.waf`): every HTTP transaction is evaluated, each logged rule match is an
 * alert (gid 9, signature_id = the rule id, tags and ATT&CK T1190 in metadata) with the transaction beside it
 * in EVE; the same bytes in any segmentation give the same alerts; CRS on real attack captures (with
 * ../shared); the command's --waf, --waf-config and --paranoia.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createEngine } from '../../../src/engine.js';
import type { AlertEvent } from '../../../src/events.js';
import { toEve } from '../../../src/output/eve.js';
import { httpGet, Net } from '../../policy/helpers.js';
import { corpusPath, EVE_SCHEMA } from '../../support/corpus.js';
import { CRS_DIR, ftwPresent } from './ftw/load.js';

const RULES = `SecRequestBodyAccess On
SecRule ARGS "@detectSQLi" "id:1001,phase:2,pass,log,msg:'SQL injection in %{MATCHED_VAR_NAME}',tag:'attack-sqli',severity:'CRITICAL'"
SecRule REQUEST_HEADERS:User-Agent "@contains sqlmap" "id:1002,phase:1,pass,log,msg:'scanner',tag:'scanner',severity:'WARNING'"
SecRule ARGS:safe "@unconditionalMatch" "id:1003,phase:1,pass,nolog"`;

function alerts(net: Net): AlertEvent[] {
  return net.events.filter((e): e is AlertEvent => e.type === 'alert');
}

describe('the WAF in the engine', () => {
  it('each logged rule match is an alert with the transaction beside it', () => {
    const net = new Net({ detect: { waf: { rules: [{ text: RULES, name: 'rules.conf' }] } } });
    net.tcp(
      '10.0.0.1',
      '10.0.0.2',
      80,
      [httpGet('example.org', "/item?id=1' OR '1'='1&safe=1").replace('User-Agent: t', 'User-Agent: sqlmap/1.7')],
      {
        reply: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      },
    );
    net.flows();
    const got = alerts(net);
    expect(got.map((a) => [a.alert.gid, a.alert.signatureId, a.alert.signature, a.alert.severity])).toEqual([
      [9, 1002, 'scanner', 3],
      [9, 1001, 'SQL injection in ARGS:id', 1],
    ]);
    expect(got[1]!.alert.metadata).toMatchObject({ waf_rule: ['1001'], tag: ['attack-sqli'], mitre_technique_id: ['T1190'] });
    expect(got[0]!.alert.metadata?.mitre_technique_id).toBeUndefined();
    expect(got[1]).toMatchObject({ direction: 'to_server', appProto: 'http', txId: 0, endpoints: { destPort: 80 } });
    const eve = toEve(got[1]!) as Record<string, unknown>;
    expect(eve).toMatchObject({ event_type: 'alert', http: { url: "/item?id=1' OR '1'='1&safe=1" } });
    const s = net.engine.stats().detect!;
    // No @rx or @pm here: the prefilter skips nothing; four operator runs (a header, ARGS:safe, two ARGS).
    expect(s.waf).toEqual({
      rulesLoaded: 3,
      transactions: 1,
      matches: 2,
      blocked: 0,
      rulesSkipped: 0,
      valuesSkipped: 0,
      operatorRuns: 4,
      rxOnEngine: 0,
    });
    expect(s.alertsBySignature).toEqual({ '9:1001': 1, '9:1002': 1 });
    if (fs.existsSync(EVE_SCHEMA)) {
      const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8')));
      for (const a of got) expect(validate(toEve(a)), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('the same transaction in any segmentation gives the same alerts', () => {
    const body = "user=admin&pass=x' UNION SELECT password FROM users--";
    const request = `POST /login HTTP/1.1\r\nHost: example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const outcomes = new Set<string>();
    for (const size of [request.length, 1, 2, 7, 33, 100]) {
      const net = new Net({ detect: { waf: { rules: [{ text: RULES }] } } });
      const pieces: string[] = [];
      for (let i = 0; i < request.length; i += size) pieces.push(request.slice(i, i + size));
      net.tcp('10.0.0.1', '10.0.0.2', 80, pieces, { reply: 'HTTP/1.1 204 No Content\r\n\r\n' });
      net.flows();
      outcomes.add(JSON.stringify(alerts(net).map((a) => [a.alert.signatureId, a.alert.signature])));
    }
    expect([...outcomes]).toEqual([JSON.stringify([[1001, 'SQL injection in ARGS:pass']])]);
  });

  it('bad WAF options say what is wrong', () => {
    expect(() => createEngine({ detect: { waf: { crsDir: '/nonexistent' } } })).toThrow(/not a CRS directory/);
    expect(() => createEngine({ detect: { waf: { rules: [{ text: RULES }], paranoia: 5 } } })).toThrow(
      /paranoia level is 1 to 4/,
    );
    expect(() => createEngine({ detect: { waf: {} } })).toThrow(/needs rules/);
  });
});

describe.skipIf(!ftwPresent)('CRS on real attack captures (needs ../shared)', () => {
  it('flags the SQL injections of ndpi_WebattackSQLinj.pcap', async () => {
    const engine = createEngine({
      detect: {
        waf: {
          crsDir: CRS_DIR,
          configFiles: [path.join(CRS_DIR, 'ci', 'modsecurity.conf'), path.join(CRS_DIR, 'ci', 'crs-setup-pl1.conf')],
        },
      },
    });
    const ids = new Map<number, number>();
    for await (const ev of engine.replay(corpusPath('ndpi_WebattackSQLinj.pcap')))
      if (ev.type === 'alert') ids.set(ev.alert.signatureId, (ids.get(ev.alert.signatureId) ?? 0) + 1);
    // 942100 (libinjection) on 8 of its 9 transactions, and the inbound anomaly score's verdict (949110) on those.
    expect(ids.get(942100)).toBe(8);
    expect(ids.get(949110)).toBe(8);
    expect(engine.stats().detect!.waf).toMatchObject({ rulesLoaded: 644, transactions: 9 });
  });

  it('netsieve replay --waf crs=DIR writes the alerts; usage errors exit 2', async () => {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out += String(c);
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      err += String(c);
      return true;
    });
    try {
      const args = [
        'replay',
        corpusPath('ndpi_sql_injection.pcap'),
        '--waf',
        `crs=${CRS_DIR}`,
        '--waf-config',
        path.join(CRS_DIR, 'ci', 'modsecurity.conf'),
        '--waf-config',
        path.join(CRS_DIR, 'ci', 'crs-setup-pl1.conf'),
        '--paranoia',
        '2',
        '--types',
        'alert',
        '--no-progress',
      ];
      expect(await main(args)).toBe(0);
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.some((l) => l.alert.gid === 9 && l.alert.signature_id === 942100)).toBe(true);
      expect(await main(['replay', corpusPath('ndpi_sql_injection.pcap'), '--waf', 'modsec'])).toBe(2);
      expect(await main(['replay', corpusPath('ndpi_sql_injection.pcap'), '--paranoia', '2'])).toBe(2);
      expect(await main(['replay', corpusPath('ndpi_sql_injection.pcap'), '--waf', `crs=${CRS_DIR}`, '--paranoia', '9'])).toBe(2);
      expect(err).toMatch(/--waf takes crs=DIR/);
      expect(err).toMatch(/--paranoia takes 1, 2, 3 or 4/);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  });
});
