import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromUtf8, utf8 } from '../../../../src/core/bytes.js';
import { kindId, nodeIdToHex } from '../../../../src/core/ids.js';
import { newSelfSignedOverlay } from '../../../../src/reload/config/new-overlay.js';
import type { KindDefinition, OverlayConfig } from '../../../../src/reload/config/overlay-config.js';
import { isNewerSequence, nextSequence } from '../../../../src/reload/config/sequence.js';
import { kindElement, writeOverlayConfig } from '../../../../src/reload/config/write.js';
import {
  signBlob,
  signedOverlayDocument,
  verifyConfigurationDocument,
  verifyKindBlocks,
} from '../../../../src/reload/security/config-signature.js';
import { createSelfSignedIdentity } from '../../../../src/reload/security/identity.js';
import { X509Signer } from '../../../../src/reload/security/signer.js';
import { assertLocalError } from '../../../support/errors.js';
import { SIGNED_NOW, SIGNED_OVERLAY, signedOverlay } from '../../../support/signed-config.js';
import { propertyRuns } from '../../../support/tools.js';

const fixture = signedOverlay();
const NOW = SIGNED_NOW + 1000;
const PRIVATE_KIND: KindDefinition = {
  id: kindId(0xf000_0001),
  dataModel: 'single',
  accessPolicy: 'USER-MATCH',
  maxCount: 1,
  maxSize: 100,
};

const verify = (doc: Uint8Array, previous?: OverlayConfig) =>
  verifyConfigurationDocument(doc, {
    instanceName: SIGNED_OVERLAY,
    now: NOW,
    ...(previous === undefined ? {} : { previous }),
  });

describe('configuration signatures (RFC 6940 §11.1)', () => {
  it('accepts a first document signed by its own configuration-signer under its own root-cert', async () => {
    const f = await fixture;
    const v = verify(f.sign(f.config));
    assert.equal(v.config.sequence, 1);
    assert.equal(v.signer?.nodeId, f.signer.nodeId);
    assert.equal(v.signer?.userName, `configuration-signer@${SIGNED_OVERLAY}`);
  });

  it('refuses a document whose configuration bytes changed after signing, even by one space', async () => {
    const f = await fixture;
    const text = fromUtf8(f.sign(f.config));
    const tampered = text.replace('<max-message-size>16384<', '<max-message-size>16385<');
    assert.notEqual(tampered, text);
    assertLocalError(() => verify(utf8(tampered)), 'ERR_BAD_CONFIG', /signature does not verify/);
    const spaced = text.replace('<initial-ttl>', ' <initial-ttl>');
    assertLocalError(() => verify(utf8(spaced)), 'ERR_BAD_CONFIG', /signature does not verify/);
  });

  it('refuses a signature by a certificate of the same CA that is not a listed configuration-signer', async () => {
    const f = await fixture;
    const other = await f.issue(`mallory@${SIGNED_OVERLAY}`);
    assertLocalError(
      () => verify(f.sign(f.config, other)),
      'ERR_BAD_CONFIG',
      /which is not a listed configuration-signer/,
    );
  });

  it('refuses a listed Node-ID whose certificate comes from another CA', async () => {
    const f = await fixture;
    const foreign = await signedOverlay();
    // The foreign CA's signer signs a copy that lists it, but the previous document's root-cert rules.
    const config = { ...f.config, sequence: 2, configurationSigners: [foreign.signerHex] };
    const doc = f.sign(config, foreign.signer);
    assertLocalError(
      () => verify(doc, { ...f.config, configurationSigners: [foreign.signerHex] }),
      'ERR_BAD_CONFIG',
      /does not chain to a root-cert/,
    );
  });

  it('needs a newer sequence than the configuration in force, modulo 2^16', async () => {
    const f = await fixture;
    const next = { ...f.config, sequence: 2 };
    assert.equal(verify(f.sign(next), f.config).config.sequence, 2);
    assertLocalError(
      () => verify(f.sign(f.config), f.config),
      'ERR_BAD_CONFIG',
      /is not newer than the sequence 1/,
    );
    assertLocalError(() => verify(f.sign(f.config), next), 'ERR_BAD_CONFIG', /not newer/);
    // RFC 6940 §6.3.2.1: after 65534 comes 0.
    const last = { ...f.config, sequence: 65534 };
    assert.equal(verify(f.sign({ ...f.config, sequence: 0 }), last).config.sequence, 0);
  });

  it('refuses a document for another overlay name and an expired document', async () => {
    const f = await fixture;
    const doc = f.sign(f.config);
    assertLocalError(
      () => verifyConfigurationDocument(doc, { instanceName: 'other.example.org', now: NOW }),
      'ERR_BAD_CONFIG',
      /has no configuration for "other\.example\.org"/,
    );
    const expired = f.sign({ ...f.config, expiration: SIGNED_NOW });
    assertLocalError(() => verify(expired), 'ERR_BAD_CONFIG', /expired at 2025-01-01T00:00:00\.000Z/);
  });

  it('hands signing over: the previous signer signs a document naming a new one, who signs the next', async () => {
    const f = await fixture;
    const successor = await f.issue(`second-signer@${SIGNED_OVERLAY}`);
    const hex = nodeIdToHex(successor.nodeId);
    const handover = { ...f.config, sequence: 2, configurationSigners: [hex] };
    assertLocalError(() => verify(f.sign(handover, successor), f.config), 'ERR_BAD_CONFIG', /not a listed/);
    const v2 = verify(f.sign(handover), f.config);
    const third = { ...handover, sequence: 3 };
    assertLocalError(() => verify(f.sign(third), v2.config), 'ERR_BAD_CONFIG', /not a listed/);
    assert.equal(verify(f.sign(third, successor), v2.config).signer?.nodeId, successor.nodeId);
  });

  it('refuses an unsigned document unless it is a first document and unsigned ones are allowed', async () => {
    const f = await fixture;
    const plain = utf8(writeOverlayConfig(f.config));
    assertLocalError(() => verify(plain), 'ERR_BAD_CONFIG', /is not signed/);
    const v = verifyConfigurationDocument(plain, {
      instanceName: SIGNED_OVERLAY,
      now: NOW,
      allowUnsigned: true,
    });
    assert.equal(v.signer, undefined);
    assertLocalError(
      () =>
        verifyConfigurationDocument(utf8(writeOverlayConfig({ ...f.config, sequence: 2 })), {
          instanceName: SIGNED_OVERLAY,
          now: NOW,
          previous: f.config,
          allowUnsigned: true,
        }),
      'ERR_BAD_CONFIG',
      /is not signed/,
    );
  });

  it('checks kind-signatures against the kind-signers the document lists', async () => {
    const f = await fixture;
    const kindSigner = await f.issue(`kinds@${SIGNED_OVERLAY}`);
    const config = {
      ...f.config,
      kindSigners: [nodeIdToHex(kindSigner.nodeId)],
      kinds: [...f.config.kinds, PRIVATE_KIND],
    };
    const kindSig = (by: typeof kindSigner) =>
      new Map([[PRIVATE_KIND.id, signBlob(new X509Signer(by, 16), utf8(kindElement(PRIVATE_KIND)))]]);
    const good = utf8(
      signedOverlayDocument(config, new X509Signer(f.signer, 16), { kindSignatures: kindSig(kindSigner) }),
    );
    const v = verify(good);
    assert.equal(v.kindSigners.get(PRIVATE_KIND.id), nodeIdToHex(kindSigner.nodeId));
    assert.equal(v.kindSigners.size, 1, 'kinds without a kind-signature are covered by the configuration');
    const bad = utf8(
      signedOverlayDocument(config, new X509Signer(f.signer, 16), { kindSignatures: kindSig(f.signer) }),
    );
    assertLocalError(() => verify(bad), 'ERR_BAD_CONFIG', /kind 4026531841.*not a listed kind-signer/);
  });

  it('verifies kind-blocks of a ConfigUpdate of type kind, which have no namespace declaration', async () => {
    const f = await fixture;
    const kindSigner = await f.issue(`kinds2@${SIGNED_OVERLAY}`);
    const current = { ...f.config, kindSigners: [nodeIdToHex(kindSigner.nodeId)] };
    const kindText = kindElement(PRIVATE_KIND, '');
    const block = (by: typeof kindSigner) => {
      const sig = signBlob(new X509Signer(by, 16), utf8(kindText));
      const b64 = Buffer.from(sig.value).toString('base64');
      return utf8(`<kind-block>${kindText}<kind-signature>${b64}</kind-signature></kind-block>`);
    };
    const [k] = verifyKindBlocks([block(kindSigner)], current, NOW);
    assert.equal(k?.kind.id, PRIVATE_KIND.id);
    assert.equal(k?.signer, nodeIdToHex(kindSigner.nodeId));
    assertLocalError(
      () => verifyKindBlocks([block(f.signer)], current, NOW),
      'ERR_BAD_CONFIG',
      /not a listed kind-signer/,
    );
    assertLocalError(
      () => verifyKindBlocks([utf8(`<kind-block>${kindText}</kind-block>`)], current, NOW),
      'ERR_BAD_CONFIG',
      /kind 4026531841 is not signed/,
    );
  });

  it('lets a self-signed overlay name a self-signed signer by the digest of its key', async () => {
    const base = newSelfSignedOverlay({ name: SIGNED_OVERLAY, bootstrapNodes: [], now: SIGNED_NOW });
    const mk = () =>
      createSelfSignedIdentity({
        overlay: SIGNED_OVERLAY,
        digest: 'sha256',
        nodeIdLength: 16,
        now: SIGNED_NOW,
        keyAlgorithm: 'ecdsa-p256',
      });
    const signer = await mk();
    const impostor = await mk();
    const config = { ...base, configurationSigners: [nodeIdToHex(signer.nodeId)] };
    const doc = (c: OverlayConfig, by: typeof signer) =>
      utf8(signedOverlayDocument(c, new X509Signer(by, 16)));
    assert.equal(verify(doc(config, signer)).signer?.nodeId, signer.nodeId);
    const next = { ...config, sequence: 2 };
    assertLocalError(() => verify(doc(next, impostor), config), 'ERR_BAD_CONFIG', /not a listed/);
  });
});

describe('configuration sequence arithmetic (RFC 6940 §6.3.2.1)', () => {
  it('the next sequence is always newer, and nothing is newer than itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xfffe }), (n) => {
        const m = nextSequence(n);
        assert.ok(m >= 0 && m <= 0xfffe);
        assert.ok(isNewerSequence(m, n));
        assert.ok(!isNewerSequence(n, m));
        assert.ok(!isNewerSequence(n, n));
      }),
      { numRuns: propertyRuns() },
    );
  });
});
