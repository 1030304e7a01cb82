import assert from 'node:assert/strict';
import { isLocalError, type LocalErrorCode } from '../../src/core/errors.js';

/** Asserts that `fn` throws a LocalError with `code` whose message matches `message` (when given). */
export function assertLocalError(fn: () => unknown, code: LocalErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isLocalError(e, code), `expected LocalError ${code}, got ${String(e)}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

/** The async form of assertLocalError. */
export async function rejectsLocalError(
  p: Promise<unknown>,
  code: LocalErrorCode,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isLocalError(e, code), `expected LocalError ${code}, got ${String(e)}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}
