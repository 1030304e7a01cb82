import assert from 'node:assert/strict';
import { createHash, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { concatBytes, fromHex, toHex } from '../../../../src/core/bytes.js';
import { nodeIdFromBigInt, nodeIdToBytes, type TransactionId } from '../../../../src/core/ids.js';
import { overlayHash } from '../../../../src/reload/config/hashes.js';
import { HashAlgorithm, SignatureAlgorithm } from '../../../../src/reload/messages/codes.js';
import { type SecurityBlock, signerIdentity } from '../../../../src/reload/messages/security.js';
import { messageSignatureInput } from '../../../../src/reload/messages/signature-input.js';
import { signMessage, verifyMessage } from '../../../../src/reload/security/message-signing.js';
import { X509Signer } from '../../../../src/reload/security/signer.js';
import { SimulatedSigner, SimulatedVerifier } from '../../../../src/reload/security/simulated.js';
import { CertificateStore, X509Verifier } from '../../../../src/reload/security/verifier.js';
import { encode } from '../../../../src/wire/index.js';
import { assertLocalError } from '../../../support/errors.js';
import { NOW, OVERLAY, selfSigned, selfSignedSettings } from './fixtures.js';

const parts = {
  overlay: overlayHash(OVERLAY),
  transactionId: 0x0102030405060708n as TransactionId,
  contents: fromHex('0017 00000002 0000 00000000'.replace(/ /g, '')),
};

describe('message signature input (RFC 6940 §6.3.4)', () => {
  it('is overlay || transaction_id || MessageContents || SignerIdentity', () => {
    const identity = {
      type: 'cert_hash' as const,
      hashAlgorithm: 4,
      certificateHash: fromHex('aa'.repeat(32)),
    };
    const input = messageSignatureInput(parts.overlay, parts.transactionId, parts.contents, identity);
    assert.equal(
      toHex(input),
      `${overlayHash(OVERLAY).toString(16).padStart(8, '0')}0102030405060708${toHex(parts.contents)}${toHex(encode(signerIdentity, identity))}`,
    );
    assert.equal(
      toHex(encode(signerIdentity, identity)),
      `010022 04 20 ${'aa'.repeat(32)}`.replace(/ /g, ''),
    );
  });
});

for (const keyAlgorithm of ['rsa-2048', 'ecdsa-p256'] as const) {
  describe(`X.509 signatures (${keyAlgorithm})`, () => {
    const expectedSignature = keyAlgorithm === 'rsa-2048' ? SignatureAlgorithm.rsa : SignatureAlgorithm.ecdsa;

    it('signs with {sha256, rsa|ecdsa} and a cert_hash of the certificate, and verifies', async () => {
      const id = await selfSigned(keyAlgorithm);
      const block = signMessage(new X509Signer(id, 16), parts);
      assert.deepEqual(block.signature.algorithm, {
        hash: HashAlgorithm.sha256,
        signature: expectedSignature,
      });
      assert.deepEqual(block.signature.identity, {
        type: 'cert_hash',
        hashAlgorithm: HashAlgorithm.sha256,
        certificateHash: new Uint8Array(createHash('sha256').update(id.certificate.der).digest()),
      });
      assert.deepEqual(block.certificates, [{ type: 0, certificate: id.certificate.der }]);
      const signer = verifyMessage(new X509Verifier(selfSignedSettings()), parts, block, NOW);
      assert.deepEqual(signer, { nodeId: id.nodeId, userName: id.userName, certificate: id.certificate.der });
    });

    it('makes signatures node:crypto verifies over the RFC input', async () => {
      const id = await selfSigned(keyAlgorithm);
      const block = signMessage(new X509Signer(id, 16), parts);
      const input = messageSignatureInput(
        parts.overlay,
        parts.transactionId,
        parts.contents,
        block.signature.identity,
      );
      assert.ok(verify('sha256', input, id.certificate.publicKey, block.signature.value));
    });

    it('rejects a changed transaction id, overlay, contents or signature', async () => {
      const id = await selfSigned(keyAlgorithm);
      const block = signMessage(new X509Signer(id, 16), parts);
      const v = new X509Verifier(selfSignedSettings());
      const flipped = block.signature.value.slice();
      flipped[5] = (flipped[5] ?? 0) ^ 1;
      const badSig: SecurityBlock = { ...block, signature: { ...block.signature, value: flipped } };
      assertLocalError(
        () => verifyMessage(v, { ...parts, transactionId: 9n as TransactionId }, block, NOW),
        'ERR_BAD_SIGNATURE',
        /does not verify/,
      );
      assertLocalError(() => verifyMessage(v, { ...parts, overlay: 1 }, block, NOW), 'ERR_BAD_SIGNATURE');
      assertLocalError(
        () => verifyMessage(v, { ...parts, contents: fromHex('0018') }, block, NOW),
        'ERR_BAD_SIGNATURE',
      );
      assertLocalError(() => verifyMessage(v, parts, badSig, NOW), 'ERR_BAD_SIGNATURE');
    });
  });
}

describe('resolving and checking the signer', () => {
  it('rejects a signature checked against the wrong certificate', async () => {
    const alice = await selfSigned('ecdsa-p256');
    const bob = await selfSigned('ecdsa-p256', 'bob');
    const block = signMessage(new X509Signer(alice, 16), parts);
    const v = new X509Verifier(selfSignedSettings());
    // Bob's certificate in the bucket: the identity names Alice's, which is absent.
    const swapped = { ...block, certificates: [{ type: 0, certificate: bob.certificate.der }] };
    assertLocalError(
      () => verifyMessage(v, parts, swapped, NOW),
      'ERR_UNKNOWN_CERT',
      /no certificate matches/,
    );
    // Bob's identity on Alice's signature: resolves to Bob's key, which did not sign.
    const bobBlock = signMessage(new X509Signer(bob, 16), parts);
    const lying = {
      certificates: [...block.certificates, ...bobBlock.certificates],
      signature: { ...block.signature, identity: bobBlock.signature.identity },
    };
    assertLocalError(() => verifyMessage(v, parts, lying, NOW), 'ERR_BAD_SIGNATURE', /does not verify/);
  });

  it('finds a certificate the bucket omits in the certificate store', async () => {
    const id = await selfSigned('ecdsa-p256');
    const block = signMessage(new X509Signer(id, 16), parts);
    const store = new CertificateStore();
    store.add(id.certificate.der);
    const v = new X509Verifier(selfSignedSettings(), { store });
    assert.equal(verifyMessage(v, parts, { ...block, certificates: [] }, NOW).nodeId, id.nodeId);
  });

  it('refuses an algorithm that does not fit the key, SHA-1 and anonymous signatures', async () => {
    const id = await selfSigned('ecdsa-p256');
    const block = signMessage(new X509Signer(id, 16), parts);
    const v = new X509Verifier(selfSignedSettings());
    const withAlg = (hash: number, signature: number): SecurityBlock => ({
      ...block,
      signature: { ...block.signature, algorithm: { hash, signature } },
    });
    assertLocalError(
      () => verifyMessage(v, parts, withAlg(4, 1), NOW),
      'ERR_BAD_SIGNATURE',
      /needs a rsa key/,
    );
    assertLocalError(() => verifyMessage(v, parts, withAlg(2, 3), NOW), 'ERR_BAD_SIGNATURE', /not accepted/);
    assertLocalError(() => verifyMessage(v, parts, withAlg(4, 0), NOW), 'ERR_BAD_SIGNATURE', /not accepted/);
  });

  it('refuses identity type none and unknown hash algorithms', async () => {
    const id = await selfSigned('ecdsa-p256');
    const block = signMessage(new X509Signer(id, 16), parts);
    const v = new X509Verifier(selfSignedSettings());
    const none = { ...block, signature: { ...block.signature, identity: { type: 'none' as const } } };
    assertLocalError(() => verifyMessage(v, parts, none, NOW), 'ERR_BAD_SIGNATURE', /type none cannot sign/);
    const md = {
      ...block,
      signature: {
        ...block.signature,
        identity: { type: 'cert_hash' as const, hashAlgorithm: 1, certificateHash: new Uint8Array(16) },
      },
    };
    assertLocalError(() => verifyMessage(v, parts, md, NOW), 'ERR_BAD_SIGNATURE', /hash algorithm 1/);
  });

  it('checks the certificate too: an expired signer is refused even with a good signature', async () => {
    const id = await selfSigned('ecdsa-p256');
    const block = signMessage(new X509Signer(id, 16), parts);
    const v = new X509Verifier(selfSignedSettings());
    assert.equal(verifyMessage(v, parts, block, NOW).nodeId, id.nodeId);
    assertLocalError(
      () => verifyMessage(v, parts, block, NOW + 400 * 24 * 3600_000),
      'ERR_BAD_CERT',
      /expired/,
    );
    const revoking = new X509Verifier(selfSignedSettings({ badNodes: [toHex(nodeIdToBytes(id.nodeId))] }));
    assertLocalError(() => verifyMessage(revoking, parts, block, NOW), 'ERR_BAD_CERT', /bad-node/);
  });

  it('uses cert_hash_node_id for a certificate with several Node-IDs and reports the one that signed', async () => {
    const id = await selfSigned('ecdsa-p256', 'multi', 2);
    const second = id.certificate.nodeIds[1];
    assert.ok(second !== undefined);
    const signer = new X509Signer(id, 16, second);
    assert.deepEqual(signer.identity, {
      type: 'cert_hash_node_id',
      hashAlgorithm: HashAlgorithm.sha256,
      certificateNodeIdHash: new Uint8Array(
        createHash('sha256')
          .update(concatBytes(nodeIdToBytes(second), id.certificate.der))
          .digest(),
      ),
    });
    const block = signMessage(signer, parts);
    assert.equal(verifyMessage(new X509Verifier(selfSignedSettings()), parts, block, NOW).nodeId, second);
    assertLocalError(() => new X509Signer(id, 16, nodeIdFromBigInt(5n)), 'ERR_BAD_USAGE');
  });
});

describe('simulated signatures (src/sim only)', () => {
  const alice = new SimulatedSigner(nodeIdFromBigInt(0xa11cen), 'alice@example.org');

  it('sign and verify with no public-key cryptography, reporting the signer', () => {
    const block = signMessage(alice, parts);
    assert.deepEqual(block.signature.algorithm, {
      hash: HashAlgorithm.sha256,
      signature: SignatureAlgorithm.anonymous,
    });
    const who = verifyMessage(new SimulatedVerifier(), parts, block, NOW);
    assert.equal(who.nodeId, 0xa11cen);
    assert.equal(who.userName, 'alice@example.org');
  });

  it('still catch a changed input and a missing certificate', () => {
    const block = signMessage(alice, parts);
    const v = new SimulatedVerifier();
    assertLocalError(
      () => verifyMessage(v, { ...parts, transactionId: 1n as TransactionId }, block, NOW),
      'ERR_BAD_SIGNATURE',
    );
    assertLocalError(() => verifyMessage(v, parts, { ...block, certificates: [] }, NOW), 'ERR_UNKNOWN_CERT');
  });

  it('are never accepted by the X.509 verifier', () => {
    const block = signMessage(alice, parts);
    assertLocalError(
      // A simulated certificate is no X.509 certificate: none at hand is the one the signer names.
      () => verifyMessage(new X509Verifier(selfSignedSettings()), parts, block, NOW),
      'ERR_UNKNOWN_CERT',
    );
  });
});
