import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type NodeId, nodeIdFromHex, nodeIdToHex } from '../../src/core/ids.js';
import { loadAuthority } from '../../src/platform/node/overlay-authority.js';
import { overlayHash } from '../../src/reload/config/hashes.js';
import { ErrorCode, errorResponse, joinReq, MessageCode } from '../../src/reload/messages/index.js';
import {
  createCertificateAuthority,
  issueIdentity,
  issueNodeCertificate,
  randomNodeId,
} from '../../src/reload/security/ca.js';
import { certificateFromPem, certificateToPem } from '../../src/reload/security/certificate.js';
import { identityFromParts } from '../../src/reload/security/identity.js';
import { generateKeyPair, privateKeyFromPem, privateKeyToPem } from '../../src/reload/security/keys.js';
import { X509Signer } from '../../src/reload/security/signer.js';
import { decode, encode } from '../../src/wire/index.js';
import {
  addUser,
  type CaOverlay,
  createCaOverlayDir,
  editAndUpdate,
  enroll,
  type ServerProcess,
  startEnrollmentServer,
} from '../support/ca-overlay.js';
import { getMetrics, getStatus, ringProblems, type Status } from '../support/control.js';
import {
  freePort,
  killAll,
  type PeerProcess,
  runCli,
  startPeer,
  waitUntil,
} from '../support/peer-process.js';
import { buildRequest, TestClient } from '../support/reload-client.js';

/**
 * An overlay with a CA (RFC 6940 §11.3) run as real processes on 127.0.0.1: `p2psip enrollment serve`, five
 * peers enrolled with `p2psip enroll`, nodes whose certificates must be refused (another CA, expired, a
 * Node-ID it does not hold), and configuration updates from `p2psip overlay update` that reach every peer
 * by ConfigUpdate (RFC 6940 §6.5.4), one of them revoking a peer with bad-node (§11.1).
 */
const NAME = 'sec.p2psip';
const PEERS = 5;

type PeerStatus = Status & { readonly configurationSequence: number };

describe('a CA overlay of enrolled peers (RFC 6940 §11.3, §13)', { timeout: 300_000 }, () => {
  const T = { timeout: 90_000 };
  let root = '';
  let overlay: CaOverlay;
  let server: ServerProcess | undefined;
  const peers: PeerProcess[] = [];
  const statusOf = (p: PeerProcess): Promise<PeerStatus> => getStatus(p.control) as Promise<PeerStatus>;
  const statuses = (ps: readonly PeerProcess[] = peers): Promise<PeerStatus[]> =>
    Promise.all(ps.map(statusOf));
  /** Every Node-ID some peer names as a neighbour or finger. */
  const named = (ss: readonly Status[]): Set<string> =>
    new Set(ss.flatMap((s) => [...s.predecessors, ...s.successors, ...s.fingers]));
  const tlsOf = (p: PeerProcess) => {
    const [host, port] = p.listen.split(':');
    return { host: host ?? '127.0.0.1', port: Number(port) };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'p2psip-sec-'));
    const bootstrap = { host: '127.0.0.1', port: await freePort() };
    const enrollment = { host: '127.0.0.1', port: await freePort() };
    overlay = await createCaOverlayDir(root, { name: NAME, enrollment, bootstrap });
    for (let i = 0; i < PEERS; i++) await addUser(overlay, `user${i}`, `password-${i}`);
    await addUser(overlay, 'mallory', 'mallory-pw');
    server = await startEnrollmentServer(overlay);
    // The server takes several enrolments at once; the peers start once all have their certificates.
    const enrolled = await Promise.all(
      Array.from({ length: PEERS }, (_, i) =>
        enroll(overlay, `user${i}`, `password-${i}`, join(root, `peer${i}`)),
      ),
    );
    for (const r of enrolled) assert.equal(r.code, 0, r.stderr);
    const start = (i: number) =>
      startPeer({
        overlayXml: join(root, `peer${i}`, 'overlay.xml'),
        identityDir: join(root, `peer${i}`),
        listen: { host: '127.0.0.1', port: i === 0 ? bootstrap.port : 0 },
        // Only peer 0 asks the configuration server for news: the others must learn by ConfigUpdate.
        extraArgs: i === 0 ? ['--config-refresh', '1'] : [],
      });
    peers.push(await start(0));
    peers.push(...(await Promise.all(Array.from({ length: PEERS - 1 }, (_, i) => start(i + 1)))));
  });

  after(async () => {
    await killAll();
    await server?.stop();
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('five peers enrolled with p2psip enroll form a ring', T, async () => {
    await waitUntil('a ring of five', async () => ringProblems(await statuses()), 60_000);
    for (const s of await statuses()) {
      assert.equal(s.overlay, NAME);
      assert.equal(s.configurationSequence, 2, 'the document as overlay update signed it');
      assert.equal(s.internalErrors, 0);
    }
  });

  it(
    'refuses a certificate from another CA and an expired one at TLS: no peer ever lists them',
    T,
    async () => {
      const now = Date.now();
      const otherCa = await createCertificateAuthority({ overlay: NAME, now, keyAlgorithm: 'ecdsa-p256' });
      const eve = await issueIdentity(otherCa, {
        overlay: NAME,
        nodeIdLength: 16,
        userName: `eve@${NAME}`,
        now,
        validityMs: 3600_000,
        keyAlgorithm: 'ecdsa-p256',
      });
      const ca = await loadAuthority(overlay.dir);
      const keys = await generateKeyPair('ecdsa-p256');
      const oldId = randomNodeId(16);
      const oldCert = await issueNodeCertificate(ca, {
        subjectPublicKey: new Uint8Array(keys.publicKey.export({ type: 'spki', format: 'der' })),
        nodeIds: [oldId],
        nodeIdLength: 16,
        overlay: NAME,
        userName: `old@${NAME}`,
        notBefore: now - 2 * 86_400_000,
        notAfter: now - 86_400_000,
      });
      const intruders = [
        {
          id: eve.nodeId,
          keyPem: privateKeyToPem(eve.privateKey),
          certPem: certificateToPem(eve.certificate.der),
          why: /does not chain to a root-cert/,
        },
        {
          id: oldId,
          keyPem: privateKeyToPem(keys.privateKey),
          certPem: certificateToPem(oldCert),
          why: /expired at/,
        },
      ];
      const target = peers[1] as PeerProcess;
      const series = 'p2psip_tls_refused_total{reason="bad certificate"}';
      for (const x of intruders) {
        const before = (await getMetrics(target.control)).get(series) ?? 0;
        const c = await TestClient.connectTls(tlsOf(target), x);
        await c.closed;
        assert.equal(c.frames.length, 0, 'not one RELOAD frame reached the intruder');
        assert.equal((await getMetrics(target.control)).get(series), before + 1);
        assert.ok(target.logs.some((r) => r.reason === 'bad certificate' && x.why.test(String(r.error))));
        // The same certificate in a peer's identity directory: `p2psip peer` refuses to run with it.
        const dir = join(root, `intruder-${nodeIdToHex(x.id)}`);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'overlay.xml'), await readFile(join(overlay.dir, 'overlay.xml')));
        await writeFile(join(dir, 'node.key'), x.keyPem, { mode: 0o600 });
        await writeFile(join(dir, 'node.crt'), x.certPem);
        const r = await runCli([
          'peer',
          '--identity',
          dir,
          '--listen',
          '127.0.0.1:0',
          '--control',
          '127.0.0.1:0',
        ]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`^p2psip peer: [^\\n]*${x.why.source}[^\\n]*\\n$`));
      }
      const ss = await statuses();
      assert.deepEqual(ringProblems(ss), []);
      const ids = named(ss);
      for (const x of intruders) assert.equal(ids.has(nodeIdToHex(x.id)), false);
    },
  );

  it(
    'refuses a Join for a Node-ID the joining certificate does not carry (RFC 6940 §6.4.2.1)',
    T,
    async () => {
      const dir = join(root, 'mallory');
      const r = await enroll(overlay, 'mallory', 'mallory-pw', dir);
      assert.equal(r.code, 0, r.stderr);
      const keyPem = await readFile(join(dir, 'node.key'), 'utf8');
      const certPem = await readFile(join(dir, 'node.crt'), 'utf8');
      const identity = identityFromParts(privateKeyFromPem(keyPem), certificateFromPem(certPem));
      const target = peers[2] as PeerProcess;
      const c = await TestClient.connectTls(tlsOf(target), { keyPem, certPem });
      // The place just before the target's: the one a thief would want.
      const claimed = (BigInt(`0x${target.nodeId}`) - 1n) as NodeId;
      const joinRequest = buildRequest(new X509Signer(identity, 16), {
        overlay: overlayHash(NAME),
        configurationSequence: 2,
        destination: [{ type: 'node', id: nodeIdFromHex(target.nodeId) }],
        code: MessageCode.join_req,
        body: encode(joinReq, { joiningPeerId: claimed, overlaySpecificData: new Uint8Array() }),
      });
      c.send(joinRequest.bytes);
      const answer = await c.answerTo(joinRequest.txid);
      assert.equal(answer.contents.code, MessageCode.error);
      assert.equal(decode(errorResponse, answer.contents.body).errorCode, ErrorCode.Error_Forbidden);
      c.close();
      const ids = named(await statuses());
      assert.equal(ids.has(nodeIdToHex(claimed)), false);
      assert.equal(ids.has(nodeIdToHex(identity.nodeId)), false);
    },
  );

  it('p2psip enroll with a wrong password exits 1 with a one-line reason', T, async () => {
    const r = await enroll(overlay, 'user0', 'not-the-password', join(root, 'wrong'));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^p2psip enroll: enrolment server refused user0: wrong user name or password\n$/);
  });

  it('an updated configuration reaches every peer by ConfigUpdate (RFC 6940 §6.5.4)', T, async () => {
    const sequence = await editAndUpdate(overlay.dir, (xml) => xml);
    assert.equal(sequence, 3);
    await waitUntil(
      'sequence 3 everywhere',
      async () =>
        (await statuses())
          .filter((s) => s.configurationSequence !== 3)
          .map((s) => `${s.nodeId}: ${s.configurationSequence}`),
      60_000,
    );
    // Each peer keeps the document in force as its overlay.xml (written just after it is installed).
    await waitUntil(
      'overlay.xml rewritten everywhere',
      async () => {
        const texts = await Promise.all(
          peers.map((p) => readFile(join(p.identityDir, 'overlay.xml'), 'utf8')),
        );
        return peers
          .filter((_, i) => !/sequence="3"/.test(texts[i] ?? ''))
          .map((p) => `${p.nodeId}: old file`);
      },
      10_000,
    );
    // Peer 0 fetched it from the configuration server; the others learnt it from the overlay (a
    // ConfigUpdate, or a request with the newer sequence that made them fetch it too).
    const installed = (p: PeerProcess) =>
      p.logs.find((r) => r.msg === 'new configuration in force' && r.sequence === 3);
    assert.equal(installed(peers[0] as PeerProcess)?.from, 'configuration server');
    assert.ok(
      peers.slice(1).some((p) => /^[0-9a-f]{32}$/.test(String(installed(p)?.from))),
      'at least one peer installed it from a ConfigUpdate',
    );
    for (const s of await statuses()) assert.equal(s.internalErrors, 0);
  });

  it(
    'a bad-node in the next configuration loses its links and its place in every routing table',
    T,
    async () => {
      const victim = peers[4] as PeerProcess;
      const rest = peers.slice(0, 4);
      const sequence = await editAndUpdate(overlay.dir, (xml) =>
        xml.replace(
          /(<configuration-signer>[^<]*<\/configuration-signer>)/,
          `$1\n    <bad-node>${victim.nodeId}</bad-node>`,
        ),
      );
      assert.equal(sequence, 4);
      await waitUntil(
        'the victim revoked',
        async () => {
          const ss = await statuses(rest);
          const problems = ringProblems(ss);
          for (const s of ss)
            if (s.configurationSequence !== 4)
              problems.push(`${s.nodeId}: sequence ${s.configurationSequence}`);
          if (named(ss).has(victim.nodeId)) problems.push(`${victim.nodeId} is still named`);
          return problems;
        },
        60_000,
      );
      assert.ok(
        rest.some((p) =>
          p.logs.some((r) => String(r.error).includes(`${victim.nodeId} is listed as a bad-node`)),
        ),
        'a peer closed or refused the victim for being a bad-node',
      );
      for (const s of await statuses(rest)) assert.equal(s.internalErrors, 0);
    },
  );
});
