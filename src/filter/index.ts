/** tcpdump filter expressions, evaluated by netsieve itself on captured frames (no libpcap). */
export { compileFilter, PacketFilter, FILTER_LINK_TYPES } from './compile.js';
export { parseFilter, MAX_FILTER_LENGTH, MAX_FILTER_DEPTH } from './parse.js';
export type { FilterNode, PrimitiveNode } from './parse.js';
