/**
 * `brute_force` (T1110): password guessing against a login service, seen as many short sessions from one
 * client to one service (server address and port) in a short time, plus, for Redis, failed `AUTH` commands.
 *
 * What it sees, and from which hooks:
 * - `flowEnded`: a TCP session to a login port (SSH 22/2222, FTP 21, Telnet 23, SMTP submission 587/465,
 *   POP3 110/995, IMAP 143/993, LDAP 389/636, MSSQL 1433, MySQL 3306, RDP 3389, PostgreSQL 5432, VNC 5900,
 *   Redis 6379) counts as one attempt when it was short (`maxDurationSec`), closed (FIN or RST), answered
 *   (the server's SYN), and carried an authentication-sized exchange: payload both ways, the client's at
 *   least `minClientSegments` segments or `minClientBytes` bytes, at most `maxClientBytes`, the server's at
 *   most `maxServerBytes`. Payload sizes come from the TCP session's per-direction statistics (bytes and
 *   segments delivered), so nothing is read per packet. netsieve does not parse SSH, FTP or RDP, so the
 *   port names the service; the sizes keep out what is not a login.
 * - `record` (`redis`): an `AUTH` command (or `HELLO ... AUTH`) answered with an error is one failed login,
 *   counted beside the sessions (`minAuthFailures`): a guesser may try many passwords on one connection.
 * - `record` (`http`): a failed web login is a 401 (Basic/Digest guessing), a POST answered 403, or a POST
 *   to a login-looking path answered 200 with the same page length as the previous one (the form shown
 *   again); `minHttpFailures` 20 of them from one client to one server in the window. 401s alone from a
 *   client polling with an expired token count too; 20 in two minutes is a loop worth a look either way.
 *   Plain 200s to other paths never count: telemetry beacons POST the same answer all day.
 *
 * Why these thresholds: `minSessions` 15 in `window` 120 s is one attempt every 8 s kept up for two minutes;
 * `burstSessions` 10 in `burstWindow` 30 s catches the fast tools that try several passwords per session
 * (Hydra against OpenSSH with 4 tasks: 11 sessions in 11 s for 40 passwords, the recorded
 * fixtures/threats/ssh-brute-force.pcap), where a check every 10 s makes 3.
 * Hydra and Medusa run 4 to 16 parallel tasks and reach that in seconds; a person mistyping a password a
 * few times, a mail client polling every minute or a monitoring system checking a port every 10 s
 * (12 checks in 120 s) stay below it. Monitoring checks also rarely look like a login: a TCP connect check
 * sends nothing, a banner check (check_ssh, check_ftp) one short line, which `minClientSegments` and
 * `minClientBytes` leave out. A check that really logs in more often than every 8 s would count; raise
 * `minSessions` or the window for such hosts. The sliding window (this window's count plus the previous
 * window's, weighted by how much of it still overlaps) keeps an attack that straddles a window boundary
 * from hiding. Zeek's SSH brute-forcing script counts 30 failed logins in 30 minutes per client; its FTP one
 * 20 rejected logins in 15 minutes; iptables' `recent` recipes block 5 new SSH connections in 60 s. This
 * detector counts per client and service, faster (guessing tools are fast), with the size rules standing
 * in for "failed".
 * Known look-alikes: automation that opens many short SSH sessions to one host (Ansible without
 * ControlMaster, git over SSH fetching many repositories from one server within two minutes).
 *
 * State: one entry per (client, server, port) in a `BoundedMap` capped by `maxTracked`, created at the first
 * qualifying session (one allocation per flow at most, never per packet), swept in `tick` two windows
 * after its last attempt.
 */
import { TcpFlag } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import { BoundedMap, flowAddressKey, flowAddressText, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

export type BruteForceOptions = {
  minSessions: number;
  window: number;
  burstSessions: number;
  burstWindow: number;
  maxDurationSec: number;
  minClientSegments: number;
  minClientBytes: number;
  maxClientBytes: number;
  maxServerBytes: number;
  minAuthFailures: number;
  minHttpFailures: number;
};

/** Login services by port. */
const LOGIN_SERVICES: ReadonlyArray<readonly [number, string]> = [
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [110, 'pop3'],
  [143, 'imap'],
  [389, 'ldap'],
  [465, 'smtps'],
  [587, 'submission'],
  [636, 'ldaps'],
  [993, 'imaps'],
  [995, 'pop3s'],
  [1433, 'mssql'],
  [2222, 'ssh'],
  [3306, 'mysql'],
  [3389, 'rdp'],
  [5432, 'postgresql'],
  [5900, 'vnc'],
  [6379, 'redis'],
];
const SERVICE_NAMES: readonly string[] = ['', ...LOGIN_SERVICES.map(([, n]) => n)];
/** Index into SERVICE_NAMES per port (0: not a login port): one array read per ended flow. */
const SERVICE_OF_PORT = new Uint8Array(65536);
LOGIN_SERVICES.forEach(([port], i) => {
  SERVICE_OF_PORT[port] = i + 1;
});

/** Header bytes assumed per packet when a flow has no TCP session statistics (Ethernet, IPv4, TCP with timestamps). */
const HEADER_ESTIMATE = 66;

export const bruteForce: ThreatDetectorDef<BruteForceOptions> = {
  name: 'brute_force',
  title: 'Login brute force',
  description:
    'Many short login-sized sessions from one client to one login service (SSH, FTP, Telnet, mail, RDP, VNC, databases, LDAP), or repeated failed Redis AUTH',
  category: 'Attempted User Privilege Gain',
  severity: 2,
  techniques: ['T1110'],
  signatureId: 1022,
  defaults: {
    minSessions: 15,
    window: 120,
    burstSessions: 10,
    burstWindow: 30,
    maxDurationSec: 30,
    minClientSegments: 2,
    minClientBytes: 200,
    maxClientBytes: 16384,
    maxServerBytes: 32768,
    minAuthFailures: 10,
    minHttpFailures: 20,
  },
  docs: {
    minSessions:
      'short login sessions from one client to one service (address and port) within the sliding window that raise the threat',
    window:
      'seconds of the sliding window over which sessions and failed logins are counted; a long attack raises one alert per window',
    burstSessions:
      'short login sessions from one client to one service within burstWindow that raise the threat (a fast tool trying several passwords per session)',
    burstWindow: 'seconds of the short sliding window burstSessions are counted in',
    maxDurationSec: 'longest session, in seconds, that still counts as one login attempt',
    minClientSegments:
      'client payload segments a session needs to count (a banner or connect check has one or none), unless it has minClientBytes',
    minClientBytes: 'client payload bytes that make a session count even with fewer segments than minClientSegments',
    maxClientBytes: 'most client payload bytes a session may carry and still count as a login attempt (more is real use)',
    maxServerBytes:
      'most server payload bytes a session may carry and still count as a login attempt (more is real use: a file, a result set)',
    minAuthFailures: 'failed Redis AUTH commands from one client to one server within the sliding window that raise the threat',
    minHttpFailures:
      'failed HTTP logins (401; POST answered 403; POST to a login URI answered 200 with the same page) from one client to one server within the sliding window that raise the threat',
  },
  records: ['redis', 'http'],
  create(o, ctx) {
    return new BruteForceDetector(o, ctx);
  },
};

interface BruteEntry {
  client: string;
  server: string;
  port: number;
  service: string;
  /** Start of the current window (session time, seconds). */
  curStart: number;
  cur: number;
  prev: number;
  curFailures: number;
  prevFailures: number;
  /** The short window (burstWindow): its start, this and the previous one's sessions. */
  burstStart: number;
  burstCur: number;
  burstPrev: number;
  total: number;
  totalFailures: number;
  /** Failed HTTP logins: this window, the previous one, all. */
  curHttp: number;
  prevHttp: number;
  totalHttp: number;
  /** Body length of the last login page answered 200 to a POST (-1: none yet). */
  loginPageLength: number;
  /** The first URIs of failed HTTP logins (paths, cut). */
  httpUris: string[];
  durationSum: number;
  clientBytesSum: number;
  serverBytesSum: number;
  /** `curStart` of the window last reported in (-1: never). */
  reportedWindow: number;
  /** Stage time of the last attempt (for the sweep). */
  seen: number;
}

/** Paths that look like a login form's target. */
const LOGIN_URI = /log_?in|sign_?in|auth|session|passw|wp-login|xmlrpc|j_security_check|account/i;

/** An http record's fields this detector reads. */
interface HttpFields {
  method?: unknown;
  uri?: unknown;
  status?: unknown;
  responseBodyLength?: unknown;
}

/** A redis record's fields this detector reads. */
interface RedisFields {
  kind?: unknown;
  command?: unknown;
  subcommand?: unknown;
  args?: unknown;
  success?: unknown;
}

class BruteForceDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, BruteEntry>;

  constructor(
    private readonly o: BruteForceOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  flowEnded(flow: Flow, now: number): void {
    if (flow.proto !== 6) return;
    const svc = SERVICE_OF_PORT[flow.serverPort]!;
    if (svc === 0) return;
    const o = this.o;
    if ((flow.tcpFlagsToClient & TcpFlag.SYN) === 0) return; // never answered
    if (((flow.tcpFlagsToServer | flow.tcpFlagsToClient) & (TcpFlag.FIN | TcpFlag.RST)) === 0) return; // not closed
    const duration = flow.lastSec - flow.startSec + (flow.lastNsec - flow.startNsec) / 1e9;
    if (duration > o.maxDurationSec) return;
    let clientBytes: number;
    let clientSegments: number;
    let serverBytes: number;
    const stats = flow.tcp?.stats;
    if (stats !== undefined && flow.tcp?.opened === true) {
      clientBytes = stats[0].bytesDelivered;
      clientSegments = stats[0].segments;
      serverBytes = stats[1].bytesDelivered;
    } else {
      clientBytes = Math.max(0, flow.bytesToServer - flow.pktsToServer * HEADER_ESTIMATE);
      serverBytes = Math.max(0, flow.bytesToClient - flow.pktsToClient * HEADER_ESTIMATE);
      clientSegments = clientBytes > 0 ? Math.max(1, flow.pktsToServer - 4) : 0;
    }
    if (clientBytes === 0 || serverBytes === 0) return;
    if (clientBytes > o.maxClientBytes || serverBytes > o.maxServerBytes) return;
    if (clientSegments < o.minClientSegments && clientBytes < o.minClientBytes) return;
    const t = flow.lastSec + flow.lastNsec / 1e9;
    const e = this.entry(flow, SERVICE_NAMES[svc]!, t, now);
    e.cur++;
    e.burstCur++;
    e.total++;
    e.durationSum += duration;
    e.clientBytesSum += clientBytes;
    e.serverBytesSum += serverBytes;
    this.judge(e, flow, t);
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    if (payload === null || typeof payload !== 'object') return;
    if (type === 'http') {
      this.httpRecord(flow, payload as HttpFields, now);
      return;
    }
    if (type !== 'redis') return;
    const r = payload as RedisFields;
    if (r.kind !== 'command' || r.success !== false) return;
    const auth =
      r.command === 'AUTH' ||
      (r.command === 'HELLO' && Array.isArray(r.args) && r.args.some((a) => typeof a === 'string' && a.toUpperCase() === 'AUTH'));
    if (!auth) return;
    const e = this.entry(flow, 'redis', now, now);
    e.curFailures++;
    e.totalFailures++;
    this.judge(e, flow, now);
  }

  /**
   * An HTTP transaction: a failed login is a 401 (Basic or Digest guessing, any method), a POST answered
   * 403, or a POST to a login-looking URI answered 200 with exactly the page length the previous such
   * answer had (a login form that failed shows itself again; a success redirects or shows another page).
   */
  private httpRecord(flow: Flow, r: HttpFields, now: number): void {
    const status = r.status;
    if (typeof status !== 'number') return;
    const post = r.method === 'POST';
    let failed = status === 401 || (post && status === 403);
    let loginPage = -1;
    if (!failed && post && status === 200 && typeof r.uri === 'string' && LOGIN_URI.test(r.uri)) {
      loginPage = typeof r.responseBodyLength === 'number' ? r.responseBodyLength : -1;
      if (loginPage < 0) return;
    } else if (!failed) return;
    const e = this.entry(flow, 'http', now, now);
    if (loginPage >= 0) {
      failed = e.loginPageLength === loginPage;
      e.loginPageLength = loginPage;
      if (!failed) return;
    }
    e.curHttp++;
    e.totalHttp++;
    if (e.httpUris.length < 3 && typeof r.uri === 'string') {
      const q = r.uri.indexOf('?');
      const path = (q >= 0 ? r.uri.slice(0, q) : r.uri).slice(0, 96);
      if (!e.httpUris.includes(path)) e.httpUris.push(path);
    }
    this.judge(e, flow, now);
  }

  /** The entry of the flow's (client, server, port), its windows moved to time `t`. */
  private entry(flow: Flow, service: string, t: number, now: number): BruteEntry {
    const key = pairKey(flowAddressKey(flow, false), pairKey(flowAddressKey(flow, true), flow.serverPort));
    let e = this.table.get(key);
    if (e === undefined) {
      e = {
        client: flowAddressText(flow, false),
        server: flowAddressText(flow, true),
        port: flow.serverPort,
        service,
        curStart: t,
        cur: 0,
        prev: 0,
        curFailures: 0,
        prevFailures: 0,
        burstStart: t,
        burstCur: 0,
        burstPrev: 0,
        total: 0,
        totalFailures: 0,
        curHttp: 0,
        prevHttp: 0,
        totalHttp: 0,
        loginPageLength: -1,
        httpUris: [],
        durationSum: 0,
        clientBytesSum: 0,
        serverBytesSum: 0,
        reportedWindow: -1,
        seen: now,
      };
    }
    this.table.set(key, e);
    e.seen = now;
    const w = Math.max(this.o.window, 1);
    if (t >= e.curStart + w) {
      const k = Math.floor((t - e.curStart) / w);
      e.prev = k === 1 ? e.cur : 0;
      e.prevFailures = k === 1 ? e.curFailures : 0;
      e.prevHttp = k === 1 ? e.curHttp : 0;
      e.curHttp = 0;
      e.cur = 0;
      e.curFailures = 0;
      e.curStart += k * w;
    }
    const bw = this.o.burstWindow;
    if (bw > 0 && t >= e.burstStart + bw) {
      const k = Math.floor((t - e.burstStart) / bw);
      e.burstPrev = k === 1 ? e.burstCur : 0;
      e.burstCur = 0;
      e.burstStart += k * bw;
    }
    return e;
  }

  private judge(e: BruteEntry, flow: Flow, t: number): void {
    if (e.reportedWindow === e.curStart) return;
    const o = this.o;
    const w = Math.max(o.window, 1);
    // The previous window's share that still lies within the last `window` seconds.
    const left = t < e.curStart ? 1 : Math.max(0, 1 - (t - e.curStart) / w);
    const sessions = e.cur + e.prev * left;
    const failures = e.curFailures + e.prevFailures * left;
    const bw = o.burstWindow;
    const burstLeft = bw <= 0 || t < e.burstStart ? 1 : Math.max(0, 1 - (t - e.burstStart) / bw);
    const burst = e.burstCur + e.burstPrev * burstLeft;
    const bySessions = sessions >= o.minSessions || (o.burstSessions > 0 && burst >= o.burstSessions);
    const byFailures = e.totalFailures > 0 && failures >= o.minAuthFailures;
    const http = e.curHttp + e.prevHttp * left;
    const byHttp = e.totalHttp > 0 && http >= o.minHttpFailures;
    if (!bySessions && !byFailures && !byHttp) return;
    e.reportedWindow = e.curStart;
    const n = e.total > 0 ? e.total : 1;
    const details: Record<string, number | string | boolean | string[]> = {
      service: e.service,
      port: e.port,
      sessionsInWindow: Math.round(sessions),
      windowSec: w,
      sessionsInBurstWindow: Math.round(burst),
      burstWindowSec: bw,
      sessionsTotal: e.total,
      avgDurationSec: Math.round((e.durationSum / n) * 100) / 100,
      avgClientBytes: Math.round(e.clientBytesSum / n),
      avgServerBytes: Math.round(e.serverBytesSum / n),
    };
    if (e.totalFailures > 0) {
      details.authFailuresInWindow = Math.round(failures);
      details.authFailuresTotal = e.totalFailures;
    }
    if (e.totalHttp > 0) {
      details.httpFailuresInWindow = Math.round(http);
      details.httpFailuresTotal = e.totalHttp;
      details.httpUris = e.httpUris.slice();
    }
    this.ctx.report({
      now: t,
      attacker: e.client,
      target: e.server,
      count: bySessions ? Math.round(Math.max(sessions, burst)) : byFailures ? Math.round(failures) : Math.round(http),
      details,
      flow,
      targetPort: e.port,
      proto: 'TCP',
    });
  }

  tick(now: number): void {
    const w2 = this.o.window * 2;
    this.table.sweep((e) => now - e.seen >= w2);
  }

  size(): number {
    return this.table.size;
  }
}
