/**
 * The libmodsecurity harness itself (harness.c, modsec.ts): values of any bytes get in and out whole, a chain
 * runs as a rule's `t:` actions do, operators answer match or not with TX.0, batching gives the answers one
 * transaction at a time gives, and a rule set libmodsecurity refuses is an error, never a skip.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  modsecHarness,
  modsecOperator,
  modsecOperatorMany,
  modsecTransform,
  modsecTransformChains,
  modsecTransformJobs,
  runModsec,
} from './modsec.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const show = (v: Uint8Array | null): string => (v === null ? 'null' : Buffer.from(v).toString('latin1'));

describe('the libmodsecurity harness (needs libmodsecurity-dev and a C compiler)', () => {
  let harness: ReturnType<typeof modsecHarness>;
  beforeAll(() => {
    harness = modsecHarness();
  });

  it('says which libmodsecurity it runs', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    expect(harness.ok && harness.version).toMatch(/^ModSecurity v3\.\d+\.\d+/);
  });

  it('a value of any bytes, empty or 64 KiB, with NULs, CR, LF and high bytes, comes back whole through t:none', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
    const inputs = [new Uint8Array(0), all, big, b('\r\n'), b('\n'), b('a\0b')];
    const out = modsecTransformJobs([{ chain: [], inputs }])[0]!;
    inputs.forEach((v, i) => {
      expect(Buffer.compare(Buffer.from(out[i]!), Buffer.from(v)), `input ${i}`).toBe(0);
    });
  });

  it('a chain runs in order, with none resetting it, as in a rule', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    expect(show(modsecTransform(['urlDecode', 'urlDecode', 'lowercase'], b('%2541%20B')))).toBe('a b');
    expect(show(modsecTransform(['t:urlDecode', 't:none', 't:lowercase'], b('%2541%20B')))).toBe('%2541%20b');
  });

  it('many chains in one transaction give what one chain per rule set gives', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    const chains = [['urlDecodeUni'], ['htmlEntityDecode', 'lowercase'], [], ['length'], ['md5']];
    const inputs = [b(''), b('%41&lt;X'), b('\0\xff')];
    const batched = modsecTransformChains(chains, inputs);
    const single = modsecTransformJobs(chains.map((chain) => ({ chain, inputs })));
    expect(batched.map((r) => r.map(show))).toEqual(single.map((r) => r.map(show)));
  });

  it('operators: match, no match, negation, TX.0 after capture, transformations first', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    const rx = modsecOperatorMany('@rx', 'a(b+)c', [b('xabbbc'), b('ac')]);
    expect(rx.map((r) => r.matched)).toEqual([true, false]);
    expect(show(rx[0]!.capture)).toBe('abbbc');
    expect(rx[1]!.capture).toBeNull();
    expect(modsecOperatorMany('!@rx', '^a', [b('abc'), b('xbc')]).map((r) => r.matched)).toEqual([false, true]);
    expect(modsecOperator('rx', '^x', b('xy'))).toBe(true);
    // ModSecurity 3.0.9 keeps the backslash of an escaped quote in an operator's parameter.
    expect(modsecOperatorMany('@streq', 'a"b', [b('a"b'), b('a\\"b')]).map((r) => r.matched)).toEqual([false, true]);
    expect(modsecOperator('@streq', '<script>', b('%3Cscript%3E'))).toBe(false);
    expect(modsecOperator('@streq', '<script>', b('%3Cscript%3E'), ['urlDecodeUni'])).toBe(true);
    expect(modsecOperatorMany('@validateByteRange', '32-126', [b('abc'), b('a\x01c')]).map((r) => r.matched)).toEqual([
      false,
      true,
    ]);
    expect(modsecOperator('@pm', 'foo bar', b('xxBARxx'))).toBe(true);
    const sqli = modsecOperatorMany('@detectSQLi', '', [b("1' or 1=1--"), b('hello world')]);
    expect(sqli.map((r) => r.matched)).toEqual([true, false]);
    expect(show(sqli[0]!.capture)).toBe('s&1c'); // libinjection's fingerprint
    expect(modsecOperatorMany('@detectXSS', '', [b('<script>alert(1)</script>'), b('hello')]).map((r) => r.matched)).toEqual([
      true,
      false,
    ]);
  });

  it('a rule set libmodsecurity refuses is an error with its message', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    expect(() => runModsec([{ rules: 'SecRule ARGS "@rx x" "id:1,nosuchaction"', inputs: [b('a')] }])).toThrow(
      /refused the rule set/,
    );
    expect(() => modsecTransform(['nosuchtransformation'], b('a'))).toThrow(/refused the rule set/);
  });
});
