/**
 * Test helpers: feed conversations to a Stratum connection and collect what it emits; the sessions the
 * tests share (both dialects, made up in the shapes pools and miners send).
 */
import { collector as collectOf, type Result as ConversationResult, runSteps, type Split, type Step } from '../conversation.js';
import type { Direction } from '../../../src/flow/stream.js';
import type { AppEventSink } from '../../../src/protocols/module.js';
import {
  resolveStratumOptions,
  STRATUM_ANOMALIES,
  StratumConnection,
  type StratumOptions,
  type StratumRecord,
} from '../../../src/protocols/stratum/index.js';

export const C = 0 as Direction; // miner → pool
export const S = 1 as Direction; // pool → miner

export type { Step } from '../conversation.js';
export type Result = ConversationResult<StratumRecord>;

const enc = new TextEncoder();
/** A step of miner bytes: each object a JSON line; strings are sent as they are. */
export const client = (...parts: (object | string)[]): Step => ({ dir: C, data: enc.encode(parts.map(text).join('')) });
export const server = (...parts: (object | string)[]): Step => ({ dir: S, data: enc.encode(parts.map(text).join('')) });
const text = (p: object | string) => (typeof p === 'string' ? p : `${JSON.stringify(p)}\n`);

/** A sink that collects; `recordsWanted` false makes the connection parse lean (no records). */
export function collector(recordsWanted = true): { sink: AppEventSink<StratumRecord>; result: Result } {
  return collectOf<StratumRecord>(STRATUM_ANOMALIES, 'stratum', recordsWanted);
}

/**
 * Runs a conversation. `split` cuts each data step: 'whole', 'bytes' (one byte at a time), or a seeded
 * generator for random cut points. Ends both directions at the end unless `keepOpen`.
 */
export function run(
  steps: Step[],
  options?: Partial<StratumOptions>,
  split: Split = 'whole',
  keepOpen = false,
  recordsWanted = true,
): Result {
  const { sink, result } = collector(recordsWanted);
  const p = new StratumConnection(sink, resolveStratumOptions(options));
  runSteps(p, steps, feed, split, keepOpen);
  return result;
}

/** Feeds one direction's bytes in pieces (copied into a reused buffer, as the engine reuses its own). */
export function feed(p: StratumConnection, dir: Direction, data: Uint8Array, split: Split): void {
  if (split === 'whole') {
    p.onData(dir, Uint8Array.from(data), 0, data.length);
    return;
  }
  let i = 0;
  while (i < data.length) {
    const n = split === 'bytes' ? 1 : 1 + Math.floor(split() * 64);
    const chunk = new Uint8Array(n + 8).fill(0x0a); // bytes outside [start, end) must never be read
    chunk.set(data.subarray(i, i + n), 4);
    p.onData(dir, chunk, 4, 4 + Math.min(n, data.length - i));
    i += n;
  }
}

export const WORKER = 'bc1qexampleexampleexampleexample0000.rig7';
export const WALLET = '48exampleMoneroWalletAddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
export const XMRIG_AGENT = 'XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0';

/** A v1 session: configure, subscribe, authorize, extranonce.subscribe, difficulty, notify, submits, a pool request. */
export function v1Session(): Step[] {
  return [
    client({
      id: 1,
      method: 'mining.configure',
      params: [['version-rolling'], { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 2 }],
    }),
    server({ id: 1, result: { 'version-rolling': true, 'version-rolling.mask': '1fffe000' }, error: null }),
    client({ id: 2, method: 'mining.subscribe', params: ['bmminer/2.0.0', '6a1f00b2'] }),
    server({
      id: 2,
      result: [
        [
          ['mining.set_difficulty', 'deadbeef01'],
          ['mining.notify', 'deadbeef02'],
        ],
        '6a1f00b2',
        4,
      ],
      error: null,
    }),
    client({ id: 3, method: 'mining.authorize', params: [WORKER, 'secret-pass'] }),
    server({ id: 3, result: true, error: null }),
    client({ id: 4, method: 'mining.extranonce.subscribe', params: [] }),
    server(
      { id: 4, result: true, error: null },
      { id: null, method: 'mining.set_difficulty', params: [16384] },
      { id: null, method: 'mining.set_extranonce', params: ['6a1f00b3', 4] },
      {
        id: null,
        method: 'mining.notify',
        params: ['4d2', 'aa'.repeat(32), '0100', 'ffff', ['bb'.repeat(32)], '20000000', '1703a8a6', '695c6f00', true],
      },
    ),
    client({ id: 5, method: 'mining.submit', params: [WORKER, '4d2', '00000001', '695c6f00', '1a2b3c4d'] }),
    server({ id: 5, result: true, error: null }),
    client({ id: 6, method: 'mining.submit', params: [WORKER, '4d2', '00000002', '695c6f10', '5e6f7a8b'] }),
    server({ id: 6, result: null, error: [21, 'Job not found', null] }),
    server({ id: 100, method: 'client.get_version', params: [] }),
    client({ id: 100, result: 'bmminer/2.0.0', error: null }),
    server({ id: null, method: 'client.reconnect', params: ['pool2.example.net', 3334, 5] }),
  ];
}

/** An XMRig session: login, job in the login result, submits, a job notification, keepalived, a rejected share. */
export function xmrigSession(): Step[] {
  const job = (id: string) => ({
    blob: `0e0e${'c3'.repeat(37)}`,
    job_id: id,
    target: 'b88d0600',
    algo: 'rx/0',
    height: 3100042,
    seed_hash: 'ab'.repeat(32),
  });
  return [
    client({
      id: 1,
      jsonrpc: '2.0',
      method: 'login',
      params: { login: WALLET, pass: 'x', agent: XMRIG_AGENT, rigid: 'rig7', algo: ['rx/0'] },
    }),
    server({
      id: 1,
      jsonrpc: '2.0',
      error: null,
      result: { id: 'sess1', job: job('j1'), extensions: ['algo', 'keepalive'], status: 'OK' },
    }),
    client({
      id: 2,
      jsonrpc: '2.0',
      method: 'submit',
      params: { id: 'sess1', job_id: 'j1', nonce: 'a1b2c3d4', result: 'cd'.repeat(32) },
    }),
    server({ id: 2, jsonrpc: '2.0', error: null, result: { status: 'OK' } }),
    server({ jsonrpc: '2.0', method: 'job', params: job('j2') }),
    client({ id: 3, jsonrpc: '2.0', method: 'keepalived', params: { id: 'sess1' } }),
    server({ id: 3, jsonrpc: '2.0', error: null, result: { status: 'KEEPALIVED' } }),
    client({
      id: 4,
      jsonrpc: '2.0',
      method: 'submit',
      params: { id: 'sess1', job_id: 'j2', nonce: '00ff00ff', result: 'ef'.repeat(32) },
    }),
    server({ id: 4, jsonrpc: '2.0', error: { code: -1, message: 'Low difficulty share' } }),
  ];
}

/** What tests compare: the record minus nothing (records are plain data). */
export const brief = (r: StratumRecord) =>
  `${r.kind} ${r.direction} ${r.method ?? '-'}#${r.id ?? '-'} -> ${JSON.stringify(r.result)}${r.error ? ` E${r.error.code}:${r.error.message}` : ''}${r.noResponse ? ` (${r.noResponse})` : ''}`;
