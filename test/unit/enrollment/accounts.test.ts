import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NodeId, nodeIdFromBigInt, nodeIdToHex } from '../../../src/core/ids.js';
import {
  formatAllocationsFile,
  NodeIdAllocations,
  parseAllocationsFile,
} from '../../../src/enrollment/allocations.js';
import { checkPassword, hashPassword } from '../../../src/enrollment/passwords.js';
import {
  accountFor,
  certificateUserName,
  EMPTY_USERS,
  findUser,
  formatUsersFile,
  isAccountName,
  parseUsersFile,
  withUser,
} from '../../../src/enrollment/users.js';
import { assertLocalError } from '../../support/errors.js';

/** Cheap scrypt for tests: the parameters travel with the hash, so the check uses them too. */
const FAST = { N: 2 ** 10, r: 8, p: 1 };

function counter(start = 1n): () => NodeId {
  let n = start;
  return () => nodeIdFromBigInt(n++);
}

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

describe('enrolment accounts: scrypt password hashes (RFC 6940 §11.3)', () => {
  it('accepts the password it hashed and refuses any other, and salts every hash', async () => {
    const h = await hashPassword('correct horse', FAST);
    assert.equal(await checkPassword('correct horse', h), true);
    assert.equal(await checkPassword('correct horsf', h), false);
    assert.equal(await checkPassword('', h), false);
    const again = await hashPassword('correct horse', FAST);
    assert.notEqual(again.salt, h.salt);
    assert.notEqual(again.hash, h.hash);
  });

  it('refuses an unknown account whatever the password', async () => {
    assert.equal(await checkPassword('anything', undefined), false);
  });

  it('reads back the users file it writes, and refuses malformed or unsafe ones', async () => {
    const file = withUser(EMPTY_USERS, 'alice', await hashPassword('pw', FAST));
    const back = parseUsersFile(formatUsersFile(file));
    assert.equal(await checkPassword('pw', findUser(back, 'alice')), true);
    assertLocalError(() => parseUsersFile('not json'), 'ERR_BAD_INPUT', /not JSON/);
    assertLocalError(() => parseUsersFile('{"version":2,"users":{}}'), 'ERR_BAD_INPUT', /version/);
    const huge = { version: 1, users: { bob: { ...findUser(file, 'alice'), N: 2 ** 30 } } };
    assertLocalError(() => parseUsersFile(JSON.stringify(huge)), 'ERR_BAD_INPUT', /scrypt hash we accept/);
    const proto = parseUsersFile('{"version":1,"users":{}}');
    assert.equal(findUser(proto, '__proto__'), undefined);
    assert.equal(findUser(proto, 'toString'), undefined);
  });

  it('finds an account by its name or by the certificate user name user@overlay, nothing else', () => {
    const hash = { salt: 'AA==', hash: 'AA==', N: 1024, r: 8, p: 1 };
    const file = withUser(withUser(EMPTY_USERS, 'alice', hash), 'bob@example.com', hash);
    const ov = 'ov.example.org';
    assert.equal(accountFor(file, 'alice', ov), 'alice');
    assert.equal(accountFor(file, 'alice@ov.example.org', ov), 'alice');
    assert.equal(accountFor(file, 'bob@example.com', ov), 'bob@example.com');
    for (const none of ['alice@example.com', 'bob', 'bob@ov.example.org', 'x@alice@ov.example.org', '']) {
      assert.equal(accountFor(file, none, ov), undefined, none);
    }
    const both = withUser(file, 'alice@ov.example.org', hash);
    assert.equal(
      accountFor(both, 'alice@ov.example.org', ov),
      'alice@ov.example.org',
      'the exact name first',
    );
  });

  it('names certificates user@overlay unless the account is already user@domain', () => {
    assert.equal(certificateUserName('alice', 'ov.example.org'), 'alice@ov.example.org');
    assert.equal(certificateUserName('bob@example.com', 'ov.example.org'), 'bob@example.com');
    assert.equal(isAccountName('alice.b-c+d', 'ov.example.org'), true);
    for (const bad of ['', 'a b', 'nul\u0000', 'a@b@c', 'é', 'x'.repeat(200)]) {
      assert.equal(isAccountName(bad, 'ov.example.org'), false, JSON.stringify(bad));
    }
  });
});

describe('enrolment accounts: Node-ID allocations per user and key', () => {
  it('gives a returning user and key the same Node-IDs and a new key new ones', () => {
    const a = new NodeIdAllocations(16);
    const fresh = counter();
    const first = a.allocate('alice', KEY_A, 1, 8, fresh);
    const again = a.allocate('alice', KEY_A, 1, 8, fresh);
    const other = a.allocate('alice', KEY_B, 1, 8, fresh);
    assert.ok(first.ok && again.ok && other.ok);
    assert.deepEqual(again.nodeIds, first.nodeIds);
    assert.equal(again.changed, false);
    assert.notDeepEqual(other.nodeIds, first.nodeIds);
  });

  it('tops up a key that asks for more Node-IDs and keeps the first ones first', () => {
    const a = new NodeIdAllocations(16);
    const fresh = counter();
    const one = a.allocate('bob', KEY_A, 1, 8, fresh);
    const three = a.allocate('bob', KEY_A, 3, 8, fresh);
    assert.ok(one.ok && three.ok);
    assert.equal(three.nodeIds.length, 3);
    assert.equal(three.nodeIds[0], one.nodeIds[0]);
    assert.equal(three.changed, true);
  });

  it('never hands out one Node-ID twice, even if the generator repeats itself', () => {
    const a = new NodeIdAllocations(16);
    const ids = [5n, 5n, 5n, 6n].map((n) => nodeIdFromBigInt(n));
    const fresh = () => ids.shift() ?? nodeIdFromBigInt(99n);
    const x = a.allocate('x', KEY_A, 1, 8, fresh);
    const y = a.allocate('y', KEY_B, 1, 8, fresh);
    assert.ok(x.ok && y.ok);
    assert.deepEqual([x.nodeIds[0], y.nodeIds[0]], [5n, 6n]);
  });

  it('gives a key enrolled by one user the same Node-IDs when another user enrols it', () => {
    const a = new NodeIdAllocations(16);
    const fresh = counter();
    const node = a.allocate('node-a', KEY_A, 1, 8, fresh);
    const alice = a.allocate('alice', KEY_A, 1, 8, fresh);
    const bob = a.allocate('bob', KEY_A, 1, 8, fresh);
    const aliceOwn = a.allocate('alice', KEY_B, 1, 8, fresh);
    assert.ok(node.ok && alice.ok && bob.ok && aliceOwn.ok);
    assert.deepEqual(alice.nodeIds, node.nodeIds);
    assert.deepEqual(bob.nodeIds, node.nodeIds);
    assert.equal(alice.changed, true, "alice's use of the key is recorded");
    assert.notDeepEqual(aliceOwn.nodeIds, node.nodeIds, "alice's own key gets its own Node-ID");
    assert.deepEqual(a.toFile().users.alice, [
      { key: KEY_A, nodeIds: node.nodeIds.map((id) => nodeIdToHex(id)) },
      { key: KEY_B, nodeIds: aliceOwn.nodeIds.map((id) => nodeIdToHex(id)) },
    ]);
  });

  it('keeps the key binding through its file: a restarted server gives another user the same Node-IDs', () => {
    const a = new NodeIdAllocations(16);
    const node = a.allocate('node-a', KEY_A, 2, 8, counter(0x1234n));
    const b = new NodeIdAllocations(16, parseAllocationsFile(formatAllocationsFile(a.toFile()), 16));
    const alice = b.allocate('alice', KEY_A, 1, 8, counter(0x9999n));
    const both = b.allocate('carol', KEY_A, 2, 8, counter(0x9999n));
    assert.ok(node.ok && alice.ok && both.ok);
    assert.deepEqual(alice.nodeIds, node.nodeIds.slice(0, 1));
    assert.deepEqual(both.nodeIds, node.nodeIds);
  });

  it('shares a top-up of a key with every user of that key', () => {
    const a = new NodeIdAllocations(16);
    const fresh = counter();
    const one = a.allocate('node-a', KEY_A, 1, 8, fresh);
    const two = a.allocate('alice', KEY_A, 2, 8, fresh);
    const back = a.allocate('node-a', KEY_A, 2, 8, fresh);
    assert.ok(one.ok && two.ok && back.ok);
    assert.equal(two.nodeIds[0], one.nodeIds[0]);
    assert.deepEqual(back.nodeIds, two.nodeIds);
  });

  it("keeps a user's own Node-IDs for a key an older file bound differently for another user", () => {
    const file = {
      version: 1 as const,
      users: {
        x: [{ key: KEY_A, nodeIds: ['01'.repeat(16)] }],
        y: [{ key: KEY_A, nodeIds: ['02'.repeat(16)] }],
      },
    };
    const a = new NodeIdAllocations(16, file);
    const fresh = counter(0x77n);
    const [x, y, z] = ['x', 'y', 'z'].map((u) => a.allocate(u, KEY_A, 1, 8, fresh));
    assert.ok(x?.ok && y?.ok && z?.ok);
    assert.deepEqual(
      [x, y, z].map((r) => nodeIdToHex(r.nodeIds[0] ?? nodeIdFromBigInt(0n))),
      ['01'.repeat(16), '02'.repeat(16), '01'.repeat(16)],
    );
  });

  it('refuses a key beyond the per-user limit', () => {
    const a = new NodeIdAllocations(16);
    const fresh = counter();
    assert.ok(a.allocate('carol', KEY_A, 1, 1, fresh).ok);
    const r = a.allocate('carol', KEY_B, 1, 1, fresh);
    assert.equal(r.ok, false);
  });

  it('survives a round trip through its file, and refuses a malformed file', () => {
    const a = new NodeIdAllocations(16);
    const got = a.allocate('dave', KEY_A, 2, 8, counter(0x1234n));
    const file = parseAllocationsFile(formatAllocationsFile(a.toFile()), 16);
    const b = new NodeIdAllocations(16, file);
    const back = b.allocate('dave', KEY_A, 2, 8, counter(0x9999n));
    assert.ok(got.ok && back.ok);
    assert.deepEqual(
      back.nodeIds.map((id) => nodeIdToHex(id)),
      got.nodeIds.map((id) => nodeIdToHex(id)),
    );
    assertLocalError(
      () => parseAllocationsFile('{"version":1,"users":{"x":[{"key":"zz"}]}}', 16),
      'ERR_BAD_INPUT',
    );
    assertLocalError(() => parseAllocationsFile('[]', 16), 'ERR_BAD_INPUT');
  });
});
