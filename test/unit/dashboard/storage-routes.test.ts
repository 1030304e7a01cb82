import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/core/bytes.js';
import { nodeIdToBytes, nodeIdToHex, resourceIdToHex } from '../../../src/core/ids.js';
import type { HttpServerHandle } from '../../../src/platform/node/http-server.js';
import { chordResourceId } from '../../../src/reload/config/hashes.js';
import { KindCode } from '../../../src/reload/messages/codes.js';
import { FakePeer, serveFakeControl } from '../../support/fake-control.js';
import {
  ARRAY_KIND,
  DICTIONARY_KIND,
  NODE0_ONLY_KIND,
  type ServedStorage,
  serveStorage,
} from '../../support/mem-storage.js';
import { userOf } from '../../support/test-node.js';

/**
 * POST /store, /fetch, /stat, /find and GET /stored (RFC 6940 §7.4 through the peer) over real HTTP, with
 * node 0 of a 3-node in-memory overlay behind them: real access control, limits and replication.
 */
type Json = Record<string, unknown>;

describe('control API storage routes', () => {
  let s: ServedStorage;
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Json }> => {
    const r = await fetch(`http://${s.control}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Json };
  };
  before(async () => {
    s = await serveStorage();
  });
  after(() => s.server.close());

  it('stores at the peer user name and fetches, stats and finds it back (USER-MATCH, RFC 6940 §7.3.1)', async () => {
    const stored = await post('/store', { kind: 'certificate_by_user', resource: s.user, value: 'hello' });
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    const rid = resourceIdToHex(chordResourceId(s.user));
    assert.equal(stored.body['resourceId'], rid);
    assert.equal(stored.body['kind'], KindCode.CERTIFICATE_BY_USER);
    assert.equal(stored.body['generation'], '1');
    assert.equal((stored.body['replicas'] as string[]).length, 2, 'two replicas in a 3-node overlay');

    const fetched = await post('/fetch', { kind: KindCode.CERTIFICATE_BY_USER, resource: s.user });
    assert.equal(fetched.status, 200);
    const [v] = fetched.body['values'] as Json[];
    assert.deepEqual(v?.['signer'], { nodeId: nodeIdToHex(s.node.localId), user: s.user });
    assert.equal(v?.['value'], 'hello');
    assert.equal(v?.['valueHex'], toHex(new TextEncoder().encode('hello')));
    assert.equal(v?.['index'], 0);

    const stat = await post('/stat', { kind: '0x10', resource: s.user });
    const [m] = stat.body['values'] as Json[];
    const prefixed = Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('hello')]);
    assert.equal(m?.['length'], 5);
    assert.equal(m?.['hashAlgorithm'], 'sha256');
    assert.equal(m?.['hashHex'], createHash('sha256').update(prefixed).digest('hex'));

    const found = await post('/find', { kinds: ['CERTIFICATE_BY_USER', 'TURN-SERVICE'], resource: s.user });
    assert.deepEqual(found.body['results'], [
      { kind: KindCode.CERTIFICATE_BY_USER, closest: rid },
      { kind: KindCode.TURN_SERVICE, closest: null },
    ]);
  });

  it('GET /stored lists what the peer holds, with its role (after the store above)', async () => {
    await post('/store', { kind: 'CERTIFICATE_BY_USER', resource: s.user, value: 'listed' });
    const r = await fetch(`http://${s.control}/stored`);
    const body = (await r.json()) as { resources: Json[] };
    const rid = resourceIdToHex(chordResourceId(s.user));
    const mine = body.resources.find((x) => x['resourceId'] === rid);
    assert.deepEqual(mine?.['kinds'], [{ kind: KindCode.CERTIFICATE_BY_USER, generation: '2', values: 2 }]);
    assert.equal(mine?.['responsible'], s.node.chord.isResponsible(chordResourceId(s.user)));
  });

  it('NODE-MULTIPLE: TURN-SERVICE at resourceHex Node-ID ‖ i; a value over max-size is Error_Data_Too_Large', async () => {
    const name = toHex(new Uint8Array([...nodeIdToBytes(s.node.localId), 3]));
    const ok = await post('/store', { kind: 'TURN-SERVICE', resourceHex: name, valueHex: '0102' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const big = await post('/store', { kind: 2, resourceHex: name, value: 'x'.repeat(65) });
    assert.equal(big.status, 502);
    assert.equal(big.body['errorCode'], 'Error_Data_Too_Large');
    const still = await post('/fetch', { kind: 2, resourceHex: name });
    assert.equal((still.body['values'] as Json[])[0]?.['valueHex'], '0102', 'the stored value stays');
  });

  it('a value at somebody else’s user name is Error_Forbidden and nothing is stored', async () => {
    const peer1 = s.o.nodes[1];
    assert.ok(peer1 !== undefined);
    const other = userOf(peer1.localId);
    const r = await post('/store', { kind: 'CERTIFICATE_BY_USER', resource: other, value: 'mine' });
    assert.equal(r.status, 502);
    assert.equal(r.body['ok'], false);
    assert.equal(r.body['errorCode'], 'Error_Forbidden');
    assert.match(String(r.body['error']), /./);
    const f = await post('/fetch', { kind: 'CERTIFICATE_BY_USER', resource: other });
    assert.deepEqual(f.body['values'], []);
  });

  it('a kind the responsible peer does not know is Error_Unknown_Kind, listing it', async () => {
    const name = Array.from({ length: 64 }, (_, i) => `r${i}`).find(
      (n) => !s.node.chord.isResponsible(chordResourceId(n)),
    );
    assert.ok(name !== undefined);
    // USER-MATCH would refuse the name anyway; the unknown kind is noticed first (RFC 6940 §7.4.1.2).
    const r = await post('/store', { kind: NODE0_ONLY_KIND.id, resource: name, value: 'v' });
    assert.equal(r.status, 502);
    assert.equal(r.body['errorCode'], 'Error_Unknown_Kind');
    assert.deepEqual(r.body['unknownKinds'], [NODE0_ONLY_KIND.id]);
  });

  it('dictionary keys as text or hex, wildcard fetch, and deletion by exists=false', async () => {
    const kind = DICTIONARY_KIND.id;
    assert.equal((await post('/store', { kind, resource: s.user, key: 'a', value: '1' })).status, 200);
    assert.equal((await post('/store', { kind, resource: s.user, keyHex: '62', value: '2' })).status, 200);
    const one = await post('/fetch', { kind, resource: s.user, keys: ['b'] });
    assert.deepEqual(
      (one.body['values'] as Json[]).map((v) => [v['key'], v['value']]),
      [['b', '2']],
    );
    const all = await post('/fetch', { kind, resource: s.user });
    assert.equal((all.body['values'] as Json[]).length, 2);
    assert.equal((await post('/store', { kind, resource: s.user, key: 'a', delete: true })).status, 200);
    const gone = await post('/fetch', { kind, resource: s.user, keys: ['a'] });
    assert.deepEqual(
      (gone.body['values'] as Json[]).map((v) => [v['key'], v['exists']]),
      [['a', false]],
    );
  });

  it('array indices and ranges select entries', async () => {
    const kind = ARRAY_KIND.id;
    for (const v of ['x', 'y', 'z']) await post('/store', { kind, resource: s.user, value: v });
    const r = await post('/fetch', { kind, resource: s.user, indices: ['0', '2-2'] });
    assert.deepEqual(
      (r.body['values'] as Json[]).map((v) => [v['index'], v['value']]),
      [
        [0, 'x'],
        [2, 'z'],
      ],
    );
  });

  it('a stale generation counter is Error_Generation_Counter_Too_Low with the current one', async () => {
    const kind = ARRAY_KIND.id;
    const r = await post('/store', { kind, resource: s.user, value: 'w', generation: '1' });
    assert.equal(r.status, 502);
    assert.equal(r.body['errorCode'], 'Error_Generation_Counter_Too_Low');
    const [g] = r.body['generations'] as Json[];
    assert.equal(g?.['kind'], kind);
    assert.notEqual(g?.['generation'], '1');
  });

  it('bad requests answer 400 with a one-line reason', async () => {
    const u = s.user;
    const cases: Array<[string, unknown, RegExp]> = [
      ['/store', '{nope', /not JSON/],
      ['/store', [1], /JSON object/],
      ['/store', { kind: 'NO-SUCH-KIND', resource: u, value: 'v' }, /registered kind name/],
      ['/store', { kind: 999, resource: u, value: 'v' }, /not in this peer's overlay configuration/],
      ['/store', { kind: 2 ** 33, resource: u, value: 'v' }, /Kind-ID/],
      ['/store', { kind: 16, value: 'v' }, /resource/],
      ['/store', { kind: 16, resource: u, resourceHex: '00', value: 'v' }, /resource/],
      ['/store', { kind: 16, resourceHex: 'zz', value: 'v' }, /not hex/],
      ['/store', { kind: 16, resource: u }, /value/],
      ['/store', { kind: 16, resource: u, value: 'v', delete: true }, /no value/],
      ['/store', { kind: 16, resource: u, value: 'v', valueHex: '00' }, /not both/],
      ['/store', { kind: 16, resource: u, value: 'v', key: 'k' }, /takes no key/],
      ['/store', { kind: DICTIONARY_KIND.id, resource: u, value: 'v' }, /needs a key/],
      ['/store', { kind: DICTIONARY_KIND.id, resource: u, key: 'k', value: 'v', index: 1 }, /takes no index/],
      ['/store', { kind: 16, resource: u, value: 'v', lifetime: 0 }, /lifetime/],
      ['/store', { kind: 16, resource: u, value: 'v', generation: 'x' }, /generation/],
      ['/fetch', { kind: 2, resource: u, keys: ['k'] }, /takes no key/],
      ['/fetch', { kind: ARRAY_KIND.id, resource: u, indices: ['3-1'] }, /FIRST <= LAST/],
      ['/find', { resource: u }, /kind/],
      ['/find', { kinds: [16, 'CERTIFICATE_BY_USER'], resource: u }, /twice/],
    ];
    for (const [path, body, reason] of cases) {
      const r = await post(path, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body['error']), reason);
      assert.doesNotMatch(String(r.body['error']), /\n/);
    }
  });

  it('a peer without storage answers 501 on the storage routes', async () => {
    let bare: HttpServerHandle | undefined;
    try {
      bare = await serveFakeControl(new FakePeer());
      const r = await fetch(`http://127.0.0.1:${bare.port}/store`, { method: 'POST', body: '{}' });
      assert.equal(r.status, 501);
    } finally {
      await bare?.close();
    }
  });
});
