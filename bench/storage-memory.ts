import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { concatBytes, utf8 } from '../src/core/bytes.js';
import { nodeIdToBytes } from '../src/core/ids.js';
import { newSelfSignedOverlay } from '../src/reload/config/new-overlay.js';
import { messageSecurity } from '../src/reload/node/x509-security.js';
import type { ReloadNode } from '../src/reload/node.js';
import { createSelfSignedIdentity } from '../src/reload/security/identity.js';
import { X509Signer } from '../src/reload/security/signer.js';
import { trustSettingsFromConfig } from '../src/reload/security/trust.js';
import { X509Verifier } from '../src/reload/security/verifier.js';
import type { FetchResult, StoreResult } from '../src/reload/storage/client.js';
import { MemNet } from '../test/support/mem-net.js';
import { makeNode } from '../test/support/test-node.js';
import { type Bench, table } from './harness.js';
import { BENCH_KIND } from './storage.js';

/**
 * Memory per stored value, in-process: one peer alone in its overlay (so it is responsible for every
 * resource) with a real self-signed RSA-2048 identity stores values through its own Store path (signed,
 * encoded, decoded, verified, access-checked, kept with its certificate). The heap and the ArrayBuffers
 * after a full GC, before and after, divided by the count. No SQLite backend: this is the peer's RAM.
 */
const OVERLAY = 'test.p2psip';
const VALUES = 4000;
const VALUE_BYTES = 100;

/** `gc()` without --expose-gc on the command line (npm run bench runs plain node). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function used(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function loneNode(): Promise<{ node: ReloadNode; net: MemNet; certificateBytes: number }> {
  const now = Date.now();
  const identity = await createSelfSignedIdentity({
    overlay: OVERLAY,
    digest: 'sha256',
    nodeIdLength: 16,
    now,
  });
  const signer = new X509Signer(identity, 16);
  const verifier = new X509Verifier(
    trustSettingsFromConfig(newSelfSignedOverlay({ name: OVERLAY, bootstrapNodes: [], now })),
  );
  const listen = { host: '10.0.0.1', port: 6084 };
  const node = makeNode(identity.nodeId, listen, [listen], 1, {
    security: messageSecurity(signer, verifier),
    signer,
    verifier,
    storage: { kinds: [BENCH_KIND] },
  });
  const net = new MemNet();
  net.now = now;
  net.add(`${listen.host}:${listen.port}`, node);
  node.start(now);
  net.settle();
  if (node.status().state !== 'joined') throw new Error('the lone node did not start its overlay');
  return { node, net, certificateBytes: identity.certificate.der.length };
}

function fetchAll(node: ReloadNode, net: MemNet): void {
  const id = nodeIdToBytes(node.localId);
  for (let i = 0; i < VALUES; i++) {
    const resource = node.resourceIdOf(
      concatBytes(id, Uint8Array.of((i % (BENCH_KIND.maxNodeMultiple ?? 1)) + 1)),
    );
    let r: FetchResult | undefined;
    node.fetch(BENCH_KIND.id, resource, { keys: [utf8(`k${i}`)] }, net.now, (x) => {
      r = x;
    });
    net.settle();
    if (r?.ok !== true || r.kinds[0]?.values.length !== 1) throw new Error(`fetch ${i} failed`);
  }
}

function storeAll(node: ReloadNode, net: MemNet): void {
  const id = nodeIdToBytes(node.localId);
  for (let i = 0; i < VALUES; i++) {
    const resource = node.resourceIdOf(
      concatBytes(id, Uint8Array.of((i % (BENCH_KIND.maxNodeMultiple ?? 1)) + 1)),
    );
    const value = utf8(`value ${i} `.padEnd(VALUE_BYTES, 'x'));
    let r: StoreResult | undefined;
    node.store(BENCH_KIND.id, resource, [{ key: utf8(`k${i}`), value }], 3600, net.now, (x) => {
      r = x;
    });
    net.settle();
    if (r?.ok !== true) throw new Error(`store ${i} failed: ${r === undefined ? 'no answer' : r.reason}`);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

export const bench: Bench = {
  name: 'storage-memory',
  async run() {
    const gc = collector();
    const { node, net, certificateBytes } = await loneNode();
    const before = used(gc);
    storeAll(node, net);
    // The responder keeps each answer for the request lifetime (RFC 6940 §6.2.1, 15 s) to answer
    // retransmissions: let that pass, so what remains is what storing the values costs.
    net.advance(net.now + 20_000);
    const after = used(gc);
    // The same number of Fetches afterwards should leave nothing behind once their answers expire.
    fetchAll(node, net);
    net.advance(net.now + 20_000);
    const afterFetch = used(gc);
    if (node.storage.valueCount !== VALUES) throw new Error(`holds ${node.storage.valueCount} values`);
    const perValue = (after - before) / VALUES;
    const signatureBytes = 256;
    return {
      title: 'Memory per stored value (in-process, one peer, RSA-2048)',
      markdown: [
        table(
          ['operation', 'count', 'heap + ArrayBuffers growth', 'each'],
          [
            [`Store of a ${VALUE_BYTES}-byte value`, VALUES, mib(after - before), `${perValue.toFixed(0)} B`],
            [
              'Fetch of one of them, afterwards',
              VALUES,
              mib(afterFetch - after),
              `${((afterFetch - after) / VALUES).toFixed(0)} B`,
            ],
          ],
        ),
        '',
        `After a full GC before and after storing ${VALUES} values (and after the 15 s duplicate-answer ` +
          `cache let go of the Store answers) through the peer's own Store path into a ` +
          `dictionary kind at ${BENCH_KIND.maxNodeMultiple} resources. Besides the ${VALUE_BYTES}-byte value, ` +
          `each kept value holds its ${signatureBytes}-byte signature, its key, its StoredData and map entries ` +
          `and an expiry timer entry; the signer's certificate (${certificateBytes} bytes of DER) is shared, ` +
          "since the verifier's parse cache hands every value the same copy. The Fetch row shows that " +
          'serving requests retains nothing per request once the duplicate-answer cache has expired them.',
      ].join('\n'),
    };
  },
};
