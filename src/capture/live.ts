/**
 * Live capture from a network interface through the optional `cap` package (libpcap bindings).
 *
 * `cap` is loaded lazily with `createRequire` so netsieve works (files, streams) where it or libpcap is
 * missing; only `openLive`/`listDevices` then fail, with NS_ERR_LIVE_UNAVAILABLE.
 *
 * What cap 0.2.1 gives and does not give, and what this wrapper does about it:
 * - It copies each packet into one Buffer supplied at open and emits `packet(nbytes, truncated)`. It
 *   keeps only a raw pointer to that Buffer, without a reference, so if the Buffer is collected the
 *   next packet is written into freed memory and the process crashes. Every open capture is therefore
 *   held (with its Buffer) in a module-level set until stop(), even if the caller drops it.
 * - It hands over no timestamp: packets are stamped with the wall clock when the callback runs, which
 *   is the moment libpcap handed them over (immediate mode), to the microsecond.
 * - It does not hand over the wire length either: origlen = caplen. A packet longer than `snaplen` is
 *   cut to it (counted in stats().truncated).
 * - It always opens in promiscuous mode with libpcap's snaplen 65535, and has no pcap_stats(): kernel
 *   drops are unknown (stats().dropped is null).
 * - It polls on libuv's default loop, the main thread's: opened from a worker thread, packets arrive on
 *   the main thread for the worker's objects and V8 aborts the process. openLive refuses to run outside
 *   the main thread (NS_ERR_LIVE_UNAVAILABLE).
 */
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { NetsieveError } from '../errors.js';
import { LinkType, type CapturedPacket } from './packet.js';
import { newReaderPacket } from './reader-base.js';

export interface LiveOptions {
  /** BPF filter in tcpdump syntax, e.g. `tcp port 80`. Default: everything. */
  filter?: string;
  /** Bytes kept per packet (the capture buffer size). Default 65535 (cap's libpcap snaplen, the most it can deliver). */
  snaplen?: number;
  /** cap 0.2.1 always opens in promiscuous mode; `false` is refused with NS_ERR_OPTION rather than ignored. */
  promiscuous?: boolean;
  /** libpcap's kernel buffer in bytes. Default 10 MiB. */
  bufferSize?: number;
}

export interface LiveStats {
  /** Packets delivered to the callback. */
  packets: number;
  /** Captured bytes delivered. */
  bytes: number;
  /** Packets cut to `snaplen` by the capture buffer. */
  truncated: number;
  /** Packets the kernel dropped: unknown with cap 0.2.1 (no pcap_stats binding). */
  dropped: number | null;
}

export interface LiveCapture {
  readonly device: string;
  /** LINKTYPE_* of the interface (Ethernet for most, including Linux `lo`). */
  readonly linkType: number;
  /**
   * Starts delivering packets: `onPacket` runs once per packet with a reused object whose `data` is the
   * capture buffer (valid during the call only). If `onPacket` throws, the capture stops and the error
   * goes to `onError` (or, without one, is thrown from a later tick like an EventEmitter listener's).
   */
  start(onPacket: (p: CapturedPacket) => void, onError?: (e: unknown) => void): void;
  /** Stops capturing and releases the interface. Safe to call twice and from inside `onPacket`. */
  stop(): void;
  stats(): LiveStats;
}

export interface LiveDevice {
  name: string;
  description?: string;
  addresses: Array<{ addr: string; netmask?: string; broadaddr?: string }>;
  loopback: boolean;
}

/** The subset of cap's API netsieve uses. */
interface CapModule {
  Cap: {
    new (): CapHandle;
    deviceList(): Array<{
      name: string;
      description?: string;
      addresses?: Array<{ addr: string; netmask?: string; broadaddr?: string }>;
      flags?: string;
    }>;
  };
}

interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}

const INSTALL_HINT =
  'install libpcap-dev (Debian/Ubuntu) or libpcap-devel (Fedora), then reinstall netsieve so the optional `cap` package builds';
const PERMISSION_HINT = 'run as root or give node CAP_NET_RAW: sudo setcap cap_net_raw,cap_net_admin=eip $(which node)';

let capModule: CapModule | null = null;

/**
 * Loads the `cap` package (`moduleName` is for tests). Throws NS_ERR_LIVE_UNAVAILABLE when it, or the
 * libpcap it links against, cannot be loaded.
 */
export function loadCap(moduleName = 'cap'): CapModule {
  if (moduleName === 'cap' && capModule !== null) return capModule;
  let mod: CapModule;
  try {
    const require = createRequire(import.meta.url);
    mod = require(moduleName) as CapModule;
  } catch (e) {
    throw new NetsieveError(
      'NS_ERR_LIVE_UNAVAILABLE',
      `live capture is unavailable: the \`${moduleName}\` package could not be loaded (${firstLine(e)}); ${INSTALL_HINT}`,
      {},
      { cause: e },
    );
  }
  if (typeof mod?.Cap !== 'function' || typeof mod.Cap.deviceList !== 'function') {
    throw new NetsieveError(
      'NS_ERR_LIVE_UNAVAILABLE',
      `live capture is unavailable: \`${moduleName}\` does not look like the cap package; ${INSTALL_HINT}`,
    );
  }
  if (moduleName === 'cap') capModule = mod;
  return mod;
}

/** The interfaces libpcap can open. */
export function listDevices(): LiveDevice[] {
  const cap = loadCap();
  let list: ReturnType<CapModule['Cap']['deviceList']>;
  try {
    list = cap.Cap.deviceList();
  } catch (e) {
    throw classifyOpenError(firstLine(e), '(device list)', e);
  }
  return list.map((d) => {
    const dev: LiveDevice = {
      name: d.name,
      addresses: (d.addresses ?? []).map((a) => ({ ...a })),
      loopback: /LOOPBACK/.test(d.flags ?? ''),
    };
    if (d.description !== undefined) dev.description = d.description;
    return dev;
  });
}

/** Captures opened and not yet stopped: holds each one's buffer alive for the native side (see top). */
const ACTIVE = new Set<LiveCaptureImpl>();
/** Handles whose open failed, kept from the garbage collector (see openLive). */
const FAILED_OPENS: CapHandle[] = [];

/** Opens `device` for capture. Packets flow once `start()` is called. */
export function openLive(device: string, opts: LiveOptions = {}): LiveCapture {
  if (!isMainThread) {
    throw new NetsieveError(
      'NS_ERR_LIVE_UNAVAILABLE',
      'live capture works only on the main thread: the cap package polls the main event loop, and a capture opened in a worker thread would abort the process',
      { file: device },
    );
  }
  const cap = loadCap();
  const snaplen = opts.snaplen ?? 65535;
  const bufferSize = opts.bufferSize ?? 10 << 20;
  if (!Number.isInteger(snaplen) || snaplen < 64 || snaplen > 262144)
    throw new NetsieveError('NS_ERR_OPTION', 'option snaplen must be an integer from 64 to 262144');
  if (!Number.isInteger(bufferSize) || bufferSize < 65536 || bufferSize > 2 ** 31 - 1)
    throw new NetsieveError('NS_ERR_OPTION', 'option bufferSize must be an integer from 65536 to 2^31-1');
  if (opts.promiscuous === false)
    throw new NetsieveError(
      'NS_ERR_OPTION',
      'non-promiscuous capture is not supported: the cap package always opens interfaces in promiscuous mode',
    );
  if (typeof device !== 'string' || device.length === 0) throw new NetsieveError('NS_ERR_LIVE_DEVICE', 'no interface name given');

  // Check the name first: libpcap's own message for a missing device varies by platform and version.
  let names: string[] | null = null;
  try {
    names = cap.Cap.deviceList().map((d) => d.name);
  } catch {
    // listing may need privileges the open itself will ask for; let the open report
  }
  if (names !== null && !names.includes(device)) {
    throw new NetsieveError(
      'NS_ERR_LIVE_DEVICE',
      `no interface named "${device}"; available: ${names.length > 0 ? names.join(', ') : '(none visible: try as root)'}`,
      { file: device },
    );
  }

  const handle = new cap.Cap();
  const buffer = Buffer.alloc(snaplen);
  let linkName: string;
  try {
    linkName = handle.open(device, opts.filter ?? '', bufferSize, buffer);
  } catch (e) {
    // Never close() or drop a handle whose open failed: cap leaves libpcap's handle half-open, and then
    // its close() fails nan's ObjectWrap::Unref assertion and its destructor (run when the object is
    // collected) fails libuv's uv_poll_stop assertion on a poll handle it never started: either aborts
    // the process. Keeping the handle referenced costs one pcap_t per failed open.
    FAILED_OPENS.push(handle);
    throw classifyOpenError(firstLine(e), device, e, opts.filter, names);
  }
  const impl = new LiveCaptureImpl(device, handle, buffer, linkTypeFromCap(linkName));
  ACTIVE.add(impl);
  return impl;
}

class LiveCaptureImpl implements LiveCapture {
  private readonly pkt: CapturedPacket = newReaderPacket();
  private packets = 0;
  private bytes = 0;
  private truncated = 0;
  private started = false;
  private stopped = false;

  constructor(
    readonly device: string,
    private readonly handle: CapHandle,
    /** Referenced for the whole life of the capture: cap holds only a raw pointer to it. */
    readonly buffer: Buffer,
    readonly linkType: number,
  ) {
    this.pkt.data = buffer;
    this.pkt.linkType = linkType;
  }

  start(onPacket: (p: CapturedPacket) => void, onError?: (e: unknown) => void): void {
    if (this.stopped) throw new NetsieveError('NS_ERR_STATE', 'the live capture was started after stop()', { file: this.device });
    if (this.started) throw new NetsieveError('NS_ERR_STATE', 'the live capture is already started', { file: this.device });
    this.started = true;
    const pkt = this.pkt;
    this.handle.on('packet', (nbytes: number, truncated: boolean) => {
      if (this.stopped) return;
      // No timestamp from cap: the wall clock now, which libpcap's immediate mode keeps close to arrival.
      const ms = performance.timeOrigin + performance.now();
      const sec = Math.floor(ms / 1000);
      pkt.tsSec = sec;
      pkt.tsNsec = Math.floor((ms - sec * 1000) * 1000) * 1000;
      pkt.offset = 0;
      pkt.caplen = nbytes;
      pkt.origlen = nbytes;
      pkt.index = ++this.packets;
      this.bytes += nbytes;
      if (truncated) this.truncated++;
      try {
        onPacket(pkt);
      } catch (e) {
        // An exception must not unwind into libpcap's dispatch loop.
        this.stop();
        if (onError) onError(e);
        else
          process.nextTick(() => {
            throw e;
          });
      }
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.handle.close();
    } finally {
      // cap finishes the dispatch loop it may be inside before it lets go of the buffer: keep it a tick longer.
      setImmediate(() => {
        this.handle.removeAllListeners('packet');
        ACTIVE.delete(this);
      });
    }
  }

  stats(): LiveStats {
    return { packets: this.packets, bytes: this.bytes, truncated: this.truncated, dropped: null };
  }
}

/** cap names the DLT for a few link types and prints the number for the others. */
function linkTypeFromCap(name: string): number {
  switch (name) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'NULL':
      return LinkType.NULL;
    case 'RAW':
      return LinkType.RAW; // DLT_RAW is 12 or 14 depending on the OS; the file format value is 101
    case 'LINKTYPE_LINUX_SLL':
      return LinkType.LINUX_SLL;
    case 'IEEE802_11_RADIO':
      return 127;
  }
  const m = /Unknown linktype (\d+)/.exec(name);
  // DLT and LINKTYPE values agree above 104 (and for the common ones below); cap only reports the DLT.
  return m ? Number(m[1]) : -1;
}

/** Maps libpcap's open errors to netsieve codes by their wording (libpcap has no error numbers here). */
export function classifyOpenError(
  message: string,
  device: string,
  cause?: unknown,
  filter?: string,
  names?: string[] | null,
): NetsieveError {
  const where = { file: device };
  const opt = cause === undefined ? undefined : { cause };
  if (/permission|not permitted|operation not permitted|EPERM|EACCES|CAP_NET_RAW|access denied/i.test(message)) {
    return new NetsieveError(
      'NS_ERR_LIVE_PERMISSION',
      `no permission to capture on ${device} (${message}); ${PERMISSION_HINT}`,
      where,
      opt,
    );
  }
  if (
    filter &&
    /syntax error|parse|illegal|unknown (host|port|protocol)|filter|expression/i.test(message) &&
    !/device/i.test(message)
  ) {
    return new NetsieveError('NS_ERR_OPTION', `the capture filter "${filter}" is not valid BPF: ${message}`, where, opt);
  }
  if (/no such device|doesn't exist|does not exist|not up|SIOCGIF|unknown interface|no suitable device/i.test(message)) {
    const list = names && names.length > 0 ? `; available: ${names.join(', ')}` : '';
    return new NetsieveError('NS_ERR_LIVE_DEVICE', `cannot capture on ${device}: ${message}${list}`, where, opt);
  }
  if (/libpcap|cannot open shared object|undefined symbol/i.test(message)) {
    return new NetsieveError('NS_ERR_LIVE_UNAVAILABLE', `live capture is unavailable: ${message}; ${INSTALL_HINT}`, where, opt);
  }
  return new NetsieveError('NS_ERR_LIVE_DEVICE', `cannot capture on ${device}: ${message}`, where, opt);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!;
}
