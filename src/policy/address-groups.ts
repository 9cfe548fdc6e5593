/**
 * Which groups contain an address: every group's CIDR blocks in one binary trie per IP version, so that one
 * lookup walks at most 32 (IPv4) or 128 (IPv6) nodes and sets the bits of every group whose block holds the
 * address. Built once per policy (and per `setGroups`), read once per flow decision, never per packet.
 *
 * Nodes are indexes into growable Int32Arrays (two children each, -1 when absent); a node that ends a block
 * keeps the list of groups whose block it is. Blocks given twice are kept once.
 */

/** A CIDR block as the trie takes it: four words in network order (IPv4 in word 0) and a prefix length. */
export interface AddressBlock {
  version: 4 | 6;
  words: ArrayLike<number>;
  prefix: number;
}

export class AddressGroups {
  private child0: Int32Array = new Int32Array(64).fill(-1);
  private child1: Int32Array = new Int32Array(64).fill(-1);
  private nodes = 2; // node 0: the IPv4 root, node 1: the IPv6 root
  /** Per node, the groups whose block ends there (null for most nodes). */
  private readonly groupsAt: (number[] | null)[] = [null, null];
  /** How many blocks were added (after duplicates were dropped). */
  blocks = 0;

  /** Adds `block` to group number `group`. */
  add(block: AddressBlock, group: number): void {
    let node = block.version === 4 ? 0 : 1;
    for (let bit = 0; bit < block.prefix; bit++) {
      const word = block.words[bit >>> 5]!;
      const one = (word >>> (31 - (bit & 31))) & 1;
      const children = one === 1 ? this.child1 : this.child0;
      let next = children[node]!;
      if (next < 0) {
        next = this.newNode();
        (one === 1 ? this.child1 : this.child0)[node] = next;
      }
      node = next;
    }
    const list = (this.groupsAt[node] ??= []);
    if (!list.includes(group)) {
      list.push(group);
      this.blocks++;
    }
  }

  /**
   * Sets in `out` (a bitset over group numbers) the bit of every group with a block that contains the address,
   * and returns how many blocks matched.
   */
  lookup(version: number, words: ArrayLike<number>, out: Uint32Array): number {
    let node = version === 4 ? 0 : 1;
    const bits = version === 4 ? 32 : 128;
    let hits = 0;
    for (let bit = 0; ; bit++) {
      const here = this.groupsAt[node];
      if (here !== null && here !== undefined) {
        for (const g of here) out[g >>> 5]! |= 1 << (g & 31);
        hits += here.length;
      }
      if (bit === bits) break;
      const word = words[bit >>> 5]!;
      const one = (word >>> (31 - (bit & 31))) & 1;
      node = (one === 1 ? this.child1 : this.child0)[node]!;
      if (node < 0) break;
    }
    return hits;
  }

  private newNode(): number {
    if (this.nodes === this.child0.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2).fill(-1);
        b.set(a);
        return b;
      };
      this.child0 = grow(this.child0);
      this.child1 = grow(this.child1);
    }
    this.groupsAt.push(null);
    return this.nodes++;
  }
}

/** Private, loopback, link-local, shared (CGNAT), multicast and broadcast addresses: the "inside" for learning. */
export function isInternalAddress(version: number, words: ArrayLike<number>): boolean {
  if (version === 4) {
    const w = words[0]! >>> 0;
    const a = w >>> 24;
    const b = (w >>> 16) & 0xff;
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b < 128) ||
      a >= 224 // multicast 224/4, reserved 240/4, broadcast
    );
  }
  const w0 = words[0]! >>> 0;
  const top = w0 >>> 16;
  if ((top & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((top & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((top & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  // ::1 and :: (unspecified)
  return w0 === 0 && words[1] === 0 && words[2] === 0 && words[3]! >>> 0 <= 1;
}
