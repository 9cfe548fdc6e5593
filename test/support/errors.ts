/** Assertions about netsieve's coded errors, shared by the test files. */
import { expect } from 'vitest';
import { NetsieveError } from '../../src/errors.js';

/** `fn` must throw a `NetsieveError` with `code` (and a message matching `message`, when given). */
export function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NetsieveError);
    expect((e as NetsieveError).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  expect.unreachable(`expected ${code}`);
}
