/**
 * Name patterns of `fqdns` groups: exact names (`github.com`) and wildcards (`*.github.com`: any subdomain,
 * never the apex). Names are compared lower-case without a trailing dot. A name is tested against the exact
 * table once and against the wildcard table once per dot (each proper suffix), so the cost is the number of
 * labels, whatever the number of patterns.
 */

export interface NamePattern {
  /** Lower-case, no trailing dot, without the `*.`. */
  name: string;
  wildcard: boolean;
}

export class NamePatterns {
  private readonly exact = new Map<string, number[]>();
  private readonly suffixes = new Map<string, number[]>();
  /** How many patterns were added. */
  size = 0;

  add(pattern: NamePattern, group: number): void {
    const table = pattern.wildcard ? this.suffixes : this.exact;
    const list = table.get(pattern.name);
    if (list === undefined) table.set(pattern.name, [group]);
    else if (!list.includes(group)) list.push(group);
    this.size++;
  }

  /** Calls `hit` for every group with a pattern that matches `name` (already normalised by `normalizeName`). */
  match(name: string, hit: (group: number) => void): void {
    const exact = this.exact.get(name);
    if (exact !== undefined) for (const g of exact) hit(g);
    if (this.suffixes.size === 0) return;
    for (let dot = name.indexOf('.'); dot >= 0 && dot < name.length - 1; dot = name.indexOf('.', dot + 1)) {
      const list = this.suffixes.get(name.slice(dot + 1));
      if (list !== undefined) for (const g of list) hit(g);
    }
  }
}

/** Lower-case, without one trailing dot: the form names are compared in. */
export function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  // Most names are lower-case already: skip the copy then.
  return /[A-Z]/.test(n) ? n.toLowerCase() : n;
}
