/**
 * The public, read-only view of a flow handed to `onStream`: what a stream consumer may want to know about
 * its flow, without the engine's internal `Flow` (table slot, typed-array addresses, mutable counters).
 */
import type { EventEndpoints, EventTunnel, Timestamp } from '../events.js';
import type { Flow } from './flow.js';
import { endpointsOf, tunnelOf } from './flow-events.js';

export interface FlowView {
  /** The id the flow's events carry (`flowId`, EVE `flow_id`). */
  readonly flowId: number;
  /** Client as source, server as destination, as in events. */
  readonly endpoints: EventEndpoints;
  /** VLAN ids of the first packet, outermost first. */
  readonly vlan: readonly number[];
  /** The tunnel the flow was carried in (outermost), or null. */
  readonly tunnel: EventTunnel | null;
  /** Capture time of the flow's first packet. */
  readonly start: Timestamp;
  /** Application protocol once detected (null before, or when unknown). */
  readonly appProto: string | null;
}

/** A `FlowView` over a live flow: the fields are read when asked (valid until the flow's `flow` event). */
export class FlowViewOf implements FlowView {
  private cachedEndpoints: EventEndpoints | null = null;
  constructor(private readonly flow: Flow) {}

  /** @internal */
  get internal(): Flow {
    return this.flow;
  }

  get flowId(): number {
    return this.flow.id;
  }

  get endpoints(): EventEndpoints {
    return (this.cachedEndpoints ??= Object.freeze(endpointsOf(this.flow)));
  }

  get vlan(): readonly number[] {
    return this.flow.vlan;
  }

  get tunnel(): EventTunnel | null {
    return this.flow.tunnel === null ? null : tunnelOf(this.flow);
  }

  get start(): Timestamp {
    return { sec: this.flow.startSec, nsec: this.flow.startNsec };
  }

  get appProto(): string | null {
    return this.flow.appProto;
  }
}

/**
 * The engine's flow behind a view the engine made (internal: for tests that drive a second application
 * layer from `onStream`; not exported from the package).
 */
export function internalFlowOf(view: FlowView): Flow {
  if (!(view instanceof FlowViewOf)) throw new TypeError('not a flow view made by the engine');
  return view.internal;
}
