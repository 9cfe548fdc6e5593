/**
 * Conversations used by the split-invariance and fuzz tests: pipelined RESP2, RESP3 aggregates and
 * attributes, pub/sub in both protocols, CLIENT REPLY, MONITOR, inline commands, streamed values, errors.
 */
import { client, cmd, server, type Step } from './helpers.js';

export const CONVERSATIONS: Record<string, Step[]> = {
  pipelined: [
    client(
      cmd('AUTH', 'secret'),
      cmd('SET', 'k', 'v'),
      cmd('INCR', 'n'),
      cmd('MGET', 'k', 'nokey'),
      cmd('LRANGE', 'l', '0', '-1'),
    ),
    server('+OK\r\n+OK\r\n:1\r\n*2\r\n$1\r\nv\r\n$-1\r\n*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nb\rc\r\n'),
    client(cmd('MULTI'), cmd('SET', 'a', '1'), cmd('EXEC'), cmd('GET')),
    server("+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n-ERR wrong number of arguments for 'get' command\r\n"),
  ],
  resp3: [
    client(cmd('HELLO', '3', 'AUTH', 'default', 'pw')),
    server('%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n'),
    client(
      cmd('HGETALL', 'h'),
      cmd('SMEMBERS', 's'),
      cmd('ZSCORE', 'z', 'm'),
      cmd('DEBUG', 'PROTOCOL', 'attrib'),
      cmd('X'),
      cmd('Y'),
      cmd('Z'),
    ),
    server('%1\r\n$1\r\na\r\n$1\r\nb\r\n~2\r\n:1\r\n:2\r\n,1.5e3\r\n'),
    server('|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.19\r\n$6\r\nreply!\r\n'),
    server('(12345678901234567890\r\n=15\r\ntxt:Some string\r\n!21\r\nSYNTAX invalid syntax\r\n'),
    client(cmd('A'), cmd('B'), cmd('C')),
    server('$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n*?\r\n:1\r\n%?\r\n+k\r\n#t\r\n.\r\n.\r\n_\r\n'),
    server('>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n'),
  ],
  pubsub2: [
    client(cmd('SUBSCRIBE', 'a', 'b'), cmd('PSUBSCRIBE', 'p.*')),
    server(
      '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$10\r\npsubscribe\r\n$3\r\np.*\r\n:3\r\n',
    ),
    server('*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n*4\r\n$8\r\npmessage\r\n$3\r\np.*\r\n$3\r\np.x\r\n$2\r\nhi\r\n'),
    client(cmd('PING'), cmd('UNSUBSCRIBE'), cmd('PUNSUBSCRIBE')),
    server(
      '*2\r\n$4\r\npong\r\n$0\r\n\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n*3\r\n$12\r\npunsubscribe\r\n$3\r\np.*\r\n:0\r\n',
    ),
  ],
  pubsub3: [
    client(cmd('HELLO', '3'), cmd('SUBSCRIBE', 'a'), cmd('GET', 'k')),
    server(
      '%1\r\n$5\r\nproto\r\n:3\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$3\r\nhey\r\n_\r\n',
    ),
    client(cmd('UNSUBSCRIBE')),
    server('>3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n'),
  ],
  clientReplyAndMonitor: [
    client(
      cmd('CLIENT', 'REPLY', 'OFF'),
      cmd('SET', 'a', '1'),
      cmd('CLIENT', 'REPLY', 'ON'),
      cmd('CLIENT', 'REPLY', 'SKIP'),
      cmd('SET', 'b', '2'),
      cmd('MONITOR'),
    ),
    server(
      '+OK\r\n+OK\r\n+1700000000.123456 [0 127.0.0.1:50000] "AUTH" "(redacted)"\r\n+1700000000.223456 [0 lua] "GET" "k"\r\n',
    ),
    client(cmd('RESET')),
    server('+RESET\r\n'),
  ],
  inline: [
    client(
      'PING\r\n\r\nSET greeting "hello world\\n"\r\n',
      "GET 'single quoted'\n",
      'ECHO "\\x41\\x42\\x00"\r\n',
      'SET broken "unbalanced\r\n',
    ),
    server('+PONG\r\n+OK\r\n$-1\r\n$3\r\nAB\x00\r\n-ERR Protocol error: unbalanced quotes in request\r\n'),
  ],
  replication: [
    client(cmd('REPLCONF', 'listening-port', '6380'), cmd('REPLCONF', 'capa', 'eof', 'capa', 'psync2'), cmd('PSYNC', '?', '-1')),
    server('+OK\r\n+OK\r\n+FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0\r\n\n\n'),
    // Diskless: `$EOF:<mark>`, binary bytes (CRLFs, a partial mark), the mark.
    server(
      '$EOF:0123456789abcdef0123456789abcdef01234567\r\nREDIS0010\xfa\r\n*1\r\n0123456789ab$\xff',
      '0123456789abcdef0123456789abcdef01234567',
    ),
    client(cmd('REPLCONF', 'ACK', '0')),
    server(cmd('SELECT', '0'), cmd('SET', 'k', 'v'), cmd('PING')),
    client(cmd('REPLCONF', 'ACK', '81')),
  ],
  sync: [
    client(cmd('SYNC')),
    server('\n$13\r\nREDIS0010\r\n\xff', cmd('SET', 'a', '1')), // ÿ is two bytes in UTF-8
  ],
  malformed: [
    client(cmd('GET', 'a'), '*2\r\n$3\r\nGET\r\n:1\r\n', cmd('PING')),
    server('?what\r\n:12a\r\n$3\r\nabcdef\r\n+PONG\r\n|1\r\n+a\r\n'),
  ],
};
