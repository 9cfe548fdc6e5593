/**
 * What the HTTP parser finds in a capture against tshark's truth, and the differences that remain, each
 * with its reason. Shared by truth.test.ts (every TCP flow fed to the parser) and engine.test.ts (through
 * the engine: probe, detection, parser).
 */
import type { HttpTransaction } from '../../../src/protocols/http/events.js';

export interface TruthHttp {
  http_requests?: { method: string; host: string | null; uri: string }[];
  http_responses?: { code: number }[];
}

/**
 * Known differences, per capture: request keys (`METHOD host uri`) or status codes that one side has and
 * the other has not, with the reason.
 */
const SSDP = 'SSDP (HTTP over UDP, port 1900) is not TCP: the HTTP module parses TCP streams only.';
export const KNOWN: Record<
  string,
  { onlyOurs?: string[]; onlyTshark?: string[]; codesOnlyOurs?: number[]; codesOnlyTshark?: number[]; why: string }
> = {
  'ndpi_1kxun.pcap': {
    onlyTshark: ['M-SEARCH 239.255.255.250:1900 *', 'NOTIFY 239.255.255.250:1900 *', 'NOTIFY [FF02::C]:1900 *'],
    codesOnlyOurs: [206],
    why: `${SSDP} The 206 response is cut by the end of the capture: tshark lists a response only once its body is whole; netsieve records it (http.message_truncated).`,
  },
  'ndpi_netflix.pcap': { onlyTshark: ['M-SEARCH 239.255.255.250:1900 *'], why: SSDP },
  'ndpi_WebattackRCE.pcap': {
    onlyOurs: ['GET 127.0.0.1 /cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download'],
    onlyTshark: ['GET 127.0.0.1 /cgi-bin/handler/netsonar;cat'],
    why:
      'The target contains spaces (`GET /cgi-bin/...;cat /etc/passwd|?data=Download HTTP/1.1`). tshark cuts it at the first SP; ' +
      'netsieve reads up to the last SP before the version, as lenient servers do, so that inspection sees the whole attack (http.request_line_whitespace).',
  },
  'ndpi_fuzz-2006-09-29-28586.pcap': {
    onlyOurs: [
      'GET 172.20.3.13 /servlets/mms?message-id=189001',
      'GET 172.20.3.13 /servlets/mms?message-id=189301',
      'POST %s\u00002.20.3.5 /ppgctrl/ppgcontrollogic.dll',
      'POST 172.20.3.13 /servlets/mms',
    ],
    onlyTshark: ['POST %s /ppgctrl/ppgcontrollogic.dll'],
    codesOnlyOurs: [202],
    why:
      'A fuzzed capture. Three requests have segments missing inside their header section or are cut by the end of the capture: ' +
      'tshark lists only fully reassembled messages, netsieve records what it saw (http.gap_cut_message, http.message_truncated). ' +
      'A Host value holds a NUL byte: tshark stops the string there, netsieve keeps every byte (http.invalid_header_value). ' +
      'The 202 response is in a stream whose request bytes are mostly missing (gaps) and whose header section has a bare CR: ' +
      'tshark does not list it; netsieve records it as a response without a request (http.response_without_request, http.bare_cr).',
  },
  'zeek_http-methods.pcap': {
    onlyTshark: ['OPTIONS www.google.com '],
    why: '`OPTIONS \r\n` has no request-target: not a request line for netsieve (http.bad_request_line); tshark reports an empty URI.',
  },
};

const reqKey = (method: string, host: string | null, uri: string): string => `${method} ${host ?? '-'} ${uri}`;

export interface Differences {
  onlyOurs: string[];
  onlyTshark: string[];
  codesOnlyOurs: number[];
  codesOnlyTshark: number[];
}

/** Requests as (method, Host field, uri) and status codes (interim ones included), ours against tshark's. */
export function differences(records: readonly HttpTransaction[], truth: TruthHttp): Differences {
  const theirs = new Set((truth.http_requests ?? []).map((r) => reqKey(r.method, r.host, r.uri)));
  const ours = new Set<string>();
  for (const r of records) {
    if (r.method === null || r.uri === null) continue;
    // tshark's host is the Host field as sent (not the authority of an absolute-form target).
    const host = r.requestHeaders.find((h) => h.name.toLowerCase() === 'host')?.value ?? null;
    ours.add(reqKey(r.method, host, r.uri));
  }
  const theirCodes = new Set((truth.http_responses ?? []).map((r) => r.code));
  const ourCodes = new Set<number>();
  for (const r of records) {
    if (r.status !== null) ourCodes.add(r.status);
    for (const s of r.interimStatuses) ourCodes.add(s);
  }
  return {
    onlyOurs: [...ours].filter((x) => !theirs.has(x)).sort(),
    onlyTshark: [...theirs].filter((x) => !ours.has(x)).sort(),
    codesOnlyOurs: [...ourCodes].filter((x) => !theirCodes.has(x)).sort(),
    codesOnlyTshark: [...theirCodes].filter((x) => !ourCodes.has(x)).sort(),
  };
}

/** The differences expected for a capture (none unless listed in KNOWN). */
export function expectedDifferences(file: string): Differences {
  const k = KNOWN[file];
  return {
    onlyOurs: k?.onlyOurs ?? [],
    onlyTshark: k?.onlyTshark ?? [],
    codesOnlyOurs: k?.codesOnlyOurs ?? [],
    codesOnlyTshark: k?.codesOnlyTshark ?? [],
  };
}

/**
 * Captures where, through the engine, detection (src/protocols/identify.ts) rather than the parser decides
 * what is found: there the engine may find less than the direct test, never anything else.
 */
export const ENGINE_PARTIAL: Record<string, string> = {
  'ndpi_fuzz-2006-09-29-28586.pcap':
    'A fuzzed capture whose flows are seen from the middle (stream.midstream) or lack their first segments: ' +
    'whether detection hands such a flow to a parser is its own policy, so the engine may parse fewer of them than ' +
    'the direct test, which feeds every flow.',
};
