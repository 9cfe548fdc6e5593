/**
 * EVE: `stratumToEve` objects in full lines validate against netsieve's schema
 * (schema/eve-stratum.schema.json), whose common fields are Suricata's, unchanged; the schema refuses what
 * is not a stratum line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { eveTimestamp } from '../../../src/output/eve.js';
import { type StratumRecord, stratumToEve } from '../../../src/protocols/stratum/index.js';
import { mulberry32 } from '../../helpers/packets.js';
import { EVE_SCHEMA, REPO_ROOT } from '../../support/corpus.js';
import { client, run, server, type Step, v1Session, xmrigSession } from './helpers.js';

const OWN_SCHEMA = path.join(REPO_ROOT, 'schema', 'eve-stratum.schema.json');
const suricataPresent = fs.existsSync(EVE_SCHEMA);

function line(rec: StratumRecord, i: number): Record<string, unknown> {
  return {
    timestamp: eveTimestamp({ sec: 1_767_225_600 + i, nsec: 250_000_000 }),
    flow_id: 1234567890123 + i,
    pcap_cnt: i + 1,
    event_type: 'stratum',
    src_ip: '10.20.0.5',
    src_port: 51234,
    dest_ip: '198.51.100.20',
    dest_port: 3333,
    proto: 'TCP',
    app_proto: 'stratum',
    stratum: stratumToEve(rec),
  };
}

describe('EVE', () => {
  const schema = JSON.parse(fs.readFileSync(OWN_SCHEMA, 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  const check = (rec: StratumRecord, i: number) => {
    const parsed = JSON.parse(JSON.stringify(line(rec, i)));
    if (!validate(parsed)) throw new Error(`${JSON.stringify(parsed).slice(0, 2000)}\n${ajv.errorsText(validate.errors)}`);
  };

  it('stratumToEve: names, absent fields, both dialects', () => {
    const v1 = run(v1Session()).records;
    expect(stratumToEve(v1[2]!)).toEqual({
      type: 'request',
      variant: 'stratum-v1',
      method: 'mining.authorize',
      id: 3,
      direction: 'to_server',
      params: ['bc1qexampleexampleexampleexample0000.rig7', '(redacted)'],
      param_count: 2,
      worker: 'bc1qexampleexampleexampleexample0000.rig7',
      result: true,
    });
    expect(stratumToEve(v1[4]!)).toEqual({
      type: 'notification',
      variant: 'stratum-v1',
      method: 'mining.set_difficulty',
      direction: 'to_client',
      params: ['16384'],
      param_count: 1,
      difficulty: 16384,
    });
    expect(stratumToEve(v1[8]!)).toMatchObject({ error: { code: 21, message: 'Job not found' }, job_id: '4d2' });
    expect(stratumToEve(v1[8]!)).not.toHaveProperty('result');
    const xm = run(xmrigSession()).records;
    expect(stratumToEve(xm[0]!)).toMatchObject({
      variant: 'xmrig',
      method: 'login',
      worker: expect.stringMatching(/^48/),
      agent: expect.stringMatching(/^XMRig\//),
      job_id: 'j1',
    });
    const ended = run([client({ id: 'a', method: 'mining.subscribe', params: ['x'.repeat(300)] })]).records[0]!;
    expect(stratumToEve(ended)).toMatchObject({ id: 'a', no_response: 'ended', truncated: true, agent: 'x'.repeat(256) });
  });

  it('every record of the sessions, capped or not, validates against eve-stratum.schema.json', () => {
    let i = 0;
    for (const steps of [v1Session(), xmrigSession()])
      for (const o of [undefined, { maxParams: 1, maxStringBytes: 16, maxPending: 1 }])
        for (const rec of run(steps, o).records) check(rec, i++);
    for (const rec of run([server({ id: 3, result: { a: 1 }, error: { code: 'x', message: 7 } })]).records) check(rec, i++);
    expect(i).toBeGreaterThan(30);
  });

  it('mutated sessions validate too', () => {
    const bases: Step[][] = [v1Session(), xmrigSession()];
    let n = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rand = mulberry32(seed);
      const steps = bases[seed % 2]!.map((s): Step => {
        if (!('data' in s) || rand() < 0.5) return s;
        const d = Uint8Array.from(s.data);
        d[Math.floor(rand() * d.length)] = '{}[]",:0n\\'.charCodeAt(Math.floor(rand() * 10));
        return { dir: s.dir, data: d };
      });
      for (const rec of run(steps, seed % 2 ? { maxStringBytes: 16, maxParams: 2 } : undefined, mulberry32(seed)).records)
        check(rec, n++);
    }
    expect(n).toBeGreaterThan(1000);
  });

  it('the schema refuses what is not a stratum line', () => {
    const good = line(
      run([client({ id: 1, method: 'mining.subscribe', params: ['a'] }), server({ id: 1, result: true })]).records[0]!,
      0,
    );
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, event_type: 'redis' })).toBe(false);
    expect(validate({ ...good, stratum: { ...(good.stratum as object), extra: 1 } })).toBe(false);
    expect(validate({ ...good, stratum: { ...(good.stratum as object), variant: 'ethproxy' } })).toBe(false);
    expect(validate({ ...good, src_port: '51234' })).toBe(false);
  });

  describe.skipIf(!suricataPresent)('Suricata conventions (needs the shared EVE schema)', () => {
    it("the schema's common fields are Suricata's, unchanged, and the lines' common fields validate against it", () => {
      const suricata = JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8'));
      for (const [k, v] of Object.entries(schema.properties as Record<string, unknown>)) {
        if (k === 'stratum') continue;
        expect([k, v]).toEqual([k, suricata.properties[k]]);
      }
      const { stratum: _s, ...common } = line(run(v1Session()).records[0]!, 0);
      expect(new Ajv({ strict: false, allErrors: true }).compile(suricata)(common)).toBe(true);
    });
  });
});
