/**
 * What netsieve knows about Redis commands: which take a key and where it is, which are containers of
 * subcommands, which arguments are secrets, and which names the probe may trust.
 *
 * Written from the command reference (redis.io/docs/latest/commands, Redis 7.x, and the key
 * specifications `COMMAND INFO` reports). Module commands (`JSON.SET`, `FT.SEARCH`, ...) are not listed:
 * their records carry the name and arguments, with a null key.
 */
import type { RedisValue } from './events.js';
import { upperName } from './text.js';

/** Commands whose first argument is a key. */
const KEY_FIRST = new Set([
  // strings
  'APPEND',
  'DECR',
  'DECRBY',
  'GET',
  'GETDEL',
  'GETEX',
  'GETRANGE',
  'GETSET',
  'INCR',
  'INCRBY',
  'INCRBYFLOAT',
  'LCS',
  'MGET',
  'MSET',
  'MSETNX',
  'PSETEX',
  'SET',
  'SETEX',
  'SETNX',
  'SETRANGE',
  'STRLEN',
  'SUBSTR',
  // keys
  'COPY',
  'DEL',
  'DUMP',
  'EXISTS',
  'EXPIRE',
  'EXPIREAT',
  'EXPIRETIME',
  'MOVE',
  'PERSIST',
  'PEXPIRE',
  'PEXPIREAT',
  'PEXPIRETIME',
  'PTTL',
  'RENAME',
  'RENAMENX',
  'RESTORE',
  'RESTORE-ASKING',
  'SORT',
  'SORT_RO',
  'TOUCH',
  'TTL',
  'TYPE',
  'UNLINK',
  'WATCH',
  // bitmaps
  'BITCOUNT',
  'BITFIELD',
  'BITFIELD_RO',
  'BITPOS',
  'GETBIT',
  'SETBIT',
  // hashes
  'HDEL',
  'HEXISTS',
  'HEXPIRE',
  'HEXPIREAT',
  'HEXPIRETIME',
  'HGET',
  'HGETALL',
  'HGETDEL',
  'HGETEX',
  'HINCRBY',
  'HINCRBYFLOAT',
  'HKEYS',
  'HLEN',
  'HMGET',
  'HMSET',
  'HPERSIST',
  'HPEXPIRE',
  'HPEXPIREAT',
  'HPEXPIRETIME',
  'HPTTL',
  'HRANDFIELD',
  'HSCAN',
  'HSET',
  'HSETEX',
  'HSETNX',
  'HSTRLEN',
  'HTTL',
  'HVALS',
  // lists
  'BLMOVE',
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'LINDEX',
  'LINSERT',
  'LLEN',
  'LMOVE',
  'LPOP',
  'LPOS',
  'LPUSH',
  'LPUSHX',
  'LRANGE',
  'LREM',
  'LSET',
  'LTRIM',
  'RPOP',
  'RPOPLPUSH',
  'RPUSH',
  'RPUSHX',
  // sets
  'SADD',
  'SCARD',
  'SDIFF',
  'SDIFFSTORE',
  'SINTER',
  'SINTERSTORE',
  'SISMEMBER',
  'SMEMBERS',
  'SMISMEMBER',
  'SMOVE',
  'SPOP',
  'SRANDMEMBER',
  'SREM',
  'SSCAN',
  'SUNION',
  'SUNIONSTORE',
  // sorted sets
  'BZPOPMAX',
  'BZPOPMIN',
  'ZADD',
  'ZCARD',
  'ZCOUNT',
  'ZDIFFSTORE',
  'ZINCRBY',
  'ZINTERSTORE',
  'ZLEXCOUNT',
  'ZMSCORE',
  'ZPOPMAX',
  'ZPOPMIN',
  'ZRANDMEMBER',
  'ZRANGE',
  'ZRANGEBYLEX',
  'ZRANGEBYSCORE',
  'ZRANGESTORE',
  'ZRANK',
  'ZREM',
  'ZREMRANGEBYLEX',
  'ZREMRANGEBYRANK',
  'ZREMRANGEBYSCORE',
  'ZREVRANGE',
  'ZREVRANGEBYLEX',
  'ZREVRANGEBYSCORE',
  'ZREVRANK',
  'ZSCAN',
  'ZSCORE',
  'ZUNIONSTORE',
  // hyperloglog, geo, streams
  'PFADD',
  'PFCOUNT',
  'PFDEBUG',
  'PFMERGE',
  'GEOADD',
  'GEODIST',
  'GEOHASH',
  'GEOPOS',
  'GEORADIUS',
  'GEORADIUSBYMEMBER',
  'GEORADIUSBYMEMBER_RO',
  'GEORADIUS_RO',
  'GEOSEARCH',
  'GEOSEARCHSTORE',
  'XACK',
  'XADD',
  'XAUTOCLAIM',
  'XCLAIM',
  'XDEL',
  'XLEN',
  'XPENDING',
  'XRANGE',
  'XREVRANGE',
  'XSETID',
  'XTRIM',
]);

/** Commands whose arguments start `numkeys key [key ...]` after `skip` other arguments. */
const NUMKEYS: Readonly<Record<string, number>> = {
  EVAL: 1, // script numkeys key...
  EVALSHA: 1,
  EVAL_RO: 1,
  EVALSHA_RO: 1,
  FCALL: 1, // function numkeys key...
  FCALL_RO: 1,
  ZUNION: 0, // numkeys key...
  ZINTER: 0,
  ZDIFF: 0,
  ZINTERCARD: 0,
  SINTERCARD: 0,
  LMPOP: 0,
  ZMPOP: 0,
  BLMPOP: 1, // timeout numkeys key...
  BZMPOP: 1,
};

/** Container commands: their first argument names a subcommand. */
const CONTAINERS = new Set([
  'ACL',
  'CLIENT',
  'CLUSTER',
  'COMMAND',
  'CONFIG',
  'DEBUG',
  'FUNCTION',
  'LATENCY',
  'MEMORY',
  'MODULE',
  'OBJECT',
  'PUBSUB',
  'SCRIPT',
  'SENTINEL',
  'SLOWLOG',
  'XGROUP',
  'XINFO',
]);

/** Subcommands (of containers) whose next argument is a key. */
const SUBCOMMAND_KEY = new Set([
  'OBJECT ENCODING',
  'OBJECT FREQ',
  'OBJECT IDLETIME',
  'OBJECT REFCOUNT',
  'MEMORY USAGE',
  'DEBUG OBJECT',
  'XINFO STREAM',
  'XINFO GROUPS',
  'XINFO CONSUMERS',
  'XGROUP CREATE',
  'XGROUP CREATECONSUMER',
  'XGROUP DELCONSUMER',
  'XGROUP DESTROY',
  'XGROUP SETID',
  'CLUSTER KEYSLOT',
  'CLUSTER COUNTKEYSINSLOT',
]);

/** Commands without keys, listed so that the probe recognises an inline command. */
const OTHERS = [
  'AUTH',
  'BGREWRITEAOF',
  'BGSAVE',
  'BITOP',
  'DBSIZE',
  'DISCARD',
  'ECHO',
  'EXEC',
  'FAILOVER',
  'FLUSHALL',
  'FLUSHDB',
  'HELLO',
  'INFO',
  'KEYS',
  'LASTSAVE',
  'LATENCY',
  'LOLWUT',
  'MIGRATE',
  'MONITOR',
  'MULTI',
  'PING',
  'PSUBSCRIBE',
  'PSYNC',
  'PUBLISH',
  'PUNSUBSCRIBE',
  'QUIT',
  'RANDOMKEY',
  'READONLY',
  'READWRITE',
  'REPLCONF',
  'REPLICAOF',
  'RESET',
  'ROLE',
  'SAVE',
  'SCAN',
  'SELECT',
  'SHUTDOWN',
  'SLAVEOF',
  'SPUBLISH',
  'SSUBSCRIBE',
  'SUBSCRIBE',
  'SUNSUBSCRIBE',
  'SWAPDB',
  'SYNC',
  'TIME',
  'UNSUBSCRIBE',
  'UNWATCH',
  'WAIT',
  'WAITAOF',
  'XREAD',
  'XREADGROUP',
  'ASKING',
];

const KNOWN = new Set<string>([...KEY_FIRST, ...Object.keys(NUMKEYS), ...CONTAINERS, ...OTHERS]);

/**
 * Names shared with memcached's text protocol (`get`, `set`, `incr`...): an inline command with one of
 * them is not proof of Redis; the probe waits for the server's answer.
 */
const MEMCACHED_NAMES = new Set(['GET', 'SET', 'APPEND', 'INCR', 'DECR', 'TOUCH', 'QUIT']);

/** Whether `name` (upper-case) is a Redis command netsieve knows. */
export function isKnownCommand(name: string): boolean {
  return KNOWN.has(name);
}

/** Whether an inline command named `name` (upper-case) could be memcached's as well. */
export function isMemcachedName(name: string): boolean {
  return MEMCACHED_NAMES.has(name);
}

/** The subcommand of a container command, upper-cased; null for other commands. */
/** Whether the command has subcommands (`CLIENT REPLY`, `CONFIG GET`): its first argument names one. */
export function isContainer(name: string): boolean {
  return CONTAINERS.has(name);
}

/** Whether redactSecrets may hide arguments of the command (upper-cased name). */
export function mayRedact(name: string): boolean {
  return SECRET_COMMANDS.has(name);
}

export function subcommandOf(name: string, args: readonly string[]): string | null {
  return CONTAINERS.has(name) && args.length > 0 ? upperName(args[0]!) : null;
}

/** The first key of a command (`args` are the arguments after the name, as kept); null when none. */
export function keyOf(name: string, sub: string | null, args: readonly string[]): string | null {
  if (KEY_FIRST.has(name)) return args[0] ?? null;
  const skip = NUMKEYS[name];
  if (skip !== undefined) {
    const n = Number(args[skip]);
    return Number.isInteger(n) && n > 0 ? (args[skip + 1] ?? null) : null;
  }
  if (sub !== null) return SUBCOMMAND_KEY.has(`${name} ${sub}`) ? (args[1] ?? null) : null;
  switch (name) {
    case 'BITOP': // BITOP operation destkey key...
      return args[1] ?? null;
    case 'MIGRATE': {
      // MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH ...] [KEYS key...]
      if (args[2] !== undefined && args[2] !== '') return args[2];
      const at = indexOfToken(args, 'KEYS', 5);
      return at >= 0 ? (args[at + 1] ?? null) : null;
    }
    case 'XREAD':
    case 'XREADGROUP': {
      const at = indexOfToken(args, 'STREAMS', 0);
      return at >= 0 ? (args[at + 1] ?? null) : null;
    }
    default:
      return null;
  }
}

/** What replaces a secret argument, as Redis's own MONITOR and SLOWLOG write it. */
export const REDACTED = '(redacted)';

/**
 * Replaces the secrets among `args` (the arguments after the name) with REDACTED, in place; returns
 * whether any was. As Redis redacts them itself (MONITOR, SLOWLOG): every argument of AUTH (a client
 * that swaps the order or adds one must not leak its password through the username's place), HELLO's
 * `AUTH username password`, MIGRATE's `AUTH password` / `AUTH2 username password`; and CONFIG SET of
 * requirepass / masterauth / masteruser, ACL SETUSER's password rules (`>pass`, `<pass`, `#hash`, `!hash`),
 * SENTINEL SET `auth-pass` / `auth-user` values and SENTINEL CONFIG SET `sentinel-pass` / `sentinel-user`.
 */
export function redactSecrets(name: string, args: string[]): boolean {
  if (!SECRET_COMMANDS.has(name)) return false; // most commands: nothing to look at
  let redacted = false;
  const hide = (i: number): void => {
    if (i < args.length && args[i] !== REDACTED) {
      args[i] = REDACTED;
      redacted = true;
    }
  };
  switch (name) {
    case 'AUTH':
      for (let i = 0; i < args.length; i++) hide(i);
      break;
    case 'HELLO':
      for (let i = 1; i < args.length; i++) {
        if (args[i]!.toUpperCase() === 'AUTH') {
          hide(i + 1);
          hide(i + 2);
          i += 2;
        }
      }
      break;
    case 'MIGRATE':
      for (let i = 5; i < args.length; i++) {
        const t = args[i]!.toUpperCase();
        if (t === 'KEYS') break;
        if (t === 'AUTH') {
          hide(i + 1);
          i += 1;
        } else if (t === 'AUTH2') {
          hide(i + 1);
          hide(i + 2);
          i += 2;
        }
      }
      break;
    case 'CONFIG':
      if (args[0]?.toUpperCase() === 'SET') {
        for (let i = 1; i + 1 < args.length; i += 2) {
          if (SECRET_CONFIG.has(args[i]!.toLowerCase())) hide(i + 1);
        }
      }
      break;
    case 'ACL':
      if (args[0]?.toUpperCase() === 'SETUSER') {
        for (let i = 2; i < args.length; i++) {
          const c = args[i]!.charCodeAt(0);
          if (c === 0x3e || c === 0x3c || c === 0x23 || c === 0x21) hide(i); // > < # !
        }
      }
      break;
    case 'SENTINEL': {
      const sub = args[0]?.toUpperCase();
      if (sub === 'SET') {
        for (let i = 2; i + 1 < args.length; i += 2) {
          const opt = args[i]!.toLowerCase();
          if (opt === 'auth-pass' || opt === 'auth-user') hide(i + 1);
        }
      } else if (sub === 'CONFIG' && args[1]?.toUpperCase() === 'SET') {
        for (let i = 2; i + 1 < args.length; i += 2) {
          if (SECRET_CONFIG.has(args[i]!.toLowerCase())) hide(i + 1);
        }
      }
      break;
    }
    default:
      break;
  }
  return redacted;
}

/** The commands whose arguments may hold a secret (the cases of redactSecrets). */
const SECRET_COMMANDS = new Set(['AUTH', 'HELLO', 'MIGRATE', 'CONFIG', 'ACL', 'SENTINEL']);

const SECRET_CONFIG = new Set(['requirepass', 'masterauth', 'masteruser', 'sentinel-pass', 'sentinel-user']);

/**
 * Replies that carry secrets, redacted in place (returns whether anything was):
 * - CONFIG GET returns requirepass, masterauth (and masteruser) in clear, as a RESP2 flat array of name,
 *   value, ... or a RESP3 map: the values become REDACTED;
 * - ACL GETUSER lists the user's password hashes under `passwords`, ACL LIST writes them into each rule
 *   line as `#<sha256>` (and `>pass` rules where a client set them so): hashes are as good as passwords
 *   for an offline guess, so they become REDACTED too.
 */
export function redactReplySecrets(name: string, sub: string | null, reply: RedisValue): boolean {
  if (sub === null) return false;
  if (name === 'ACL' && sub === 'GETUSER') return redactAclUser(reply);
  if (name === 'ACL' && sub === 'LIST') return redactAclList(reply);
  if (name !== 'CONFIG' || sub !== 'GET') return false;
  let redacted = false;
  const secretName = (v: RedisValue): boolean =>
    (v.type === 'bulk_string' || v.type === 'simple_string') && SECRET_CONFIG.has(v.value.toLowerCase());
  const hidden = (): RedisValue => {
    redacted = true;
    return { type: 'bulk_string', value: REDACTED, length: REDACTED.length };
  };
  if (reply.type === 'map') {
    for (const e of reply.entries) if (secretName(e.key)) e.value = hidden();
  } else if (reply.type === 'array') {
    const el = reply.elements;
    for (let i = 0; i + 1 < el.length; i += 2) if (secretName(el[i]!)) el[i + 1] = hidden();
  }
  return redacted;
}

const REDACTED_VALUE: RedisValue = { type: 'bulk_string', value: REDACTED, length: REDACTED.length };

/** ACL GETUSER: the value under `passwords` (a RESP2 flat array or a RESP3 map). */
function redactAclUser(reply: RedisValue): boolean {
  const isPasswords = (v: RedisValue): boolean =>
    (v.type === 'bulk_string' || v.type === 'simple_string') && v.value === 'passwords';
  let redacted = false;
  if (reply.type === 'map') {
    for (const e of reply.entries) {
      if (isPasswords(e.key)) {
        e.value = { ...REDACTED_VALUE };
        redacted = true;
      }
    }
  } else if (reply.type === 'array') {
    const el = reply.elements;
    for (let i = 0; i + 1 < el.length; i += 2) {
      if (isPasswords(el[i]!)) {
        el[i + 1] = { ...REDACTED_VALUE };
        redacted = true;
      }
    }
  }
  return redacted;
}

/** ACL LIST: `user alice on #5e88...8d ~* +@all`: the `#hash` (and `>pass`, `<pass`) rules. */
function redactAclList(reply: RedisValue): boolean {
  if (reply.type !== 'array') return false;
  let redacted = false;
  for (const v of reply.elements) {
    if (v.type !== 'bulk_string' && v.type !== 'simple_string') continue;
    const words = v.value.split(' ');
    let changed = false;
    for (let i = 0; i < words.length; i++) {
      const c = words[i]!.charCodeAt(0);
      if (c === 0x23 || c === 0x3e || c === 0x3c || c === 0x21) {
        words[i] = REDACTED;
        changed = true;
      }
    }
    if (changed) {
      v.value = words.join(' ');
      redacted = true;
    }
  }
  return redacted;
}

function indexOfToken(args: readonly string[], token: string, from: number): number {
  for (let i = from; i < args.length; i++) if (args[i]!.toUpperCase() === token) return i;
  return -1;
}
