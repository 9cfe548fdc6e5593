/**
 * What a scan takes as data, checked at the public entry points (block, vectored and stream scans, and
 * deserialize): the bytes of a Uint8Array (a Buffer is one), of an ArrayBuffer, or of any other
 * ArrayBufferView (DataView, other typed arrays). Anything else is refused with NS_ERR_INPUT saying what to
 * pass; a string in particular, whose characters are not bytes until they are encoded.
 */
import { NetsieveError } from '../errors.js';

/** Data a scan accepts. */
export type ScanData = ArrayBufferView | ArrayBufferLike;

/** `data` as a Uint8Array over the same memory (no copy); the caller's Uint8Array itself when it is one. */
export function scanBytes(data: unknown, what: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // By tag, not instanceof: an ArrayBuffer from another realm (a worker, vm) is bytes too.
  const tag = Object.prototype.toString.call(data);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(data as ArrayBufferLike);
  throw new NetsieveError(
    'NS_ERR_INPUT',
    `${what} takes bytes (a Uint8Array or Buffer, an ArrayBuffer, a DataView or another typed array), not ${describe(data)}` +
      (typeof data === 'string' ? '; encode text first: Buffer.from(text) or new TextEncoder().encode(text)' : ''),
  );
}

/** Refuses a match handler that is not a function before the scan starts (not at the first match). */
export function checkHandler(onMatch: unknown, what: string, optional = false): void {
  if (typeof onMatch === 'function' || (optional && onMatch === undefined)) return;
  throw new NetsieveError(
    'NS_ERR_INPUT',
    `${what} takes a match handler function (id, from, to) => boolean | void, not ${describe(onMatch)}`,
  );
}

/** A value's kind for a message. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array (Uint8Array.from(array) makes bytes of numbers 0..255)';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'undefined':
      return 'undefined';
    case 'object':
      return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
    default:
      return `a ${typeof v}`;
  }
}
