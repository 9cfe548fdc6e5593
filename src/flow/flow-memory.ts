/**
 * What the flow table's memory cap (`flow.memcap`) counts, and the emergency state it drives.
 *
 * JavaScript cannot measure an object's size, so each stage of a flow's life accounts a fixed estimate,
 * measured (heap growth over 65,536 flows after a forced GC, bench/flow.bench.ts) and rounded up; the
 * table's own arrays (`FlowTable.fixedBytes`, ~6 MB at the default 65,536 flows) count from the start:
 *
 * - `FLOW_BYTES`: an embryonic flow: the `Flow` and its `TcpSession` handshake tracker (no reassemblers yet;
 *   its 16 words of state in a shared `TcpStateSlab`);
 * - `STREAM_STATE_BYTES`: the two reassemblers a TCP flow gets with its first byte (their buffers count
 *   under `tcp.memcap`);
 * - `APP_STATE_BYTES`: the application layer's per-flow state (detector, parser) that comes with it.
 *
 * Emergency mode, as Suricata's: entered when a new flow or a flow's first data would pass the cap
 * (reported once per episode as `flow.memcap_reached`), in which flows are evicted to make room; left when
 * usage is back under `EMERGENCY_RECOVERY` of the cap.
 */

/** Accounted bytes of an embryonic flow (measured ~650 B: a `Flow` and a SYN-only TCP session). */
export const FLOW_BYTES = 704;
/** Accounted bytes of a TCP flow's two reassemblers, from its first data (measured ~1.05 KB). */
export const STREAM_STATE_BYTES = 1152;
/** Accounted bytes of the application layer's state of a flow (detector and parser; measured ~1.3 KB). */
export const APP_STATE_BYTES = 1536;
/** Emergency mode ends when usage falls below this share of the cap. */
export const EMERGENCY_RECOVERY = 0.8;

export interface FlowMemoryStats {
  /** Bytes accounted now: the table's fixed arrays plus every flow's state. */
  used: number;
  peak: number;
  memcap: number;
  /** Times the cap would have been passed (each made room by eviction). */
  memcapHits: number;
  /** Flows evicted to stay under the cap (embryonic first). */
  memcapEvictions: number;
  /** Emergency episodes entered (each reported once as `flow.memcap_reached`). */
  emergencies: number;
  /** In emergency mode now. */
  emergency: boolean;
}

export class FlowMemory {
  readonly memcap: number;
  used: number;
  peak: number;
  memcapHits = 0;
  memcapEvictions = 0;
  emergencies = 0;
  emergency = false;

  /** `fixedBytes`: what the table holds whatever its load (its typed arrays), counted from the start. */
  constructor(memcap: number, fixedBytes: number) {
    this.memcap = memcap;
    this.used = this.peak = fixedBytes;
  }

  /** Whether `bytes` more fit under the cap. */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.memcap;
  }

  add(bytes: number): void {
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  release(bytes: number): void {
    this.used -= bytes;
    if (this.emergency && this.used < this.memcap * EMERGENCY_RECOVERY) this.emergency = false;
  }

  /** The cap was hit; returns true when this starts an emergency episode (to be reported). */
  hit(): boolean {
    this.memcapHits++;
    if (this.emergency) return false;
    this.emergency = true;
    this.emergencies++;
    return true;
  }

  snapshot(): FlowMemoryStats {
    return {
      used: this.used,
      peak: this.peak,
      memcap: this.memcap,
      memcapHits: this.memcapHits,
      memcapEvictions: this.memcapEvictions,
      emergencies: this.emergencies,
      emergency: this.emergency,
    };
  }
}
