/**
 * The Stratum connection on whole sessions of both dialects: what each record says, pairing by id in both
 * directions, pipelining, every cap and anomaly, garbage, gaps and the end of the stream.
 */
import { describe, expect, it } from 'vitest';
import { brief, C, client, run, S, server, v1Session, WALLET, WORKER, XMRIG_AGENT, xmrigSession } from './helpers.js';

describe('stratum v1 session', () => {
  const r = run(v1Session());

  it('one record per request with its response, per notification, in the order they complete', () => {
    expect(r.anomalies).toEqual([]);
    expect(r.stopped).toBeNull();
    expect(r.records.map(brief)).toEqual([
      'request to_server mining.configure#1 -> "{\\"version-rolling\\":true,\\"version-rolling.mask\\":\\"1fffe000\\"}"',
      'request to_server mining.subscribe#2 -> "[[[\\"mining.set_difficulty\\",\\"deadbeef01\\"],[\\"mining.notify\\",\\"deadbeef02\\"]],\\"6a1f00b2\\",4]"',
      'request to_server mining.authorize#3 -> true',
      'request to_server mining.extranonce.subscribe#4 -> true',
      'notification to_client mining.set_difficulty#- -> null',
      'notification to_client mining.set_extranonce#- -> null',
      'notification to_client mining.notify#- -> null',
      'request to_server mining.submit#5 -> true',
      'request to_server mining.submit#6 -> null E21:Job not found',
      'request to_client client.get_version#100 -> "bmminer/2.0.0"',
      'notification to_client client.reconnect#- -> null',
    ]);
    for (const rec of r.records) expect(rec.variant).toBe('stratum-v1');
  });

  it('subscribe gives the agent, authorize the worker with the password redacted', () => {
    const [, sub, auth] = r.records;
    expect(sub).toMatchObject({ agent: 'bmminer/2.0.0', params: ['bmminer/2.0.0', '6a1f00b2'], paramCount: 2, worker: null });
    expect(auth).toMatchObject({ worker: WORKER, params: [WORKER, '(redacted)'], paramCount: 2, result: true, error: null });
    expect(JSON.stringify(r.records)).not.toContain('secret-pass');
  });

  it('difficulty, jobs and submits', () => {
    expect(r.records[4]).toMatchObject({ method: 'mining.set_difficulty', difficulty: 16384, params: ['16384'] });
    const notify = r.records[6]!;
    expect(notify).toMatchObject({ jobId: '4d2', paramCount: 9, truncated: false, id: null, responded: false });
    expect(notify.params[4]).toBe(JSON.stringify(['bb'.repeat(32)]));
    expect(notify.params[8]).toBe('true');
    expect(r.records[7]).toMatchObject({ worker: WORKER, jobId: '4d2', responded: true, result: true });
    expect(r.records[8]).toMatchObject({ responded: true, result: null, error: { code: 21, message: 'Job not found' } });
  });
});

describe('xmrig session', () => {
  const r = run(xmrigSession());

  it('login, job, submit, keepalived as records of the xmrig variant', () => {
    expect(r.anomalies).toEqual([]);
    expect(r.records.map(brief)).toEqual([
      expect.stringMatching(/^request to_server login#1 -> "\{\\"id\\":\\"sess1\\",\\"job\\":/),
      'request to_server submit#2 -> "{\\"status\\":\\"OK\\"}"',
      'notification to_client job#- -> null',
      'request to_server keepalived#3 -> "{\\"status\\":\\"KEEPALIVED\\"}"',
      'request to_server submit#4 -> null E-1:Low difficulty share',
    ]);
    for (const rec of r.records) expect(rec.variant).toBe('xmrig');
  });

  it('login gives the wallet and the agent; its password is redacted; its result names the first job', () => {
    expect(r.records[0]).toMatchObject({
      method: 'login',
      worker: WALLET,
      agent: XMRIG_AGENT,
      jobId: 'j1',
      paramCount: 5,
      params: [`login=${WALLET}`, 'pass=(redacted)', `agent=${XMRIG_AGENT}`, 'rigid=rig7', 'algo=["rx/0"]'],
    });
    expect(r.records[1]!.jobId).toBe('j1');
    expect(r.records[2]!.jobId).toBe('j2');
  });
});

describe('pairing', () => {
  it('pipelined requests pair by id, whatever the order of the responses', () => {
    const r = run([
      client(
        { id: 7, method: 'mining.submit', params: ['w', 'j', '1', '2', '3'] },
        { id: 8, method: 'mining.submit', params: ['w', 'j', '1', '2', '4'] },
        { id: 9, method: 'mining.submit', params: ['w', 'j', '1', '2', '5'] },
      ),
      server({ id: 9, result: true, error: null }, { id: 7, result: false, error: null }, { id: 8, result: true, error: null }),
    ]);
    expect(r.records.map((x) => `${x.id}:${x.result}`)).toEqual(['9:true', '7:false', '8:true']);
    expect(r.anomalies).toEqual([]);
  });

  it('a reused id pairs with the oldest request that has it; number and string ids differ', () => {
    const r = run([
      client(
        { id: 4, method: 'mining.submit', params: ['w', 'a'] },
        { id: 4, method: 'mining.submit', params: ['w', 'b'] },
        { id: '4', method: 'mining.submit', params: ['w', 'c'] },
      ),
      server({ id: '4', result: 's', error: null }, { id: 4, result: 1, error: null }, { id: 4, result: 2, error: null }),
    ]);
    expect(r.records.map((x) => `${x.params[1]}:${x.result}`)).toEqual(['c:s', 'a:1', 'b:2']);
  });

  it('a response pairs only with a request of the other side', () => {
    const r = run([client({ id: 1, method: 'mining.subscribe', params: [] }, { id: 1, result: true, error: null })]);
    expect(r.anomalies).toEqual(['stratum.response_without_request@0']);
    expect(r.records.map(brief)).toEqual([
      'response to_server -#1 -> true',
      'request to_server mining.subscribe#1 -> null (ended)',
    ]);
    expect(r.records[0]!.anomalies).toEqual(['stratum.response_without_request']);
  });

  it('a response nobody asked for is its own record, with the anomaly', () => {
    const r = run([server({ id: 12, result: true, error: null })]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({
      kind: 'response',
      method: null,
      id: 12,
      result: true,
      responded: true,
      direction: 'to_client',
    });
    expect(r.anomalies).toEqual(['stratum.response_without_request@1']);
  });

  it("requests the other side never answered are emitted when that side's stream ends", () => {
    const r = run(
      [
        client({ id: 1, method: 'mining.subscribe', params: ['x'] }),
        { dir: S, end: true },
        client({ id: 2, method: 'mining.authorize', params: ['w', 'p'] }),
      ],
      undefined,
      'whole',
      true,
    );
    expect(r.records.map(brief)).toEqual(['request to_server mining.subscribe#1 -> null (ended)']);
  });

  it('ids of other JSON types pair by their JSON text', () => {
    const r = run([client({ id: [1, 'a'], method: 'mining.subscribe' }), server({ id: [1, 'a'], result: true })]);
    expect(r.records[0]).toMatchObject({ id: '[1,"a"]', result: true, responded: true, paramCount: 0, params: [] });
  });
});

describe('errors in both dialects', () => {
  it.each([
    [[20, 'Other/Unknown', null], { code: 20, message: 'Other/Unknown' }],
    [
      { code: -1, message: 'Unauthenticated' },
      { code: -1, message: 'Unauthenticated' },
    ],
    ['banned', { code: null, message: 'banned' }],
    [{ reason: 'x' }, { code: null, message: '{"reason":"x"}' }],
    [24, { code: 24, message: '' }],
    [null, null],
    [false, null],
  ])('%j', (error, want) => {
    const r = run([client({ id: 1, method: 'mining.authorize', params: ['w', 'p'] }), server({ id: 1, result: null, error })]);
    expect(r.records[0]!.error).toEqual(want);
  });
});

describe('caps', () => {
  it('maxPending: the oldest request is emitted unanswered, its response later is unpaired', () => {
    const reqs = Array.from({ length: 4 }, (_, i) => ({ id: i + 1, method: 'mining.submit', params: ['w', String(i)] }));
    const r = run([client(...reqs), server({ id: 1, result: true }, { id: 4, result: true })], { maxPending: 2 });
    expect(r.anomalies).toEqual([
      'stratum.too_many_pending@0',
      'stratum.too_many_pending@0',
      'stratum.response_without_request@1',
    ]);
    expect(r.records.map(brief)).toEqual([
      'request to_server mining.submit#1 -> null (overflow)',
      'request to_server mining.submit#2 -> null (overflow)',
      'response to_client -#1 -> true',
      'request to_server mining.submit#4 -> true',
      'request to_server mining.submit#3 -> null (ended)',
    ]);
    expect(r.records[3]!.anomalies).toEqual(['stratum.too_many_pending']);
  });

  it('maxLineBytes: an overlong line is skipped to its newline, the next line parses', () => {
    const long = { id: 1, method: 'mining.notify', params: ['x'.repeat(600)] };
    const r = run([server(long, { id: null, method: 'mining.set_difficulty', params: [2] })], { maxLineBytes: 256 });
    expect(r.anomalies).toEqual(['stratum.line_too_long@1']);
    expect(r.records.map(brief)).toEqual(['notification to_client mining.set_difficulty#- -> null']);
    expect(r.records[0]!.anomalies).toEqual(['stratum.line_too_long']);
  });

  it('a line of exactly maxLineBytes is kept, one more byte is too long', () => {
    const make = (n: number) => {
      const head = '{"id":null,"method":"mining.notify","params":["';
      return `${head}${'a'.repeat(n - head.length - 3)}"]}`;
    };
    expect(make(300)).toHaveLength(300);
    expect(run([server(`${make(300)}\n`)], { maxLineBytes: 300 }).anomalies).toEqual([]);
    expect(run([server(`${make(300)}\r\n`)], { maxLineBytes: 300 }).anomalies).toEqual(['stratum.line_too_long@1']);
    expect(run([server(`${make(301)}\n`)], { maxLineBytes: 300 }).anomalies).toEqual(['stratum.line_too_long@1']);
  });

  it('maxParams and maxStringBytes: kept parameters and strings are cut, and the record says so', () => {
    const r = run(
      [
        client({ id: 1, method: 'mining.submit', params: ['w'.repeat(40), 'j', 'a', 'b', 'c'] }),
        server({ id: 1, result: 'r'.repeat(40) }),
      ],
      {
        maxParams: 2,
        maxStringBytes: 16,
      },
    );
    expect(r.records[0]).toMatchObject({
      params: ['w'.repeat(16), 'j'],
      paramCount: 5,
      worker: 'w'.repeat(16),
      result: 'r'.repeat(16),
      truncated: true,
    });
  });

  it('maxBadLines: after too many unusable lines the flow is given up', () => {
    const r = run([client('garbage\n'.repeat(5), { id: 1, method: 'mining.subscribe', params: [] })], { maxBadLines: 3 });
    expect(r.anomalies).toEqual([...Array(4).fill('stratum.not_json@0'), 'stratum.too_many_bad_lines@0']);
    expect(r.stopped).toMatch(/too many unusable lines/);
    expect(r.records).toEqual([]);
  });
});

describe('garbage, gaps and the end', () => {
  it('non-JSON lines and JSON that is not JSON-RPC raise their anomaly; parsing goes on at the next line', () => {
    const r = run([
      client(
        'GET / HTTP/1.1\r\n',
        '{"id":1,"method":\n',
        '[1,2,3]\n',
        '{"hello":"world"}\n',
        '"text"\n',
        '\n  \r\n',
        '{"id":1,"method":"mining.subscribe","params":["a"]}\n',
      ),
      server('\xff\xfe{}\n', { id: 1, result: true, error: null }),
    ]);
    expect(r.anomalies).toEqual([
      'stratum.not_json@0',
      'stratum.not_json@0',
      'stratum.not_rpc@0',
      'stratum.not_rpc@0',
      'stratum.not_json@0',
      'stratum.not_json@1',
    ]);
    expect(r.records.map(brief)).toEqual(['request to_server mining.subscribe#1 -> true']);
    expect(r.records[0]!.anomalies).toEqual(['stratum.not_json', 'stratum.not_rpc']);
  });

  it('invalid UTF-8 is not JSON', () => {
    const bad = new Uint8Array([
      ...new TextEncoder().encode('{"id":1,"method":"mining.subscribe","params":["'),
      0xc3,
      0x28,
      ...new TextEncoder().encode('"]}\n'),
    ]);
    const r = run([{ dir: C, data: bad }]);
    expect(r.anomalies).toEqual(['stratum.not_json@0']);
  });

  it('a gap drops the partial line and what follows it up to the next newline', () => {
    const r = run([
      client('{"id":1,"method":"mining.sub'),
      { dir: C, gap: 100 },
      client('ibe","params":[]}\n', { id: 2, method: 'mining.authorize', params: ['w', 'p'] }),
      server({ id: 2, result: true }),
    ]);
    expect(r.anomalies).toEqual(['stratum.gap@0']);
    expect(r.records.map(brief)).toEqual(['request to_server mining.authorize#2 -> true']);
    expect(r.records[0]!.anomalies).toEqual(['stratum.gap']);
  });

  it('a last line without its newline is still read at the end', () => {
    const r = run([client({ id: 1, method: 'mining.subscribe', params: [] }), server('{"id":1,"result":true,"error":null}')]);
    expect(r.records.map(brief)).toEqual(['request to_server mining.subscribe#1 -> true']);
  });

  it('nothing after the end of a direction is read', () => {
    const r = run([
      server({ id: null, method: 'mining.set_difficulty', params: [1] }),
      { dir: S, end: true },
      server({ id: null, method: 'mining.set_difficulty', params: [2] }),
    ]);
    expect(r.records.map((x) => x.difficulty)).toEqual([1]);
  });
});

describe('records nobody reads', () => {
  it('are not built, and the anomalies are the same', () => {
    for (const steps of [
      v1Session(),
      xmrigSession(),
      [client('junk\n', { id: 1, method: 'mining.subscribe' }), server({ id: 5, result: 1 })],
    ]) {
      const full = run(steps);
      const lean = run(steps, undefined, 'whole', false, false);
      expect(lean.records).toEqual([]);
      expect(lean.anomalies).toEqual(full.anomalies);
    }
  });
});

describe('variant', () => {
  it('a call that proves nothing takes the connection variant, else its params shape', () => {
    const r = run([
      client({ id: 1, method: 'eth_submitHashrate', params: ['0x1', '0x2'] }),
      client({ id: 2, jsonrpc: '2.0', method: 'login', params: { login: 'w', pass: 'x' } }),
      client({ id: 3, method: 'getstatus', params: [] }),
    ]);
    expect(r.records.map((x) => `${x.method}:${x.variant}`)).toEqual([
      'eth_submitHashrate:stratum-v1',
      'login:xmrig',
      'getstatus:xmrig',
    ]);
  });
});

it('C and S are the directions the engine uses', () => {
  expect([C, S]).toEqual([0, 1]);
});

describe('line buffer', () => {
  it('grows past its first size up to maxLineBytes, in any split', () => {
    const big = { id: null, method: 'mining.notify', params: ['j', 'x'.repeat(5000)] };
    for (const split of ['whole', 'bytes'] as const) {
      const r = run(
        [server(big, { id: null, method: 'mining.notify', params: ['k'] })],
        { maxLineBytes: 8192, maxStringBytes: 8192 },
        split,
      );
      expect(r.anomalies).toEqual([]);
      expect(r.records.map((x) => x.params[1]?.length ?? 0)).toEqual([5000, 0]);
    }
  });
});

describe("the pool's pushes", () => {
  it('are notifications even when the pool numbers them: nothing waits for a response', () => {
    const pushes = Array.from({ length: 100 }, (_, i) => ({
      id: i + 1,
      method: i % 2 ? 'mining.notify' : 'mining.set_difficulty',
      params: [String(i)],
    }));
    const r = run(
      [server(...pushes), client({ id: 1, method: 'mining.submit', params: ['w', '1'] }), server({ id: 1, result: true })],
      {
        maxPending: 4,
      },
    );
    expect(r.anomalies).toEqual([]);
    expect(r.records.filter((x) => x.kind === 'notification')).toHaveLength(100);
    expect(r.records[0]).toMatchObject({ kind: 'notification', id: 1, noResponse: null });
    expect(r.records.at(-1)).toMatchObject({ kind: 'request', method: 'mining.submit', result: true });
  });
});
