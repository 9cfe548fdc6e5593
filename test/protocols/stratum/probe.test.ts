/**
 * The probe: Stratum of both dialects from either direction's first bytes whatever the port, every prefix
 * of a mining line consistent (never NOT_MINE before the line decides), and NOT_MINE for other JSON,
 * HTTP, TLS, Redis and binary, as early as the bytes allow.
 */
import { describe, expect, it } from 'vitest';
import { Direction } from '../../../src/flow/stream.js';
import { Probe, type ProbeContext } from '../../../src/protocols/module.js';
import { probeStratum } from '../../../src/protocols/stratum/index.js';
import { mulberry32 } from '../../helpers/packets.js';
import { WALLET, XMRIG_AGENT } from './helpers.js';

const enc = new TextEncoder();
const ctx = (direction: Direction, serverPort = 3333): ProbeContext => ({
  transport: 'tcp',
  direction,
  serverPort,
  clientPort: 50123,
});
const probe = (text: string | Uint8Array, direction: Direction = Direction.TO_SERVER, port = 3333) => {
  const b = typeof text === 'string' ? enc.encode(text) : text;
  // Bytes around the view must not be read.
  const buf = new Uint8Array(b.length + 6).fill(0x7b);
  buf.set(b, 3);
  return probeStratum(buf, 3, 3 + b.length, ctx(direction, port));
};
const line = (o: object) => `${JSON.stringify(o)}\n`;

const CLIENT_FIRST = [
  line({ id: 1, method: 'mining.subscribe', params: ['cgminer/4.12.1', null] }),
  line({ id: 1, method: 'mining.configure', params: [['version-rolling'], { 'version-rolling.mask': '1fffe000' }] }),
  line({ id: 2, method: 'mining.authorize', params: ['wallet.rig', 'x'] }),
  line({ method: 'mining.extranonce.subscribe', id: 3, params: [] }),
  line({ id: 1, jsonrpc: '2.0', method: 'login', params: { login: WALLET, pass: 'x', agent: XMRIG_AGENT } }),
  line({ id: 1, jsonrpc: '2.0', method: 'login', params: { login: WALLET, pass: 'x' } }),
  line({ id: 9, jsonrpc: '2.0', method: 'submit', params: { id: 's', job_id: 'j', nonce: '01020304', result: 'ab' } }),
  line({ id: 9, jsonrpc: '2.0', method: 'keepalived', params: { id: 's' } }),
  ' \r\n{"id": 1, "method": "mining.subscribe", "params": []}\r\n',
];
const SERVER_FIRST = [
  line({ id: null, method: 'mining.notify', params: ['1', 'aa', 'bb', 'cc', [], '20000000', '1703a8a6', '695c6f00', true] }),
  line({ id: null, method: 'mining.set_difficulty', params: [1024] }),
  line({ id: 5, method: 'client.get_version', params: [] }),
  line({ id: null, method: 'client.reconnect', params: ['pool', 3333, 0] }),
  line({ jsonrpc: '2.0', method: 'job', params: { blob: '0e0e', job_id: 'j2', target: 'b88d0600' } }),
  line({
    id: 1,
    result: [
      [
        ['mining.set_difficulty', '1'],
        ['mining.notify', '2'],
      ],
      '08000002',
      4,
    ],
    error: null,
  }),
  line({ id: 1, result: [['mining.notify', 'ae6812eb4cd7735a302a8a9dd95cf71f'], '08000002', 4], error: null }),
  line({
    id: 1,
    jsonrpc: '2.0',
    error: null,
    result: { id: 's', job: { blob: '0e0e', job_id: 'j1', target: 'b88d0600' }, status: 'OK' },
  }),
];

describe('mine', () => {
  it.each(CLIENT_FIRST)('from the miner: %s', (t) => {
    for (const port of [3333, 443, 80, 8080, 14444, 6379, 53, 61000])
      expect(probe(t, Direction.TO_SERVER, port)).toBe(Probe.MINE);
  });
  it.each(SERVER_FIRST)('from the pool: %s', (t) => {
    for (const port of [3333, 443, 25, 45700]) expect(probe(t, Direction.TO_CLIENT, port)).toBe(Probe.MINE);
  });
  it('every prefix of a mining line is NEED_MORE or MINE, never NOT_MINE', () => {
    for (const t of CLIENT_FIRST)
      for (let n = 0; n < t.length; n++) expect(probe(t.slice(0, n)), `${n}: ${t.slice(0, n)}`).not.toBe(Probe.NOT_MINE);
    for (const t of SERVER_FIRST)
      for (let n = 0; n < t.length; n++) expect(probe(t.slice(0, n), Direction.TO_CLIENT)).not.toBe(Probe.NOT_MINE);
  });
  it('a v1 method decides before its line is complete', () => {
    expect(probe('{"id":1,"method":"mining.subscribe","params":[')).toBe(Probe.MINE);
    expect(probe('{"id":1,"method":"login","params":{')).toBe(Probe.NEED_MORE);
  });
});

describe('not mine', () => {
  it.each([
    ['HTTP', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'],
    [
      'an HTTP POST of mining JSON',
      'POST / HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{"id":1,"method":"mining.subscribe"}\n',
    ],
    ['an HTTP response', 'HTTP/1.1 200 OK\r\n\r\n'],
    ['Redis', '*1\r\n$4\r\nPING\r\n'],
    ['SSH', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['TLS', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
    ['JSON-RPC of another application', line({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] })],
    ['bitcoind JSON-RPC', line({ jsonrpc: '1.0', id: 'curltest', method: 'getblocktemplate', params: [{ rules: ['segwit'] }] })],
    ['a method prefix of another family', '{"jsonrpc":"2.0","id":1,"method":"textDocument/didOpen","params":{'],
    ['login without the params of a miner', line({ id: 1, method: 'login', params: { user: 'bob', password: 'x' } })],
    ['login with array params', line({ id: 1, method: 'login', params: ['bob', 'x'] })],
    ['submit of another application', line({ id: 1, method: 'submit', params: { form: 'a' } })],
    ['a JSON log line', line({ level: 'info', msg: 'mining.subscribe received', ts: 1 })],
    ['a JSON object with a numeric method', '{"method":42,"id":1}\n'],
    ['a JSON response from a client', line({ id: 1, result: true, error: null })],
    ['a JSON array', '[{"id":1,"method":"mining.subscribe"}]\n'],
    ['broken JSON', '{"id":1,"method":"mining.subscribe",,}\n'],
    ['a prefix with bytes JSON never has', '{id:1, method: mining.subscribe'],
    ['binary after a brace', '{\x00\x01\x02'],
    ['a blank run before anything', `${' '.repeat(40)}{"id":1}`],
  ])('%s', (_what, t) => {
    expect(probe(t)).toBe(Probe.NOT_MINE);
    expect(probe(t, Direction.TO_CLIENT)).toBe(Probe.NOT_MINE);
  });
  it.each([
    ['a generic JSON-RPC response', line({ jsonrpc: '2.0', id: 1, result: { ok: true } })],
    ['a response that names no mining method', line({ id: 1, result: [['x', 'y'], '08', 4], error: null })],
    ['a job without a blob', line({ jsonrpc: '2.0', method: 'job', params: { job_id: 'j' } })],
  ])('from the server: %s', (_what, t) => {
    expect(probe(t, Direction.TO_CLIENT)).toBe(Probe.NOT_MINE);
  });
  it('a first line longer than the probe reads does not decide', () => {
    expect(probe(`{"id":1,"params":["${'a'.repeat(5000)}`)).toBe(Probe.NOT_MINE);
  });
  it('the first byte that is not a brace decides', () => {
    for (let b = 0; b < 256; b++) {
      if (b === 0x7b || b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) continue;
      expect(probe(new Uint8Array([b]))).toBe(Probe.NOT_MINE);
    }
    expect(probe('')).toBe(Probe.NEED_MORE);
    expect(probe('{')).toBe(Probe.NEED_MORE);
  });
});

describe('hostile bytes', () => {
  it('never throws, on random bytes and on mutated mining lines', () => {
    const rand = mulberry32(2026);
    for (let k = 0; k < 3000; k++) {
      const base = enc.encode([...CLIENT_FIRST, ...SERVER_FIRST][k % 17]!);
      const d =
        k % 3 === 0
          ? Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))
          : Uint8Array.from(base);
      if (k % 3 !== 0) for (let m = 0; m < 3; m++) d[Math.floor(rand() * d.length)] = Math.floor(rand() * 256);
      const n = Math.floor(rand() * (d.length + 1));
      expect([Probe.MINE, Probe.NOT_MINE, Probe.NEED_MORE]).toContain(
        probe(d.subarray(0, n), k % 2 === 0 ? Direction.TO_SERVER : Direction.TO_CLIENT),
      );
    }
  });
});
