import { readFileSync } from 'node:fs';
// TEMPORARY (lead's stand-in until the policyfile branch lands; not committed)
import { parseAddress } from '../decode/address.js';
import { NetsieveError } from '../errors.js';
import type { PolicyAction, PolicyDocument, PolicyMode, PolicyProblem } from './types.js';
export interface Cidr {
  version: 4 | 6;
  words: readonly [number, number, number, number];
  prefix: number;
  text: string;
}
export interface FqdnPattern {
  name: string;
  wildcard: boolean;
  text: string;
}
export interface PortRange {
  proto: number;
  lo: number;
  hi: number;
  text: string;
}
export interface ParsedGroup {
  name: string;
  cidrs: Cidr[];
  fqdns: FqdnPattern[];
}
export interface ParsedRule {
  id: string;
  index: number;
  from: string;
  to: string;
  ports: PortRange[] | null;
  apps: string[] | null;
  action: PolicyAction;
}
export interface ParsedPolicy {
  mode: PolicyMode;
  defaultAction: PolicyAction;
  groups: Map<string, ParsedGroup>;
  rules: ParsedRule[];
}
export function parseCidrLoose(t: string): Cidr {
  const [a, p] = t.split('/');
  const w = new Uint32Array(4);
  const v = parseAddress(a!, w);
  if (v === 0) throw new NetsieveError('NS_ERR_OPTION', `bad cidr ${t}`);
  return {
    version: v as 4 | 6,
    words: [w[0]!, w[1]!, w[2]!, w[3]!],
    prefix: p === undefined ? (v === 4 ? 32 : 128) : Number(p),
    text: t,
  };
}
export function checkPolicy(doc: unknown): { policy: ParsedPolicy | null; problems: PolicyProblem[] } {
  return { policy: parsePolicy(doc), problems: [] };
}
export function parsePolicy(doc: unknown): ParsedPolicy {
  const d = doc as PolicyDocument;
  const groups = new Map<string, ParsedGroup>();
  for (const [name, g] of Object.entries(d.groups ?? {})) {
    groups.set(name, {
      name,
      cidrs: (g.cidrs ?? []).map(parseCidrLoose),
      fqdns: (g.fqdns ?? []).map((f) => ({ name: f.replace(/^\*\./, '').toLowerCase(), wildcard: f.startsWith('*.'), text: f })),
    });
  }
  const protos: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 };
  const rules = (d.rules ?? []).map((r, index) => ({
    id: r.id,
    index,
    from: r.from,
    to: r.to,
    action: r.action,
    apps: r.apps ?? null,
    ports:
      r.ports === undefined
        ? null
        : r.ports.map((p) => {
            const [t, range] = p.split('/');
            const proto = t === 'ip' ? Number(range) : protos[t!]!;
            if (range === undefined || t === 'ip') return { proto, lo: 0, hi: 65535, text: p };
            const [lo, hi] = range.split('-');
            return { proto, lo: Number(lo), hi: Number(hi ?? lo), text: p };
          }),
  }));
  return { mode: d.mode ?? 'monitor', defaultAction: d.default ?? 'deny', groups, rules };
}
export function readPolicyFile(path: string): unknown {
  // eslint-disable-next-line

  return JSON.parse(require('node:fs').readFileSync(path, 'utf8'));
}
