/**
 * Classtypes: the name a rule's `classtype` refers to, its description (EVE's `alert.category`) and its
 * priority (EVE's `alert.severity` unless the rule sets `priority`).
 *
 * The built-in table is the content of the classification.config Suricata 7 ships. A file in the same format
 * (`config classification: name,description,priority`) replaces or extends entries, as Suricata reads it.
 */
import { NetsieveError } from '../../errors.js';

export interface Classtype {
  name: string;
  description: string;
  /** 1 (most severe) to 255. */
  priority: number;
}

/** Suricata 7's classification.config: name, description, priority. */
const BUILT_IN: readonly [string, string, number][] = [
  ['not-suspicious', 'Not Suspicious Traffic', 3],
  ['unknown', 'Unknown Traffic', 3],
  ['bad-unknown', 'Potentially Bad Traffic', 2],
  ['attempted-recon', 'Attempted Information Leak', 2],
  ['successful-recon-limited', 'Information Leak', 2],
  ['successful-recon-largescale', 'Large Scale Information Leak', 2],
  ['attempted-dos', 'Attempted Denial of Service', 2],
  ['successful-dos', 'Denial of Service', 2],
  ['attempted-user', 'Attempted User Privilege Gain', 1],
  ['unsuccessful-user', 'Unsuccessful User Privilege Gain', 1],
  ['successful-user', 'Successful User Privilege Gain', 1],
  ['attempted-admin', 'Attempted Administrator Privilege Gain', 1],
  ['successful-admin', 'Successful Administrator Privilege Gain', 1],
  ['rpc-portmap-decode', 'Decode of an RPC Query', 2],
  ['shellcode-detect', 'Executable code was detected', 1],
  ['string-detect', 'A suspicious string was detected', 3],
  ['suspicious-filename-detect', 'A suspicious filename was detected', 2],
  ['suspicious-login', 'An attempted login using a suspicious username was detected', 2],
  ['system-call-detect', 'A system call was detected', 2],
  ['tcp-connection', 'A TCP connection was detected', 4],
  ['trojan-activity', 'A Network Trojan was detected', 1],
  ['unusual-client-port-connection', 'A client was using an unusual port', 2],
  ['network-scan', 'Detection of a Network Scan', 3],
  ['denial-of-service', 'Detection of a Denial of Service Attack', 2],
  ['non-standard-protocol', 'Detection of a non-standard protocol or event', 2],
  ['protocol-command-decode', 'Generic Protocol Command Decode', 3],
  ['web-application-activity', 'access to a potentially vulnerable web application', 2],
  ['web-application-attack', 'Web Application Attack', 1],
  ['misc-activity', 'Misc activity', 3],
  ['misc-attack', 'Misc Attack', 2],
  ['icmp-event', 'Generic ICMP event', 3],
  ['inappropriate-content', 'Inappropriate Content was Detected', 1],
  ['policy-violation', 'Potential Corporate Privacy Violation', 1],
  ['default-login-attempt', 'Attempt to login by a default username and password', 2],
  ['targeted-activity', 'Targeted Malicious Activity was Detected', 1],
  ['exploit-kit', 'Exploit Kit Activity Detected', 1],
  ['external-ip-check', 'Device Retrieving External IP Address Detected', 2],
  ['domain-c2', 'Domain Observed Used for C2 Detected', 1],
  ['pup-activity', 'Possibly Unwanted Program Detected', 2],
  ['credential-theft', 'Successful Credential Theft Detected', 1],
  ['social-engineering', 'Possible Social Engineering Attempted', 2],
  ['coin-mining', 'Crypto Currency Mining Activity Detected', 2],
  ['command-and-control', 'Malware Command and Control Activity Detected', 1],
];

/** The built-in classtypes, by name. */
export function builtInClasstypes(): Map<string, Classtype> {
  return new Map(BUILT_IN.map(([name, description, priority]) => [name, { name, description, priority }]));
}

/** Most entries a classification file may hold. */
export const MAX_CLASSTYPES = 4096;

/**
 * Reads a classification.config text into `into` (entries with the same name are replaced). Comments (`#`)
 * and blank lines are skipped; any other line that is not `config classification: name,description,priority`
 * is an NS_ERR_CONFIG error naming the file and line.
 */
export function parseClassificationConfig(text: string, file: string, into = builtInClasstypes()): Map<string, Classtype> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^config\s+classification\s*:\s*(.*)$/i.exec(line);
    const fields = m ? m[1]!.split(',').map((f) => f.trim()) : [];
    const bad = (why: string) => new NetsieveError('NS_ERR_CONFIG', `line ${i + 1}: ${why}: ${line}`, { file });
    if (!m || fields.length !== 3) throw bad('expected "config classification: name,description,priority"');
    const [name, description, prio] = fields as [string, string, string];
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw bad(`"${name}" is not a classtype name`);
    if (!/^\d{1,3}$/.test(prio) || Number(prio) < 1 || Number(prio) > 255) throw bad(`priority "${prio}" is not 1 to 255`);
    if (!into.has(name.toLowerCase()) && into.size >= MAX_CLASSTYPES) throw bad(`more than ${MAX_CLASSTYPES} classtypes`);
    into.set(name.toLowerCase(), { name, description, priority: Number(prio) });
  }
  return into;
}
