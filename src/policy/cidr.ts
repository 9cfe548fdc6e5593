// TEMPORARY stand-in (lead; not committed)
import type { Cidr } from './policy-file.js';
import { parseCidrLoose } from './policy-file.js';
export function parseCidr(t: string): Cidr | string {
  try {
    return parseCidrLoose(t);
  } catch (e) {
    return String(e);
  }
}
