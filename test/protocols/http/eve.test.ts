/** The EVE `http` object: Suricata's field names and conventions, validated against Suricata's schema. */
import fs from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { httpToEve, splitHost } from '../../../src/protocols/http/eve.js';
import { EVE_SCHEMA } from '../../support/corpus.js';
import { CONVERSATIONS } from './conversations.js';
import { exchange, run } from './helpers.js';

const schemaPresent = fs.existsSync(EVE_SCHEMA);

function line(http: Record<string, unknown>): Record<string, unknown> {
  return {
    timestamp: '2026-11-26T13:00:00.000000+0000',
    flow_id: 1,
    event_type: 'http',
    src_ip: '10.0.0.1',
    src_port: 40000,
    dest_ip: '10.0.0.2',
    dest_port: 80,
    proto: 'TCP',
    app_proto: 'http',
    tx_id: 0,
    http,
  };
}

describe('httpToEve', () => {
  it("maps a transaction with Suricata's names", () => {
    const o = run(
      exchange(
        'GET /x?y=1 HTTP/1.1\r\nHost: WWW.Example.com:8080\r\nUser-Agent: curl/8.5\r\nReferer: http://a/\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n',
        'HTTP/1.1 206 Partial Content\r\nContent-Type: text/html; charset=utf-8\r\nContent-Range: bytes 0-3/10\r\nLocation: /z\r\nContent-Length: 4\r\n\r\nabcd',
      ),
    );
    expect(httpToEve(o.records[0]!)).toEqual({
      hostname: 'www.example.com',
      http_port: 8080,
      url: '/x?y=1',
      http_user_agent: 'curl/8.5',
      xff: '1.2.3.4',
      http_content_type: 'text/html',
      http_refer: 'http://a/',
      http_method: 'GET',
      protocol: 'HTTP/1.1',
      status: 206,
      redirect: '/z',
      content_range: { raw: 'bytes 0-3/10', start: 0, end: 3, size: 10 },
      length: 4,
      request_headers: [
        { name: 'Host', value: 'WWW.Example.com:8080' },
        { name: 'User-Agent', value: 'curl/8.5' },
        { name: 'Referer', value: 'http://a/' },
        { name: 'X-Forwarded-For', value: '1.2.3.4' },
      ],
      response_headers: [
        { name: 'Content-Type', value: 'text/html; charset=utf-8' },
        { name: 'Content-Range', value: 'bytes 0-3/10' },
        { name: 'Location', value: '/z' },
        { name: 'Content-Length', value: '4' },
      ],
    });
  });
  it('splits hosts and ports', () => {
    expect(splitHost('Example.COM')).toEqual(['example.com', null]);
    expect(splitHost('[2001:db8::1]:8443')).toEqual(['2001:db8::1', 8443]);
    expect(splitHost('2001:db8::1')).toEqual(['2001:db8::1', null]);
    expect(splitHost('h:99999')).toEqual(['h', null]);
  });
  it('leaves out what a transaction does not have', () => {
    const o = run([{ dir: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }]);
    expect(httpToEve(o.records[0]!)).toEqual({
      protocol: 'HTTP/1.1',
      status: 200,
      length: 0,
      response_headers: [{ name: 'Content-Length', value: '0' }],
    });
  });
});

describe.skipIf(!schemaPresent)("EVE http lines validate against Suricata's schema", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = schemaPresent ? ajv.compile(JSON.parse(fs.readFileSync(EVE_SCHEMA, 'utf8'))) : () => true;
  it.each(Object.entries(CONVERSATIONS))('%s', (_name, steps) => {
    for (const r of run(steps).records) {
      const parsed = JSON.parse(JSON.stringify(line(httpToEve(r))));
      if (!validate(parsed))
        throw new Error(`${JSON.stringify(parsed)}\n${ajv.errorsText((validate as { errors?: unknown }).errors as never)}`);
    }
  });
});
