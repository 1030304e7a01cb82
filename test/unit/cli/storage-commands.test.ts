import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main.js';
import { toHex } from '../../../src/core/bytes.js';
import { nodeIdToBytes, resourceIdToHex } from '../../../src/core/ids.js';
import { chordResourceId } from '../../../src/reload/config/hashes.js';
import { capture } from '../../support/cli.js';
import { DICTIONARY_KIND, type ServedStorage, serveStorage } from '../../support/mem-storage.js';
import { userOf } from '../../support/test-node.js';

/**
 * `p2psip store|fetch|stat|find` against a control API with node 0 of an in-memory overlay behind it:
 * output, exit codes (DESIGN §4: 0 ok, 1 RELOAD failure or nothing found, 2 bad usage) and error names.
 */
describe('p2psip store, fetch, stat and find', () => {
  let s: ServedStorage;
  const run = async (...args: string[]) => {
    const io = capture();
    const code = await main([...args, '--control', s.control], io);
    return { code, out: io.out, err: io.err };
  };
  before(async () => {
    s = await serveStorage();
  });
  after(() => s.server.close());

  it('store prints the Resource-ID, generation and replicas; fetch prints the value and its signer', async () => {
    const st = await run(
      'store',
      '--kind',
      'CERTIFICATE_BY_USER',
      '--resource',
      s.user,
      '--value',
      'hi there',
    );
    assert.equal(st.code, 0, st.err);
    const rid = resourceIdToHex(chordResourceId(s.user));
    assert.match(
      st.out,
      new RegExp(`^stored kind 16 at ${rid}: generation 1, replicas [0-9a-f]{32} [0-9a-f]{32}\\n$`),
    );
    const f = await run('fetch', '--kind', '16', '--resource', s.user);
    assert.equal(f.code, 0, f.err);
    assert.match(
      f.out,
      new RegExp(`^\\[0\\]  hi there  \\(signed by ${s.user.replace(/\./g, '\\.')}, \\d+ s left\\)\\n$`),
    );
    const j = await run('fetch', '--kind', '16', '--resource', s.user, '--json');
    const body = JSON.parse(j.out) as { values: Array<{ value: string }> };
    assert.deepEqual(
      body.values.map((v) => v.value),
      ['hi there'],
    );
  });

  it('binary values print as 0x-hex; stat prints lengths and hashes; find names the resource', async () => {
    const name = toHex(new Uint8Array([...nodeIdToBytes(s.node.localId), 1]));
    const st = await run(
      'store',
      '--kind',
      'TURN-SERVICE',
      '--resource-hex',
      name,
      '--value-hex',
      '00ff',
      '--lifetime',
      '60',
    );
    assert.equal(st.code, 0, st.err);
    const f = await run('fetch', '--kind', 'TURN-SERVICE', '--resource-hex', name);
    assert.match(f.out, /^0x00ff {2}\(signed by .+, (60|59) s left\)\n$/);
    const stat = await run('stat', '--kind', 'TURN-SERVICE', '--resource-hex', name);
    assert.equal(stat.code, 0, stat.err);
    assert.match(
      stat.out,
      /^generation 1\n2 bytes {2}sha256 [0-9a-f]{64} {2}stored \d{4}-\d\d-\d\dT.*, (60|59) s left\n$/,
    );
    const rid = resourceIdToHex(chordResourceId(Buffer.from(name, 'hex')));
    const found = await run('find', '--kind', 'TURN-SERVICE', '--kind', '16', '--resource-hex', name);
    assert.equal(found.code, 0, found.err);
    assert.match(found.out, new RegExp(`^kind 2  ${rid}\\nkind 16  ([0-9a-f]{32}|none)\\n$`));
  });

  it('dictionary entries print key and value; a deleted key is nothing found (exit 1)', async () => {
    const kind = String(DICTIONARY_KIND.id);
    assert.equal(
      (await run('store', '--kind', kind, '--resource', s.user, '--key', 'k1', '--value', 'v1')).code,
      0,
    );
    const f = await run('fetch', '--kind', kind, '--resource', s.user, '--key', 'k1');
    assert.match(f.out, /^k1 {2}v1 {2}\(signed by/);
    assert.equal(
      (await run('store', '--kind', kind, '--resource', s.user, '--key', 'k1', '--delete')).code,
      0,
    );
    const gone = await run('fetch', '--kind', kind, '--resource', s.user, '--key', 'k1');
    assert.equal(gone.code, 1);
    assert.equal(gone.out, '');
    assert.equal(gone.err, `p2psip fetch: nothing stored for kind ${kind} at ${s.user}\n`);
  });

  it('a RELOAD error exits 1 and prints its name', async () => {
    const peer1 = s.o.nodes[1];
    assert.ok(peer1 !== undefined);
    const r = await run(
      'store',
      '--kind',
      'CERTIFICATE_BY_USER',
      '--resource',
      userOf(peer1.localId),
      '--value',
      'x',
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /^p2psip store: Error_Forbidden: USER-MATCH: [^\n]+\n$/, 'the name once, then why');
    const big = await run(
      'store',
      '--kind',
      'TURN-SERVICE',
      '--resource-hex',
      toHex(new Uint8Array([...nodeIdToBytes(s.node.localId), 2])),
      '--value',
      'y'.repeat(65),
    );
    assert.equal(big.code, 1);
    assert.match(big.err, /^p2psip store: Error_Data_Too_Large: /);
    const kind = String(DICTIONARY_KIND.id);
    const stale = await run(
      'store',
      '--kind',
      kind,
      '--resource',
      s.user,
      '--key',
      'k',
      '--value',
      'v',
      '--generation',
      '999',
    );
    assert.equal(stale.code, 1);
    assert.match(
      stale.err,
      new RegExp(
        `^p2psip store: Error_Generation_Counter_Too_Low: current generation \\d+ \\(kind ${kind}\\)\n$`,
      ),
    );
    const none = await run('find', '--kind', 'SIP-REGISTRATION', '--resource', 'nobody');
    assert.equal(none.code, 1);
    assert.equal(none.out, 'kind 1  none\n');
  });

  it('bad command lines exit 2 with one line', async () => {
    const u = s.user;
    for (const args of [
      ['store', '--resource', u, '--value', 'v'],
      ['store', '--kind', '16', '--value', 'v'],
      ['store', '--kind', '16', '--resource', u],
      ['store', '--kind', '16', '--resource', u, '--value', 'v', '--delete'],
      ['store', '--kind', '16', '--resource', u, '--resource-hex', '00', '--value', 'v'],
      ['store', '--kind', '16', '--resource', u, '--value', 'v', '--lifetime', 'soon'],
      ['store', '--kind', 'NOPE', '--resource', u, '--value', 'v'],
      ['store', '--kind', '16', '--resource', u, '--value', 'v', '--key', 'k'],
      ['fetch', '--kind', '16', '--resource', u, '--index', 'x'],
      ['fetch', '--kind', '16', '--resource', u, 'extra'],
      ['find', '--resource', u],
      ['stat', '--kind', '16'],
    ]) {
      const r = await run(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /^p2psip \w+: [^\n]+\n$/, args.join(' '));
    }
  });
});
