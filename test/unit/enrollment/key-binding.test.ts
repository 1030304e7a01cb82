import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatAllocationsFile,
  NodeIdAllocations,
  parseAllocationsFile,
} from '../../../src/enrollment/allocations.js';
import { hashPassword } from '../../../src/enrollment/passwords.js';
import { EMPTY_USERS, type UsersFile, withUser } from '../../../src/enrollment/users.js';
import { createCertificateRequest } from '../../../src/reload/security/ca.js';
import { type CertificateInfo, parseCertificate } from '../../../src/reload/security/certificate.js';
import { generateKeyPair, type KeyPair } from '../../../src/reload/security/keys.js';
import { checkNodeCertificate, trustSettingsFromConfig } from '../../../src/reload/security/trust.js';
import { x509 } from '../../../src/reload/security/x509.js';
import {
  bodyText,
  ENROL_NOW,
  enrolment,
  enrolmentForm,
  FAST_SCRYPT,
  type ServiceUnderTest,
  serviceFor,
} from '../../support/enrollment-http.js';
import { SIGNED_OVERLAY, type SignedOverlay, signedOverlay } from '../../support/signed-config.js';

/**
 * Decision 0013: an adapter asks the enrolment server for a certificate per SIP user over its node key; the
 * server gives a key that already holds a Node-ID that Node-ID, with the name of the user who authenticated
 * (RFC 6940 §11.3 for the request, §7.3.3 USER-NODE-MATCH for why).
 */
const NOW = ENROL_NOW;
const ALICE = `alice@${SIGNED_OVERLAY}`;

interface Fixture {
  readonly f: SignedOverlay;
  readonly users: UsersFile;
  /** The adapter's node key, enrolled first by account node-a. */
  readonly node: KeyPair;
}

const fixture: Promise<Fixture> = (async () => {
  let users = EMPTY_USERS;
  for (const [name, pw] of [
    ['node-a', 'node-pw'],
    ['alice', 'alice-pw'],
    ['bob', 'bob-pw'],
  ] as const) {
    users = withUser(users, name, await hashPassword(pw, FAST_SCRYPT));
  }
  return { f: await signedOverlay(), users, node: await generateKeyPair('ecdsa-p256') };
})();

function server(x: Fixture, allocations = new NodeIdAllocations(16)): ServiceUnderTest {
  return serviceFor(x.f, x.users, { allocations });
}

/** Enrols `keys` as `user`, asking for `userName`; the certificate, or the refusal's status and body. */
async function enrol(
  s: ServiceUnderTest,
  user: string,
  password: string,
  keys: KeyPair,
  userName: string,
): Promise<CertificateInfo | { status: number; body: string }> {
  const csr = await createCertificateRequest(keys, userName);
  const r = await s.service.handle(enrolment(enrolmentForm(user, password, csr), NOW));
  if (r.status !== 200 || !(r.body instanceof Uint8Array)) return { status: r.status, body: bodyText(r) };
  return parseCertificate(r.body);
}

function certificate(r: CertificateInfo | { status: number; body: string }): CertificateInfo {
  if ('status' in r) assert.fail(`refused: ${r.status} ${r.body}`);
  return r;
}

describe('enrolment of a key that already holds a Node-ID (decision 0013)', () => {
  it("issues the key's Node-ID with the authenticated user's name, whether it names the account or the AOR", async () => {
    const x = await fixture;
    const s = server(x);
    const node = certificate(await enrol(s, 'node-a', 'node-pw', x.node, `node-a@${SIGNED_OVERLAY}`));
    for (const asked of ['alice', ALICE]) {
      const alice = certificate(await enrol(s, asked, 'alice-pw', x.node, ALICE));
      assert.deepEqual(alice.nodeIds, node.nodeIds);
      assert.equal(alice.userName, ALICE);
      assert.equal(checkNodeCertificate(alice, trustSettingsFromConfig(x.f.config), NOW).kind, 'chain');
    }
    const bob = certificate(await enrol(s, 'bob', 'bob-pw', x.node, `bob@${SIGNED_OVERLAY}`));
    assert.deepEqual(bob.nodeIds, node.nodeIds);
    assert.equal(bob.userName, `bob@${SIGNED_OVERLAY}`);
    const own = certificate(await enrol(s, 'alice', 'alice-pw', await generateKeyPair('ecdsa-p256'), ALICE));
    assert.notDeepEqual(own.nodeIds, node.nodeIds, 'a key new to the server gets a fresh Node-ID');
  });

  it('refuses a CSR over the node key signed with another key: no proof of possession, 400 bad_CSR', async () => {
    const x = await fixture;
    const s = server(x);
    certificate(await enrol(s, 'node-a', 'node-pw', x.node, `node-a@${SIGNED_OVERLAY}`));
    const mallory = await generateKeyPair('ecdsa-p256');
    const forged = await x509.Pkcs10CertificateRequestGenerator.create({
      name: '',
      keys: { publicKey: x.node.crypto.publicKey, privateKey: mallory.crypto.privateKey },
      signingAlgorithm: mallory.signingAlgorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: ALICE }])],
    });
    const r = await s.service.handle(
      enrolment(enrolmentForm('alice', 'alice-pw', new Uint8Array(forged.rawData)), NOW),
    );
    assert.deepEqual([r.status, bodyText(r)], [400, 'bad_CSR\n']);
    const why = s.log.records.find((l) => l.message === 'enrolment refused: bad CSR')?.fields.reason;
    assert.match(String(why), /signature does not verify/);
    assert.equal(s.saved.length, 1, 'only the node enrolment was saved');
    assert.equal(s.log.records.filter((l) => l.message === 'certificate issued').length, 1);
  });

  it("refuses the node key to a wrong password, an unknown user, and another user's name", async () => {
    const x = await fixture;
    const s = server(x);
    certificate(await enrol(s, 'node-a', 'node-pw', x.node, `node-a@${SIGNED_OVERLAY}`));
    assert.deepEqual(await enrol(s, ALICE, 'guess', x.node, ALICE), {
      status: 401,
      body: 'failed_authentication\n',
    });
    assert.deepEqual(
      await enrol(s, `carol@${SIGNED_OVERLAY}`, 'alice-pw', x.node, `carol@${SIGNED_OVERLAY}`),
      {
        status: 401,
        body: 'failed_authentication\n',
      },
    );
    assert.deepEqual(await enrol(s, 'bob', 'bob-pw', x.node, ALICE), {
      status: 403,
      body: 'username_not_available\n',
    });
    assert.equal(s.saved.length, 1, 'nothing but the node enrolment was saved');
  });

  it('keeps the binding across a restart: the allocations file gives the key its Node-ID again', async () => {
    const x = await fixture;
    const first = server(x);
    const node = certificate(await enrol(first, 'node-a', 'node-pw', x.node, `node-a@${SIGNED_OVERLAY}`));
    const file = first.saved.at(-1);
    assert.ok(file !== undefined);
    const text = formatAllocationsFile(file);
    const restarted = server(x, new NodeIdAllocations(16, parseAllocationsFile(text, 16)));
    const alice = certificate(await enrol(restarted, ALICE, 'alice-pw', x.node, ALICE));
    assert.deepEqual(alice.nodeIds, node.nodeIds);
    assert.equal(alice.userName, ALICE);
  });
});
