/**
 * The policy benchmark's document (bench/policy.bench.ts): 1,000 rules over 300 CIDR groups and 100 name
 * groups of 100 names each (10,000 FQDN entries), deterministic. Every rule but the last misses ordinary
 * traffic (blocks in 172.16/12 and 2001:db8::/32, made-up names), so each decision walks the whole list; the
 * last allows everything.
 */
import type { PolicyDocument } from '../src/index.js';

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1,000 rules over 300 CIDR groups (blocks the capture does not use) and 100 name groups of 100 names each. */
export function largePolicy(): PolicyDocument {
  const r = rng(11);
  const int = (n: number) => Math.floor(r() * n);
  const groups: NonNullable<PolicyDocument['groups']> = {};
  for (let g = 0; g < 300; g++) {
    const cidrs: string[] = [];
    for (let k = 0; k < 4; k++) {
      if (r() < 0.7) cidrs.push(`172.${16 + int(16)}.${int(256)}.0/${24 + int(5)}`);
      else cidrs.push(`2001:db8:${int(65536).toString(16)}:${int(65536).toString(16)}::/64`);
    }
    groups[`net-${g}`] = { cidrs };
  }
  for (let g = 0; g < 100; g++) {
    const fqdns: string[] = [];
    for (let k = 0; k < 100; k++)
      fqdns.push(`${r() < 0.5 ? '*.' : ''}svc${g}-${k}.${['example.com', 'example.net', 'corp.example'][int(3)]}`);
    groups[`names-${g}`] = { fqdns };
  }
  groups.everyone = { cidrs: ['0.0.0.0/0', '::/0'] };
  const names = Object.keys(groups).filter((n) => n !== 'everyone');
  const rules: NonNullable<PolicyDocument['rules']> = [];
  for (let i = 0; i < 999; i++) {
    const rule: NonNullable<PolicyDocument['rules']>[number] = {
      id: `r${i}`,
      from: names[int(names.length)]!,
      to: names[int(names.length)]!,
      action: r() < 0.5 ? 'allow' : 'deny',
    };
    if (r() < 0.6) rule.ports = [`tcp/${1 + int(60000)}`, `udp/${1 + int(60000)}-${60001 + int(5000)}`];
    if (r() < 0.3) rule.apps = [['http', 'tls', 'dns', 'redis'][int(4)]!];
    rules.push(rule);
  }
  rules.push({ id: 'allow-rest', from: 'everyone', to: 'everyone', action: 'allow' });
  return { mode: 'monitor', default: 'deny', groups, rules };
}
