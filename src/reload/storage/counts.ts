import { CodecError } from '../../wire/index.js';
import { ErrorCode } from '../messages/codes.js';
import type { IncomingRequest, RequestHandler } from '../node/types.js';

/**
 * Storage requests counted by method and result, for /metrics: the ones this peer answered (storage.ts)
 * and the ones it sent for its own users (client.ts). The result is `ok` or the RFC 6940 error's name.
 */
export type StorageMethod = 'store' | 'replica_store' | 'fetch' | 'stat' | 'find';

export class StorageCounts {
  readonly #counts = new Map<StorageMethod, Map<string, number>>();

  add(method: StorageMethod, result: string): void {
    let byResult = this.#counts.get(method);
    if (byResult === undefined) {
      byResult = new Map();
      this.#counts.set(method, byResult);
    }
    byResult.set(result, (byResult.get(result) ?? 0) + 1);
  }

  get(method: StorageMethod, result: string): number {
    return this.#counts.get(method)?.get(result) ?? 0;
  }

  /** Every (method, result, count) seen so far. */
  *entries(): IterableIterator<readonly [StorageMethod, string, number]> {
    for (const [method, byResult] of this.#counts) for (const [r, n] of byResult) yield [method, r, n];
  }
}

/**
 * A handler that counts each request by its outcome: the answer, the error sent, or a body that did not
 * decode. `tag.method` may be changed by the handler once it knows more (a Store that is a replica).
 */
export function counted(
  counts: StorageCounts,
  method: StorageMethod,
  handle: (req: IncomingRequest, tag: { method: StorageMethod }) => void,
): RequestHandler {
  return (req) => {
    const tag = { method };
    let done = false;
    const count = (result: string): void => {
      if (!done) counts.add(tag.method, result);
      done = true;
    };
    const wrapped: IncomingRequest = {
      ...req,
      answer: (body, extensions, certificates) => {
        count('ok');
        req.answer(body, extensions, certificates);
      },
      error: (code, info) => {
        count(ErrorCode.describe(code));
        req.error(code, info);
      },
    };
    try {
      handle(wrapped, tag);
    } catch (e) {
      // The dispatcher answers Error_Invalid_Message for a body that does not decode (DESIGN §5).
      if (e instanceof CodecError) count(ErrorCode.describe(ErrorCode.Error_Invalid_Message));
      throw e;
    }
  };
}
