import { bytesLatin1, latin1Bytes } from '../../../../src/detect/waf/body/types.js';
import type { BodyArg } from '../../../../src/detect/waf/body/index.js';

/** Latin-1 text to bytes. */
export const b = latin1Bytes;
/** Bytes to latin-1 text. */
export const t = bytesLatin1;
/** Arguments as [name, value] text pairs. */
export function pairs(args: BodyArg[]): [string, string][] {
  return args.map((a) => [t(a.name), t(a.value)]);
}
/** UTF-8 text of bytes. */
export function utf8(x: Uint8Array): string {
  return new TextDecoder().decode(x);
}
