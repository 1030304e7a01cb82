import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesEqual } from '../../../src/core/bytes.js';
import { nodeIdFromHex } from '../../../src/core/ids.js';
import type { HttpServerHandle } from '../../../src/platform/node/http-server.js';
import { chordResourceId } from '../../../src/reload/config/hashes.js';
import {
  answerFrom,
  FakePeer,
  ME,
  NO_ANSWER,
  OTHER,
  STATUS,
  serveFakeControl,
} from '../../support/fake-control.js';

/** The control API's routes (DESIGN §4) over real HTTP on 127.0.0.1, with a fake peer behind them. */
describe('control API', () => {
  const peer = new FakePeer();
  let server: HttpServerHandle;
  let base = '';
  before(async () => {
    server = await serveFakeControl(peer);
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  const post = (path: string, body: string) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('GET /status answers the DESIGN §4 fields', async () => {
    const r = await fetch(`${base}/status`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await r.json(), STATUS);
  });

  it('GET /metrics speaks the Prometheus text format with the node counters', async () => {
    const r = await fetch(`${base}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = await r.text();
    for (const line of [
      'p2psip_links 2',
      'p2psip_routing_table_size 5',
      'p2psip_messages_in_total{method="ping_req"} 3',
      'p2psip_messages_out_total{method="ping_ans"} 3',
      'p2psip_bytes_in_total 100',
      'p2psip_retransmissions_total 1',
      'p2psip_forwarded_total 4',
      'p2psip_dropped_total{reason="malformed forwarding header"} 2',
      'p2psip_tls_refused_total{reason="bad certificate"} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    }
  });

  it('POST /ping with a Node-ID pings that node', async () => {
    const r = await post('/ping', JSON.stringify({ target: OTHER }));
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { target: OTHER, kind: 'node', ok: true, answeredBy: OTHER, rttMs: 12 });
    assert.deepEqual(peer.pinged.at(-1), { type: 'node', id: nodeIdFromHex(OTHER) });
  });

  it('POST /ping with a resource name pings its CHORD-RELOAD Resource-ID (RFC 6940 §10.2)', async () => {
    const r = await post('/ping', JSON.stringify({ target: 'alice@test.p2psip' }));
    const body = (await r.json()) as { resourceId: string };
    assert.equal(r.status, 200);
    const sent = peer.pinged.at(-1);
    assert.equal(sent?.type, 'resource');
    assert.ok(sent?.type === 'resource' && bytesEqual(sent.id, chordResourceId('alice@test.p2psip')));
    assert.equal(body.resourceId.length, 32);
  });

  it('a failed ping is a 502 with the RELOAD error', async () => {
    peer.pingResult = NO_ANSWER;
    const r = await post('/ping', JSON.stringify({ target: OTHER }));
    peer.pingResult = answerFrom(nodeIdFromHex(OTHER));
    assert.equal(r.status, 502);
    const body = (await r.json()) as { ok: boolean; error: string; errorCode: string };
    assert.deepEqual(
      [body.ok, body.error, body.errorCode],
      [false, 'no answer after all retransmissions', 'Error_Request_Timeout'],
    );
  });

  it('POST /trace lists the hops', async () => {
    const r = await post('/trace', JSON.stringify({ target: ME }));
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      target: ME,
      kind: 'node',
      ok: true,
      hops: [
        { nodeId: OTHER, rttMs: 3, hopCounter: 100 },
        { nodeId: ME, rttMs: 5, hopCounter: 99 },
      ],
    });
  });

  it('answers bad requests with 400 and a reason, never a crash', async () => {
    for (const [body, reason] of [
      ['{"target":', /not JSON/],
      ['{}', /needs \{"target"/],
      ['{"target": 42}', /needs \{"target"/],
      ['{"target": ""}', /empty/],
      [JSON.stringify({ target: 'x'.repeat(2000) }), /at most/],
    ] as const) {
      const r = await post('/ping', body);
      assert.equal(r.status, 400, body);
      assert.match(((await r.json()) as { error: string }).error, reason);
    }
  });

  it('refuses a body above the limit with 413', async () => {
    const r = await post('/trace', JSON.stringify({ target: 'y'.repeat(5000) }));
    assert.equal(r.status, 413);
  });

  it('answers 405 for the wrong method and 404 for an unknown path', async () => {
    assert.equal((await fetch(`${base}/ping`)).status, 405);
    assert.equal((await post('/status', '{}')).status, 405);
    const r = await fetch(`${base}/nope`);
    assert.equal(r.status, 404);
    assert.match(((await r.json()) as { error: string }).error, /no such resource/);
  });

  it('serves the dashboard page at /', async () => {
    const r = await fetch(`${base}/`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '<p>hi');
  });

  it('GET /events streams the status, then events as they happen', async () => {
    const r = await fetch(`${base}/events`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = r.body?.getReader();
    assert.ok(reader !== undefined);
    let text = '';
    const readUntil = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        assert.equal(done, false);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('event: status\n');
    await readUntil('\n\n');
    peer.emitter.emit('event', { type: 'link-up', link: 3, peer: OTHER, purpose: 'attach' });
    await readUntil('event: link-up\n');
    await readUntil(`"peer":"${OTHER}"`);
    await reader.cancel();
  });
});
