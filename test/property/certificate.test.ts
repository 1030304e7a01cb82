import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isLocalError } from '../../src/core/errors.js';
import type { TransactionId } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/reload/security/certificate.js';
import { createSelfSignedIdentity } from '../../src/reload/security/identity.js';
import { signMessage, verifyMessage } from '../../src/reload/security/message-signing.js';
import { X509Signer } from '../../src/reload/security/signer.js';
import { X509Verifier } from '../../src/reload/security/verifier.js';
import { propertyRuns } from '../support/tools.js';

const NOW = Date.UTC(2025, 0, 1);
const identity = await createSelfSignedIdentity({
  overlay: 'example.org',
  digest: 'sha256',
  nodeIdLength: 16,
  now: NOW,
  keyAlgorithm: 'ecdsa-p256',
});
const der = identity.certificate.der;

/** Flips, overwrites, truncates and inserts bytes of `base`. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.tuple(
    fc.nat(base.length),
    fc.constantFrom('flip', 'set', 'cut', 'insert'),
    fc.integer({ min: 0, max: 255 }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = Uint8Array.from(base);
    for (const [at, kind, value] of edits) {
      const i = at % (b.length + 1);
      if (kind === 'flip' && i < b.length) b[i] = (b[i] ?? 0) ^ (1 << (value % 8));
      else if (kind === 'set' && i < b.length) b[i] = value;
      else if (kind === 'cut') b = b.slice(0, i);
      else b = Uint8Array.from([...b.subarray(0, i), value, ...b.subarray(i)]);
    }
    return b;
  });
}

function onlyBadCert(bytes: Uint8Array): void {
  try {
    parseCertificate(bytes);
  } catch (e) {
    assert.ok(isLocalError(e, 'ERR_BAD_CERT'), `unexpected ${String(e)}`);
  }
}

describe('certificate parsing never crashes', () => {
  it('random bytes fail with ERR_BAD_CERT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (b) => {
        assert.throws(
          () => parseCertificate(b),
          (e: unknown) => isLocalError(e, 'ERR_BAD_CERT'),
        );
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('mutated DER parses or fails with ERR_BAD_CERT', () => {
    fc.assert(fc.property(mutated(der), onlyBadCert), { numRuns: propertyRuns() });
  });
});

describe('signature verification never crashes', () => {
  const parts = {
    overlay: 1,
    transactionId: 2n as TransactionId,
    contents: Uint8Array.of(0, 0x17, 0, 0, 0, 0, 0, 0, 0, 0),
  };
  const block = signMessage(new X509Signer(identity, 16), parts);
  const verifier = new X509Verifier({
    overlay: 'example.org',
    nodeIdLength: 16,
    selfSignedPermitted: true,
    selfSignedDigest: 'sha256',
    rootCerts: [],
    badNodes: [],
  });

  it('a mutated certificate or signature value is refused with a LocalError, never accepted', () => {
    const cases = fc.oneof(
      mutated(der).map((c) => ({ ...block, certificates: [{ type: 0, certificate: c }] })),
      mutated(block.signature.value).map((v) => ({ ...block, signature: { ...block.signature, value: v } })),
    );
    fc.assert(
      fc.property(cases, (b) => {
        try {
          verifyMessage(verifier, parts, b, NOW);
          // Only an unchanged certificate and signature can verify (a mutation may restore the original).
          assert.deepEqual(b.certificates[0]?.certificate, der);
          assert.deepEqual(b.signature.value, block.signature.value);
        } catch (e) {
          // A mutated certificate no longer has the hash the signer names: ERR_UNKNOWN_CERT.
          assert.ok(
            isLocalError(e, 'ERR_BAD_SIGNATURE') ||
              isLocalError(e, 'ERR_BAD_CERT') ||
              isLocalError(e, 'ERR_UNKNOWN_CERT'),
            `unexpected ${String(e)}`,
          );
        }
      }),
      { numRuns: propertyRuns() },
    );
  });
});
