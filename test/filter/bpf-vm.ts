/**
 * A classic BPF interpreter for the differential tests: it runs the program libpcap compiled
 * (`tcpdump -ddd 'expr'`) on a packet, as the kernel or `pcap_offline_filter` would, so that one `tcpdump`
 * per (link type, expression) gives libpcap's verdict on every packet of every capture. The test checks it
 * against real `tcpdump -r file -w -` runs too.
 */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Parses `tcpdump -ddd` output: a count line, then `code jt jf k` per instruction. */
export function parseDdd(text: string): BpfInsn[] {
  const lines = text.trim().split('\n');
  const n = Number(lines[0]);
  const prog: BpfInsn[] = [];
  for (let i = 1; i <= n; i++) {
    const [code, jt, jf, k] = lines[i]!.trim().split(/\s+/).map(Number);
    prog.push({ code: code!, jt: jt!, jf: jf!, k: k! >>> 0 });
  }
  if (prog.length !== n) throw new Error(`bad -ddd output: ${text}`);
  return prog;
}

/** Runs `prog` on `data[0, caplen)` with wire length `wirelen`; returns the program's return value (0 = reject). */
export function runBpf(prog: BpfInsn[], data: Uint8Array, caplen: number, wirelen: number): number {
  let a = 0;
  let x = 0;
  const mem = new Uint32Array(16);
  const load = (off: number, size: number): number | null => {
    if (off < 0 || off + size > caplen) return null;
    if (size === 1) return data[off]!;
    if (size === 2) return (data[off]! << 8) | data[off + 1]!;
    return ((data[off]! << 24) | (data[off + 1]! << 16) | (data[off + 2]! << 8) | data[off + 3]!) >>> 0;
  };
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    const cls = code & 0x07;
    switch (cls) {
      case 0x00: // LD
      case 0x01: {
        // LDX
        const size = [4, 2, 1][(code & 0x18) >> 3] ?? 4;
        const mode = code & 0xe0;
        let v: number | null;
        if (mode === 0x00) v = k;
        else if (mode === 0x20) v = load(k, size);
        else if (mode === 0x40) v = load((x + k) >>> 0, size);
        else if (mode === 0x60) v = mem[k & 15]!;
        else if (mode === 0x80) v = wirelen;
        else if (mode === 0xa0) {
          const b = load(k, 1);
          v = b === null ? null : (b & 0x0f) << 2;
        } else throw new Error(`unknown load mode ${code}`);
        if (v === null) return 0;
        if (cls === 0) a = v >>> 0;
        else x = v >>> 0;
        break;
      }
      case 0x02:
        mem[k & 15] = a;
        break;
      case 0x03:
        mem[k & 15] = x;
        break;
      case 0x04: {
        const src = code & 0x08 ? x : k;
        switch (code & 0xf0) {
          case 0x00:
            a = (a + src) >>> 0;
            break;
          case 0x10:
            a = (a - src) >>> 0;
            break;
          case 0x20:
            a = Math.imul(a, src) >>> 0;
            break;
          case 0x30:
            if (src === 0) return 0;
            a = Math.floor(a / src) >>> 0;
            break;
          case 0x40:
            a = (a | src) >>> 0;
            break;
          case 0x50:
            a = (a & src) >>> 0;
            break;
          case 0x60:
            a = src >= 32 ? 0 : (a << src) >>> 0;
            break;
          case 0x70:
            a = src >= 32 ? 0 : a >>> src;
            break;
          case 0x80:
            a = -a >>> 0;
            break;
          case 0x90:
            if (src === 0) return 0;
            a = a % src;
            break;
          case 0xa0:
            a = (a ^ src) >>> 0;
            break;
          default:
            throw new Error(`unknown ALU op ${code}`);
        }
        break;
      }
      case 0x05: {
        const src = code & 0x08 ? x : k;
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        let cond: boolean;
        if (op === 0x10) cond = a === src;
        else if (op === 0x20) cond = a > src;
        else if (op === 0x30) cond = a >= src;
        else if (op === 0x40) cond = (a & src) !== 0;
        else throw new Error(`unknown jump ${code}`);
        pc += cond ? jt : jf;
        break;
      }
      case 0x06: {
        const r = code & 0x18;
        return r === 0x10 ? a : r === 0x08 ? x : k;
      }
      case 0x07:
        if ((code & 0xf8) === 0x00) x = a;
        else a = x;
        break;
    }
  }
  return 0;
}
