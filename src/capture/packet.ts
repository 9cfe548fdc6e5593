/**
 * The packet as a capture source hands it over: a window into a buffer the source owns and reuses.
 *
 * Lifetime: a `CapturedPacket` given to a callback is valid during that call only. The reader reuses
 * both the object and the buffer behind `data` for the next packet; copy what you keep.
 */
export interface CapturedPacket {
  /** Buffer that holds the packet; the packet is `data[offset, offset + caplen)`. */
  data: Uint8Array;
  offset: number;
  /** Bytes captured (may be less than `origlen` when the snaplen cut the packet). */
  caplen: number;
  /** Length of the packet on the wire. */
  origlen: number;
  /** Capture time: whole seconds since the Unix epoch, and nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** Link-layer header type (`LINKTYPE_*`, the tcpdump.org registry). */
  linkType: number;
  /** Interface index within the capture (pcapng IDB order; 0 for classic pcap and live capture). */
  interfaceIndex: number;
  /** 1-based index of the packet within its source. */
  index: number;
  /** Byte offset of the packet's record within the source (for error messages). */
  fileOffset: number;
  /**
   * Bytes of frame check sequence at the end of `data[offset, offset + caplen)` when the capture says
   * so (classic pcap: the FCS bits of the link type field; pcapng: `if_fcslen`); 0 when there is none
   * or the capture does not say. netsieve's readers always set it.
   */
  fcsLength?: number;
}

/** A packet a library user hands to `engine.process()`. `CapturedPacket` satisfies it. */
export interface PacketInput {
  data: Uint8Array;
  /** Defaults to 0. */
  offset?: number;
  /** Defaults to `data.length - offset`. */
  caplen?: number;
  /** Defaults to `caplen`. */
  origlen?: number;
  /** Defaults to the time of the call. */
  tsSec?: number;
  tsNsec?: number;
  /** Defaults to Ethernet. */
  linkType?: number;
}

/** Link-layer header types netsieve decodes (values from tcpdump.org's LINKTYPE registry). */
export const LinkType = {
  NULL: 0, // BSD loopback: 4-byte address family in host byte order
  ETHERNET: 1,
  RAW: 101, // raw IPv4 or IPv6, version from the first nibble
  LOOP: 108, // OpenBSD loopback: 4-byte address family in network byte order
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** Old DLT values some writers put in the file header for raw IP (tcpdump maps these to RAW). */
export const LINKTYPE_RAW_ALIASES: readonly number[] = [12, 14];

/** A fresh packet object with every field zeroed; readers fill one and reuse it. */
export function emptyCapturedPacket(): CapturedPacket {
  return {
    data: new Uint8Array(0),
    offset: 0,
    caplen: 0,
    origlen: 0,
    tsSec: 0,
    tsNsec: 0,
    linkType: LinkType.ETHERNET,
    interfaceIndex: 0,
    index: 0,
    fileOffset: 0,
  };
}
