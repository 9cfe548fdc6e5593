/**
 * DLP sensors as signatures: each sensor chosen with the `dlp` option alerts as a rule of netsieve's own
 * (gid `DLP_GID`, sid = the sensor's place in `DLP_SENSORS` + 1), so that its alerts carry everything an
 * alert has (signature, category, severity) and go through the same thresholds, counters and outputs.
 * Where the sensors look: `DLP_PLACES` (decoded URIs, headers, bodies), and the raw stream of TCP flows whose
 * application is not identified or whose records are their bytes as sent (`DLP_ON_STREAM`: Redis).
 */
import type { BufferDirection } from '../protocols/module.js';
import { DLP_SENSORS } from './dlp/sensors.js';
import { STAGE_TECHNIQUES, mitreMetadata } from '../threats/attack.js';
import { parseRule } from './rules/load.js';
import type { Signature } from './signatures.js';

/** The generator id of DLP alerts (`alert.gid`). */
export const DLP_GID = 7;

/** The buffers DLP sensors read, per protocol and direction (netsieve's buffer names). */
export const DLP_PLACES: Readonly<Record<string, readonly { buffer: string; direction: BufferDirection }[]>> = {
  http: [
    { buffer: 'http.uri', direction: 'to_server' },
    { buffer: 'http.header', direction: 'to_server' },
    { buffer: 'http.cookie', direction: 'to_server' },
    { buffer: 'http.request_body', direction: 'to_server' },
    { buffer: 'http.header.to_client', direction: 'to_client' },
    { buffer: 'file.data', direction: 'to_client' },
  ],
};

/**
 * Protocols whose records hold their bytes as sent (no decoding to undo): the sensors read the stream
 * itself, one scan per delivered chunk, instead of a scan per record. Redis commands and replies are RESP on
 * the wire, so a value in an argument or a reply is in the stream as it is; a pipelined connection carries
 * hundreds of thousands of records, and a scan per record cost far more than a scan per chunk.
 */
export const DLP_ON_STREAM: ReadonlySet<string> = new Set(['redis']);

/**
 * Sensitive data in traffic is exfiltration in ATT&CK (T1041 over the channel in use, T1048 over another
 * protocol): the sensors' rules carry the `mitre_*` metadata ET Open rules do, so their alerts do too.
 */
const DLP_MITRE = (() => {
  const md = mitreMetadata(STAGE_TECHNIQUES.find((s) => s.source === 'dlp')?.techniques ?? []);
  const pairs: string[] = [];
  for (const [key, values] of Object.entries(md)) for (const v of values as string[]) pairs.push(`${key} ${v}`);
  return pairs.length > 0 ? `metadata:${pairs.join(', ')}; ` : '';
})();

/**
 * One signature per DLP sensor, in `DLP_SENSORS` order (index = sid - 1): written as the rule a user would
 * write and read by the rule parser, so that it is a rule like any other.
 */
export function dlpSignatures(): Signature[] {
  return DLP_SENSORS.map((sensor, k) => {
    const msg = `netsieve DLP: ${sensor.name.replace(/_/g, ' ')} in clear text`;
    const rule = parseRule(
      `alert ip any any -> any any (msg:"${msg}"; dlp:${sensor.name}; classtype:policy-violation; ${DLP_MITRE}gid:${DLP_GID}; sid:${k + 1}; rev:1;)`,
      { file: '<dlp>', line: k + 1 },
    );
    return {
      index: -1,
      rule,
      kind: 'payload',
      evaluations: [],
      programs: [],
      ipOnly: false,
      negatedSingleFastPattern: false,
      appProto: null,
      blocks: false,
      category: 'Potential Corporate Privacy Violation',
    } satisfies Signature;
  });
}
