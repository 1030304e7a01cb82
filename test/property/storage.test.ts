import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, MessageCode } from '../../src/reload/messages/codes.js';
import type { RequestResult } from '../../src/reload/node/types.js';
import { signValue } from '../../src/reload/storage/value-signing.js';
import { encode } from '../../src/wire/index.js';
import { ALICE, alice, entries, Harness, privateKind, sync, text } from '../support/storage-harness.js';
import { propertyRuns } from '../support/tools.js';

/**
 * RFC 6940 §7.4.1.1 against a one-line model: per dictionary key, the value with the newest storage_time
 * wins; an older (or same-time, different) value is refused with Error_Data_Too_Old and changes nothing;
 * a byte-identical repeat is accepted and changes nothing.
 */
const DICT = privateKind(3, 'dictionary', 4, 64);

const op = fc.record(
  {
    key: fc.integer({ min: 0, max: 3 }),
    time: fc.integer({ min: 1, max: 12 }),
    value: fc.constantFrom('a', 'b', 'c'),
    exists: fc.boolean(),
  },
  { noNullPrototype: true },
);

describe('storage ordering property (RFC 6940 §7.4.1.1)', () => {
  it('the newest storage_time wins per key; older stores fail and change nothing', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const h = new Harness([DICT]);
        const model = new Map<number, { time: number; value: string; exists: boolean }>();
        for (const o of ops) {
          const value = o.exists ? o.value : '';
          const d = signValue(alice.signer, ALICE, DICT.id, BigInt(o.time), 600, {
            model: 'dictionary',
            key: text(`k${o.key}`),
            exists: o.exists,
            value: text(value),
          });
          const body = encode(h.storage.codecs.storeReq, {
            resource: ALICE,
            replicaNumber: 0,
            kindData: [{ kind: DICT.id, generationCounter: 0n, values: [d] }],
          });
          const spec = {
            destination: [{ type: 'resource' as const, id: ALICE }],
            code: MessageCode.store_req,
            body,
          };
          const r = sync<RequestResult>((cb) => h.deliver(spec, alice, cb));
          const old = model.get(o.key);
          const same =
            old !== undefined && old.time === o.time && old.value === value && old.exists === o.exists;
          const accepted = old === undefined || o.time > old.time || same;
          assert.equal(r.ok, accepted, JSON.stringify({ o, old }));
          if (!r.ok) assert.equal(r.errorCode, ErrorCode.Error_Data_Too_Old);
          if (accepted) model.set(o.key, { time: o.time, value, exists: o.exists });
        }
        const expected = [...model]
          .filter(([, v]) => v.exists)
          .sort(([a], [b]) => a - b)
          .map(([k, v]) => `k${k}=${v.value}`);
        assert.deepEqual(entries(h, DICT.id), expected);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
