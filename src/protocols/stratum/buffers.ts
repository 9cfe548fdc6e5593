/**
 * Inspection buffers of a Stratum record, for `src/detect/` and `src/policy/`. Suricata has no Stratum
 * parser; the names follow the record's fields. The miner's requests are `to_server`, the pool's
 * notifications and requests `to_client`; the password is never in a buffer (the record redacts it).
 */
import { textBuffer, textBuffers, type InspectionBuffer } from '../module.js';
import type { StratumRecord } from './events.js';

const fromClient = (r: StratumRecord) => r.direction === 'to_server' && r.kind !== 'response';
const fromServer = (r: StratumRecord) => r.direction === 'to_client' && r.kind !== 'response';

export const STRATUM_BUFFERS: readonly InspectionBuffer<StratumRecord>[] = [
  {
    name: 'stratum.method',
    direction: 'to_server',
    scope: 'transaction',
    description: "the method of the miner's request (mining.subscribe, login, submit, ...)",
    get: (r) => (fromClient(r) ? textBuffer(r.method) : []),
  },
  {
    name: 'stratum.params',
    direction: 'to_server',
    scope: 'transaction',
    description: "each parameter of the miner's request as kept (password redacted)",
    get: (r) => (fromClient(r) ? textBuffers(r.params) : []),
  },
  {
    name: 'stratum.worker',
    direction: 'to_server',
    scope: 'transaction',
    description: 'the worker name of mining.authorize, or the login (wallet) of login',
    get: (r) => textBuffer(r.worker),
  },
  {
    name: 'stratum.agent',
    direction: 'to_server',
    scope: 'transaction',
    description: 'the miner software: mining.subscribe user agent, or login agent',
    get: (r) => textBuffer(r.agent),
  },
  {
    name: 'stratum.server_method',
    direction: 'to_client',
    scope: 'message',
    description: "the method of the pool's notification or request (mining.notify, job, client.reconnect, ...)",
    get: (r) => (fromServer(r) ? textBuffer(r.method) : []),
  },
  {
    name: 'stratum.result',
    direction: 'to_client',
    scope: 'transaction',
    description: "the result of the pool's response, as text",
    get: (r) =>
      r.responded && r.result !== null && (r.kind === 'response' ? r.direction === 'to_client' : r.direction === 'to_server')
        ? textBuffer(String(r.result))
        : [],
  },
  {
    name: 'stratum.error',
    direction: 'to_client',
    scope: 'transaction',
    description: "the error message of the pool's response",
    get: (r) =>
      r.error !== null && (r.kind === 'response' ? r.direction === 'to_client' : r.direction === 'to_server')
        ? textBuffer(r.error.message)
        : [],
  },
];
