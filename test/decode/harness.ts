/**
 * Shared by the decode tests: a decoder with test-friendly options, and a one-call decode that returns the
 * packet with its layers and anomalies as names (so assertions read like the wire condition).
 */
import { Decoder } from '../../src/decode/decoder.js';
import { DECODE_ANOMALIES } from '../../src/decode/events.js';
import { DecodedPacket, LAYER_NAMES } from '../../src/decode/packet.js';
import { formatAddress } from '../../src/decode/address.js';
import { defaultOptions, type DecodeOptions, type FragmentOptions } from '../../src/options.js';

export function makeDecoder(decode: Partial<DecodeOptions> = {}, fragments: Partial<FragmentOptions> = {}): Decoder {
  const o = defaultOptions();
  return new Decoder({ decode: { ...o.decode, ...decode }, fragments: { ...o.fragments, ...fragments } });
}

export interface Decoded {
  ok: boolean;
  p: DecodedPacket;
  anomalies: string[];
  layers: string[];
  src: string;
  dst: string;
}

export interface DecodeCall {
  linkType?: number;
  /** Bytes captured (default: all); the wire length stays `wireLen` (default: the whole packet). */
  caplen?: number;
  wireLen?: number;
  tsSec?: number;
  decoder?: Decoder;
  out?: DecodedPacket;
}

export function decode(bytes: Uint8Array, call: DecodeCall = {}): Decoded {
  const d = call.decoder ?? makeDecoder();
  const p = call.out ?? new DecodedPacket();
  const caplen = call.caplen ?? bytes.length;
  const ok = d.decode(bytes, 0, caplen, call.wireLen ?? bytes.length, call.linkType ?? 1, call.tsSec ?? 1000, 0, p);
  return describePacket(ok, p);
}

export function describePacket(ok: boolean, p: DecodedPacket): Decoded {
  return {
    ok,
    p,
    anomalies: anomalyNames(p),
    layers: Array.from(p.layers.subarray(0, p.layerCount), (l) => LAYER_NAMES[l]!),
    src: p.ipVersion === 0 ? '' : formatAddress(p.src, p.ipVersion),
    dst: p.ipVersion === 0 ? '' : formatAddress(p.dst, p.ipVersion),
  };
}

export function anomalyNames(p: DecodedPacket): string[] {
  return Array.from(p.anomalies.subarray(0, p.anomalyCount), (a) => DECODE_ANOMALIES[a]!);
}

/** The payload bytes the packet points at, as text (for readable assertions). */
export function payloadText(p: DecodedPacket): string {
  return new TextDecoder().decode(p.data.subarray(p.payloadOffset, p.payloadOffset + p.payloadLen));
}
