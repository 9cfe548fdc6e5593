/**
 * The skeleton in src/protocols/_template/ works as its comments say (it is what new protocols are
 * copied from): the probe, records over TCP in any split and over UDP, and each cap's anomaly.
 */
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/flow/stream.js';
import { Probe, type AppEventSink, type ProbeContext } from '../../src/protocols/module.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import {
  probeTemplate,
  TEMPLATE_ANOMALIES,
  TEMPLATE_DEFAULTS,
  TemplateConnection,
  templateModule,
  templateToEve,
  type TemplateRecord,
} from '../../src/protocols/_template/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const ctx: ProbeContext = { transport: 'tcp', direction: 0, serverPort: 7099, clientPort: 40000 };

function connection(options = TEMPLATE_DEFAULTS) {
  const records: TemplateRecord[] = [];
  const anomalies: string[] = [];
  const sink: AppEventSink<TemplateRecord> = {
    recordsWanted: true,
    emit: (r) => void records.push(r),
    anomaly: (code, direction) => void anomalies.push(`${TEMPLATE_ANOMALIES[code]}@${direction ?? '-'}`),
    serverName: () => undefined,
    stop: () => undefined,
  };
  return { conn: new TemplateConnection(sink, { ...options }), records, anomalies };
}

/** Feeds `text` to one direction cut at every `step` bytes. */
function feed(conn: TemplateConnection, dir: Direction, text: string, step: number): void {
  const b = enc(text);
  for (let i = 0; i < b.length; i += step) conn.onData(dir, b, i, Math.min(b.length, i + step));
}

describe('the protocol template', () => {
  it('is not registered', () => {
    expect((PROTOCOLS as readonly { name: string }[]).some((m) => m.name === templateModule.name)).toBe(false);
  });
  it('probe: MINE on its magic, NEED_MORE on a prefix of it, NOT_MINE otherwise', () => {
    expect(probeTemplate(enc('TMPL GET x\n'), 0, 11, ctx)).toBe(Probe.MINE);
    expect(probeTemplate(enc('TMP'), 0, 3, ctx)).toBe(Probe.NEED_MORE);
    expect(probeTemplate(enc('GET / HTTP/1.1'), 0, 14, ctx)).toBe(Probe.NOT_MINE);
  });
  it.each([1, 2, 3, 7, 100])('TCP in pieces of %i bytes: one record per answered line, the unanswered at the end', (step) => {
    const { conn, records, anomalies } = connection();
    feed(conn, 0, 'TMPL GET /a\r\nTMPL PUT /b c\n', step);
    feed(conn, 1, 'TMPL OK\n', step);
    conn.onEnd(0);
    expect(records).toEqual([
      { verb: 'GET', argument: '/a', status: 'OK', anomalies: [] },
      { verb: 'PUT', argument: '/b c', status: null, anomalies: [] },
    ]);
    expect(anomalies).toEqual([]);
    expect(templateToEve(records[0]!)).toEqual({ verb: 'GET', argument: '/a', status: 'OK' });
  });
  it('UDP: a datagram is a line, with or without its newline', () => {
    const { conn, records } = connection();
    conn.onDatagram(0, enc('TMPL PING'), 0, 9);
    conn.onDatagram(1, enc('TMPL PONG\n'), 0, 10);
    expect(records).toEqual([{ verb: 'PING', argument: '', status: 'PONG', anomalies: [] }]);
  });
  it('caps: a long line is cut, the queue is bounded, a reply without request and a gap are anomalies', () => {
    const { conn, records, anomalies } = connection({ maxLineBytes: 16, maxPending: 1 });
    feed(conn, 1, 'TMPL LOST\n', 3);
    feed(conn, 0, `TMPL GET ${'x'.repeat(100)}\nTMPL PUT y\n`, 5);
    conn.onGap(0, 10);
    conn.onEnd(0);
    expect(records.map((r) => [r.verb, r.argument, r.anomalies])).toEqual([
      ['GET', 'xxxxxxx', ['template.line_too_long']],
      ['PUT', 'y', ['template.too_many_pending']],
    ]);
    expect(anomalies).toEqual([
      'template.reply_without_request@1',
      'template.line_too_long@0',
      'template.too_many_pending@0',
      'template.gap@0',
    ]);
  });
});
