/**
 * ModSecurity v3 behind nginx on loopback (the suggestion), beside the in-process driver: a private
 * nginx (Debian's nginx with libnginx-mod-http-modsecurity; one process, `master_process off`) serving an
 * empty static page, the same SecLang inputs as the driver, requests sent one at a time over one keep-alive
 * connection. The CPU is the nginx process's own (utime + stime from /proc/<pid>/stat, 10 ms clock ticks; a
 * repetition lasts tens to hundreds of them), so the client's work is not in it; the same run with
 * `modsecurity off` gives nginx's own share. The static page is empty (`text/html`); a POST gets nginx's 405
 * page. The connector's log callback takes each logged match as formatted text (the in-process driver's does
 * not). Without nginx or the module it says why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { WafRequest } from '../../src/detect/waf/index.js';
import { median } from '../lib.js';
import type { ModsecInput } from './modsec.js';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const MODULE = '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so';
const TICKS = 100; // USER_HZ on Linux

export type NginxStatus = { ok: true } | { ok: false; reason: string };

export function nginxModsec(): NginxStatus {
  if (os.platform() !== 'linux') return { ok: false, reason: 'needs Linux (/proc/<pid>/stat)' };
  if (!fs.existsSync(NGINX)) return { ok: false, reason: `no nginx at ${NGINX}` };
  if (!fs.existsSync(MODULE))
    return { ok: false, reason: `no ModSecurity nginx module at ${MODULE} (libnginx-mod-http-modsecurity)` };
  return { ok: true };
}

export interface NginxRun {
  /** Median CPU seconds of the nginx process per transaction, with ModSecurity on and off. */
  withModsecS: number;
  withoutModsecS: number;
  /** Response statuses of the first pass (with ModSecurity). */
  statuses: number[];
}

function requestBytes(r: WafRequest): Buffer {
  let head = `${r.method} ${r.uri} ${r.version}\r\n`;
  for (const [k, v] of r.headers) head += `${k}: ${v}\r\n`;
  return Buffer.from(`${head}\r\n${r.body ?? ''}`, 'latin1');
}

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** One keep-alive connection; `send` writes a request and resolves with the status once the response is whole. */
async function connect(port: number): Promise<{ send(b: Buffer): Promise<number>; close(): void }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      let buf = Buffer.alloc(0);
      let waiting: ((status: number) => void) | null = null;
      let failed: ((e: Error) => void) | null = null;
      const tryFinish = () => {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0 || waiting === null) return;
        const head = buf.subarray(0, end).toString('latin1');
        const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error('chunked response from nginx');
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        const w = waiting;
        waiting = null;
        w(Number(head.split(' ')[1]));
      };
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        tryFinish();
      });
      socket.on('close', () => failed?.(new Error('nginx closed the connection')));
      return {
        send: (b) =>
          new Promise<number>((resolve, reject) => {
            waiting = resolve;
            failed = reject;
            socket.write(b);
          }),
        close: () => socket.destroy(),
      };
    } catch (e) {
      if (attempt > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function measure(
  dir: string,
  modsec: boolean,
  requests: readonly WafRequest[],
  repetitions: number,
): Promise<{ perTx: number; statuses: number[] }> {
  const port = await freePort();
  const conf = path.join(dir, `nginx-${modsec ? 'on' : 'off'}.conf`);
  fs.writeFileSync(
    conf,
    `load_module ${MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log crit;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  client_body_buffer_size 1m;
  default_type text/html;
  server {
    listen 127.0.0.1:${port};
    modsecurity ${modsec ? 'on' : 'off'};
    modsecurity_rules_file ${dir}/main.conf;
    location / { root ${dir}/www; try_files /index.html =404; }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    const c = await connect(port);
    const bytes = requests.map(requestBytes);
    const statuses: number[] = [];
    for (const b of bytes.slice(0, 50)) await c.send(b); // warm-up
    const times: number[] = [];
    // nginx alone is about 100 times cheaper: more passes per repetition, for enough clock ticks.
    const passes = modsec ? 1 : 40;
    for (let r = 0; r < repetitions; r++) {
      const t0 = cpuTicks(child.pid!);
      for (let p = 0; p < passes; p++) {
        for (const b of bytes) {
          const s = await c.send(b);
          if (r === 0 && p === 0) statuses.push(s);
        }
      }
      times.push((cpuTicks(child.pid!) - t0) / TICKS);
    }
    c.close();
    return { perTx: median(times) / (requests.length * passes), statuses };
  } catch (e) {
    throw new Error(`nginx: ${(e as Error).message} ${stderr.slice(0, 300)}`);
  } finally {
    child.kill('SIGQUIT');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Sends the requests `repetitions` times to nginx with ModSecurity on (`inputs` loaded), then off. */
export async function runNginx(
  inputs: readonly ModsecInput[],
  requests: readonly WafRequest[],
  repetitions: number,
): Promise<NginxRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-nginx-'));
  try {
    fs.mkdirSync(path.join(dir, 'www'));
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(path.join(dir, 'www', 'index.html'), '');
    const main = inputs.map((i) => ('path' in i ? `Include "${path.resolve(i.path)}"` : i.text)).join('\n');
    fs.writeFileSync(path.join(dir, 'main.conf'), `${main}\nSecAuditEngine Off\n`);
    const on = await measure(dir, true, requests, repetitions);
    const off = await measure(dir, false, requests, repetitions);
    return { withModsecS: on.perTx, withoutModsecS: off.perTx, statuses: on.statuses };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
