import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main.js';
import { nodeIdFromHex } from '../../../src/core/ids.js';
import type { HttpServerHandle } from '../../../src/platform/node/http-server.js';
import { capture } from '../../support/cli.js';
import { answerFrom, FakePeer, ME, NO_ANSWER, OTHER, serveFakeControl } from '../../support/fake-control.js';

/** `p2psip status|ping|trace` against a control API with a fake peer: output and exit codes (DESIGN §4). */
describe('p2psip status, ping and trace', () => {
  const peer = new FakePeer();
  let server: HttpServerHandle;
  let control = '';
  before(async () => {
    server = await serveFakeControl(peer);
    control = `127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  it('status prints aligned lines, or the JSON with --json', async () => {
    const io = capture();
    assert.equal(await main(['status', '--control', control], io), 0);
    assert.match(io.out, new RegExp(`^node {2,}${ME}$`, 'm'));
    assert.match(io.out, new RegExp(`^successors {2,}${OTHER}$`, 'm'));
    assert.match(io.out, /^stored {2,}0 resources, 0 values, 0 registrations$/m);
    const json = capture();
    assert.equal(await main(['status', '--control', control, '--json'], json), 0);
    assert.equal((JSON.parse(json.out) as { nodeId: string }).nodeId, ME);
  });

  it('ping prints who answered and exits 0', async () => {
    const io = capture();
    assert.equal(await main(['ping', OTHER, '--control', control], io), 0);
    assert.equal(io.out, `answer from ${OTHER} in 12 ms\n`);
  });

  it('trace lists the hops with their times', async () => {
    const io = capture();
    assert.equal(await main(['trace', 'alice@test.p2psip', '--control', control], io), 0);
    assert.equal(io.out, `1  ${OTHER}  3 ms\n2  ${ME}  5 ms\n`);
  });

  it('a ping without an answer exits 1 with the reason on one line', async () => {
    peer.pingResult = NO_ANSWER;
    const io = capture();
    const code = await main(['ping', OTHER, '--control', control], io);
    peer.pingResult = answerFrom(nodeIdFromHex(OTHER));
    assert.equal(code, 1);
    assert.equal(io.err, 'p2psip ping: no answer after all retransmissions\n');
    assert.equal(io.out, '');
  });

  it('an unreachable peer exits 1 with one line', async () => {
    const io = capture();
    assert.equal(await main(['status', '--control', '127.0.0.1:1'], io), 1);
    assert.match(
      io.err,
      /^p2psip status: cannot reach the peer's control API at 127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/,
    );
  });

  it('bad usage exits 2 with one line', async () => {
    for (const args of [
      ['ping', '--control', control],
      ['trace', 'a', 'b'],
      ['status', '--control', 'nowhere'],
    ]) {
      const io = capture();
      assert.equal(await main(args, io), 2, args.join(' '));
      assert.match(io.err, /^p2psip \w+: [^\n]+\n$/);
    }
  });
});
