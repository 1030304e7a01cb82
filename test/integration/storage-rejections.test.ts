import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kindId } from '../../src/core/ids.js';
import type { KindDefinition } from '../../src/reload/config/overlay-config.js';
import { getStatus, postJson, responsibleFor, ringProblems } from '../support/control.js';
import {
  killAll,
  type PeerProcess,
  runCli,
  startPeer,
  startPeers,
  waitUntil,
  withKinds,
} from '../support/peer-process.js';
import { nodeMultipleName, resourceIdOfHex } from '../support/storage-control.js';

/**
 * Stores real peers refuse (RFC 6940 §7.4.1.1, §7.4.1.2, §7.3), through `p2psip store` on real processes:
 * each exits 1 naming the RELOAD error, and what was stored before stays. One peer runs a configuration
 * with a kind the others lack, as a peer with a newer document would. Refusals that need forged
 * signatures (a value signed by the wrong user, a replayed older value) are unit tests in
 * test/unit/reload/storage/store-rules.test.ts.
 */
const EXTRA_KIND = 0xf000_0001;
const EXTRA: KindDefinition = {
  id: kindId(EXTRA_KIND),
  dataModel: 'single',
  accessPolicy: 'NODE-MULTIPLE',
  maxCount: 1,
  maxSize: 64,
  maxNodeMultiple: 20,
};
const T = { timeout: 90_000 };

describe('stores real peers refuse', { timeout: 300_000 }, () => {
  let dir = '';
  let peers: PeerProcess[] = [];
  let me: PeerProcess;
  let newer: PeerProcess;
  const cli = (p: PeerProcess, ...args: string[]) =>
    runCli([...args, '--control', `${p.control.host}:${p.control.port}`]);
  /** `p2psip store` of a TURN-SERVICE value (NODE-MULTIPLE: `me` may write at its Node-ID ‖ i). */
  const storeTurn = (name: string, value: string, ...more: string[]) =>
    cli(me, 'store', '--kind', 'TURN-SERVICE', '--resource-hex', name, '--value', value, ...more);
  const fetchValues = async (p: PeerProcess, body: Record<string, unknown>): Promise<string[]> => {
    const r = await postJson(p.control, '/fetch', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return ((r.body as { values: Array<{ exists: boolean; value?: string }> }).values ?? [])
      .filter((v) => v.exists)
      .map((v) => v.value ?? '');
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2psip-refuse-'));
    peers = await startPeers(dir, {
      peers: 3,
      updateInterval: 3,
      pingInterval: 1,
      // The refusals below store under the certificate kinds themselves: the peers keep theirs out.
      extraArgs: () => ['--no-certificate-publishing'],
    });
    const xml = await readFile(join(dir, 'overlay', 'overlay.xml'), 'utf8');
    const newerXml = join(dir, 'newer.xml');
    await writeFile(newerXml, withKinds(xml, [EXTRA]));
    newer = await startPeer({
      overlayXml: newerXml,
      identityDir: join(dir, 'newer'),
      listen: { host: '127.0.0.1', port: 0 },
    });
    peers.push(newer);
    me = peers[1] as PeerProcess;
    const statuses = () => Promise.all(peers.map((p) => getStatus(p.control)));
    await waitUntil('a correct ring', async () => ringProblems(await statuses()), 60_000);
  });

  after(async () => {
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a kind the responsible peer does not know: Error_Unknown_Kind for Store and Fetch', T, async () => {
    const ids = peers.map((p) => p.nodeId);
    // NODE-MULTIPLE lets `newer` write at Node-ID ‖ i: pick an i another peer is responsible for.
    const i = [...Array(20).keys()]
      .map((j) => j + 1)
      .find((j) => responsibleFor(resourceIdOfHex(nodeMultipleName(newer.nodeId, j)), ids) !== newer.nodeId);
    assert.ok(i !== undefined);
    const name = nodeMultipleName(newer.nodeId, i);
    const st = await cli(
      newer,
      'store',
      '--kind',
      String(EXTRA_KIND),
      '--resource-hex',
      name,
      '--value',
      'v',
    );
    assert.equal(st.code, 1, st.stderr);
    assert.equal(st.stderr, `p2psip store: Error_Unknown_Kind: unknown kind(s) ${EXTRA_KIND}\n`);
    const f = await cli(newer, 'fetch', '--kind', String(EXTRA_KIND), '--resource-hex', name, '--json');
    assert.equal(f.code, 1);
    assert.deepEqual((JSON.parse(f.stdout) as { unknownKinds: number[] }).unknownKinds, [EXTRA_KIND]);
    // A peer without the kind refuses the command line itself: nothing to send.
    const here = await cli(me, 'store', '--kind', String(EXTRA_KIND), '--resource-hex', name, '--value', 'v');
    assert.equal(here.code, 2);
    assert.match(here.stderr, /not in this peer's overlay configuration/);
  });

  it('a value over max-size: Error_Data_Too_Large, and the stored value stays', T, async () => {
    const name = nodeMultipleName(me.nodeId, 1);
    assert.equal((await storeTurn(name, 'small')).code, 0);
    const big = await storeTurn(name, 'x'.repeat(65));
    assert.equal(big.code, 1);
    assert.match(big.stderr, /^p2psip store: Error_Data_Too_Large: [^\n]*\n$/);
    assert.deepEqual(await fetchValues(peers[0] as PeerProcess, { kind: 2, resourceHex: name }), ['small']);
  });

  it('more values than max-count: Error_Data_Too_Large, and the others stay', T, async () => {
    const user = `${me.nodeId}@test.p2psip`;
    for (let n = 0; n < 8; n++) {
      const r = await postJson(me.control, '/store', {
        kind: 'CERTIFICATE_BY_USER',
        resource: user,
        value: `c${n}`,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const ninth = await cli(
      me,
      'store',
      '--kind',
      'CERTIFICATE_BY_USER',
      '--resource',
      user,
      '--value',
      'c8',
    );
    assert.equal(ninth.code, 1);
    assert.match(ninth.stderr, /^p2psip store: Error_Data_Too_Large: /);
    const all = await fetchValues(peers[2] as PeerProcess, { kind: 'CERTIFICATE_BY_USER', resource: user });
    assert.deepEqual(all, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  });

  it("where the peer's identity may not write: Error_Forbidden, and nothing is stored", T, async () => {
    const other = peers[0] as PeerProcess;
    const byUser = await cli(
      me,
      'store',
      '--kind',
      'CERTIFICATE_BY_USER',
      '--resource',
      `${other.nodeId}@test.p2psip`,
      '--value',
      'mine',
    );
    assert.equal(byUser.code, 1);
    assert.match(byUser.stderr, /^p2psip store: Error_Forbidden: [^\n]*USER-MATCH/);
    const byNode = await cli(
      me,
      'store',
      '--kind',
      'CERTIFICATE_BY_NODE',
      '--resource-hex',
      other.nodeId,
      '--value',
      'mine',
    );
    assert.equal(byNode.code, 1);
    assert.match(byNode.stderr, /^p2psip store: Error_Forbidden: [^\n]*NODE-MATCH/);
    assert.deepEqual(await fetchValues(me, { kind: 'CERTIFICATE_BY_NODE', resourceHex: other.nodeId }), []);
  });

  it(
    'a stale generation counter: Error_Generation_Counter_Too_Low, and nothing is overwritten',
    T,
    async () => {
      const name = nodeMultipleName(me.nodeId, 2);
      assert.equal((await storeTurn(name, 'one')).code, 0);
      assert.equal((await storeTurn(name, 'two')).code, 0);
      const stale = await storeTurn(name, 'three', '--generation', '1');
      assert.equal(stale.code, 1);
      assert.equal(
        stale.stderr,
        'p2psip store: Error_Generation_Counter_Too_Low: current generation 2 (kind 2)\n',
      );
      assert.deepEqual(await fetchValues(newer, { kind: 'TURN-SERVICE', resourceHex: name }), ['two']);
    },
  );

  it('no peer hit an internal error', async () => {
    for (const p of peers) assert.equal((await getStatus(p.control)).internalErrors, 0, p.nodeId);
  });
});
