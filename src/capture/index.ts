/**
 * The capture stage: packet sources (pcap and pcapng readers over files, stdin, streams and memory;
 * live interfaces through the optional `cap` package) and sinks (pcap and pcapng writers).
 */
export { openCapture, openCaptureSync, readAllPackets, copyPacket } from './reader.js';
export type { CaptureInput, CaptureReader, SyncCaptureReader, OpenCaptureOptions, RecordedPacket } from './reader.js';
export { DEFAULT_CHUNK_SIZE } from './input-buffer.js';
export { PcapReader, PCAP_MAX_PLAUSIBLE_CAPLEN, PCAP_HARD_MAX_CAPLEN } from './pcap-reader.js';
export { PcapngReader, PCAPNG_MAX_BLOCK, PCAPNG_MAX_INTERFACES } from './pcapng-reader.js';
export type { PcapngInterface } from './pcapng-reader.js';
export { PcapWriter, PcapngWriter } from './pcap-writer.js';
export type { CaptureSink, PcapWriterOptions, PcapngWriterOptions, PcapngInterfaceOptions } from './pcap-writer.js';
export { openLive, listDevices } from './live.js';
export type { LiveCapture, LiveOptions, LiveStats, LiveDevice } from './live.js';
export { CAPTURE_ANOMALIES, CaptureAnomaly, captureAnomalyCounts } from './events.js';
export type { CaptureAnomalyName } from './events.js';
export { LinkType, LINKTYPE_RAW_ALIASES, emptyCapturedPacket } from './packet.js';
export type { CapturedPacket, PacketInput } from './packet.js';
