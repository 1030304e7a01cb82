import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8, utf8 } from '../../../src/core/bytes.js';
import { nodeIdToHex } from '../../../src/core/ids.js';
import type { MemoryLogger } from '../../../src/core/logger.js';
import { signAnnouncement } from '../../../src/enrollment/announcement.js';
import type { HttpRequest, HttpResponse } from '../../../src/enrollment/http.js';
import type { FormField } from '../../../src/enrollment/multipart.js';
import { hashPassword } from '../../../src/enrollment/passwords.js';
import { CONFIG_PATH, MEDIA } from '../../../src/enrollment/protocol.js';
import { EMPTY_USERS, withUser } from '../../../src/enrollment/users.js';
import { createCertificateRequest } from '../../../src/reload/security/ca.js';
import { parseCertificate } from '../../../src/reload/security/certificate.js';
import { generateKeyPair, type KeyPair } from '../../../src/reload/security/keys.js';
import { checkNodeCertificate, trustSettingsFromConfig } from '../../../src/reload/security/trust.js';
import {
  enrolment as baseEnrolment,
  request as baseRequest,
  bodyText,
  ENROL_NOW,
  enrolmentForm,
  FAST_SCRYPT,
  type ServiceUnderTest,
  serviceFor,
} from '../../support/enrollment-http.js';
import { SIGNED_OVERLAY, type SignedOverlay, signedOverlay } from '../../support/signed-config.js';

const NOW = ENROL_NOW;
const USER = `alice@${SIGNED_OVERLAY}`;

interface World extends ServiceUnderTest {
  readonly f: SignedOverlay;
  readonly keys: KeyPair;
  readonly csr: Uint8Array;
}

const shared = (async () => {
  const f = await signedOverlay();
  const keys = await generateKeyPair('ecdsa-p256');
  const users = withUser(EMPTY_USERS, 'alice', await hashPassword('secret', FAST_SCRYPT));
  return { f, keys, users, csr: await createCertificateRequest(keys, USER) };
})();

async function world(limits: { maxConcurrent?: number } = {}): Promise<World> {
  const { f, keys, users, csr } = await shared;
  return { f, keys, csr, ...serviceFor(f, users, { limits }) };
}

const request = (o: Partial<HttpRequest>): HttpRequest => baseRequest({ now: NOW, ...o });

function enrolment(fields: FormField[], accept: string | undefined = MEDIA.pkixCert): HttpRequest {
  return baseEnrolment(fields, NOW, accept);
}

function form(csr: Uint8Array, password = 'secret', extra: FormField[] = []): FormField[] {
  return [...enrolmentForm('alice', password, csr), ...extra];
}

const issued = (log: MemoryLogger) => log.records.filter((r) => r.message === 'certificate issued');

describe('enrolment service (RFC 6940 §11.3)', () => {
  it('issues one DER certificate with a server-chosen Node-ID and the user name, chained to the CA', async () => {
    const w = await world();
    const r = await w.service.handle(enrolment(form(w.csr)));
    assert.equal(r.status, 200, bodyText(r));
    assert.equal(r.contentType, MEDIA.pkixCert);
    assert.ok(r.body instanceof Uint8Array);
    const cert = parseCertificate(r.body);
    assert.equal(cert.userName, USER);
    assert.equal(cert.nodeIds.length, 1);
    assert.equal(checkNodeCertificate(cert, trustSettingsFromConfig(w.f.config), NOW).kind, 'chain');
    assert.equal(issued(w.log).length, 1);
    assert.equal(w.saved.length, 1, 'the allocation is saved before the certificate goes out');
    const again = await w.service.handle(enrolment(form(w.csr)));
    assert.ok(again.body instanceof Uint8Array);
    assert.deepEqual(parseCertificate(again.body).nodeIds, cert.nodeIds, 'same user and key, same Node-ID');
    const other = await createCertificateRequest(await generateKeyPair('ecdsa-p256'), USER);
    const third = await w.service.handle(enrolment(form(other)));
    assert.ok(third.body instanceof Uint8Array);
    assert.notDeepEqual(parseCertificate(third.body).nodeIds, cert.nodeIds, 'another key, another Node-ID');
  });

  it('answers a wrong password or an unknown user with 401 failed_authentication, issuing nothing', async () => {
    const w = await world();
    for (const fields of [
      form(w.csr, 'wrong'),
      [{ name: 'username', value: 'mallory' }, ...form(w.csr).slice(1)],
      form(w.csr).slice(2),
    ]) {
      const r = await w.service.handle(enrolment(fields));
      assert.equal(r.status, 401);
      assert.equal(bodyText(r), 'failed_authentication\n');
      assert.match(r.headers?.['WWW-Authenticate'] ?? '', /^RELOAD-enrollment realm="signed\.example\.org"$/);
    }
    assert.equal(issued(w.log).length, 0);
    assert.equal(w.saved.length, 0);
    const warned = w.log.records.filter(
      (r) => r.message === 'enrolment refused: wrong user name or password',
    );
    assert.deepEqual(
      warned.map((r) => [r.level, r.fields.user, r.fields.remote]),
      [
        ['warn', 'alice', '127.0.0.1:5000'],
        ['warn', 'mallory', '127.0.0.1:5000'],
        ['warn', null, '127.0.0.1:5000'],
      ],
    );
  });

  it('answers a malformed or mistyped CSR with 400 bad_CSR, logged, nothing issued', async () => {
    const w = await world();
    const tampered = w.csr.slice();
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0x55;
    const cases: FormField[][] = [
      form(utf8('not a CSR at all')),
      form(tampered),
      form(w.csr).slice(0, 2),
      [...form(w.csr).slice(0, 2), { name: 'csr', value: w.csr, contentType: 'application/octet-stream' }],
    ];
    for (const fields of cases) {
      const r = await w.service.handle(enrolment(fields));
      assert.equal(r.status, 400);
      assert.equal(bodyText(r), 'bad_CSR\n');
    }
    assert.equal(w.log.records.filter((r) => r.message === 'enrolment refused: bad CSR').length, 4);
    assert.equal(issued(w.log).length, 0);
  });

  it('accepts the CSR as PEM text too', async () => {
    const w = await world();
    const b64 = Buffer.from(w.csr).toString('base64');
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    const r = await w.service.handle(enrolment(form(utf8(pem))));
    assert.equal(r.status, 200, bodyText(r));
  });

  it('refuses a CSR that asks for another user name with 403 username_not_available', async () => {
    const w = await world();
    const csr = await createCertificateRequest(w.keys, `bob@${SIGNED_OVERLAY}`);
    const r = await w.service.handle(enrolment(form(csr)));
    assert.equal(r.status, 403);
    assert.equal(bodyText(r), 'username_not_available\n');
  });

  it('gives the number of Node-IDs asked for, up to the limit', async () => {
    const w = await world();
    const two = await w.service.handle(enrolment(form(w.csr, 'secret', [{ name: 'nodeids', value: '2' }])));
    assert.ok(two.body instanceof Uint8Array);
    const ids = parseCertificate(two.body).nodeIds;
    assert.equal(new Set(ids.map((id) => nodeIdToHex(id))).size, 2);
    for (const n of ['5', '0', 'many']) {
      const r = await w.service.handle(enrolment(form(w.csr, 'secret', [{ name: 'nodeids', value: n }])));
      assert.equal(r.status, 403, n);
      assert.equal(bodyText(r), 'Node-IDs_not_available\n');
    }
  });

  it('answers a body that is not a form with 400, and an Accept without pkix-cert with 406', async () => {
    const w = await world();
    const json = await w.service.handle(
      request({ method: 'POST', path: '/enroll', contentType: 'application/json', body: utf8('{}') }),
    );
    assert.equal(json.status, 400);
    const html = await w.service.handle(enrolment(form(w.csr), 'text/html'));
    assert.equal(html.status, 406);
    const any = await w.service.handle(enrolment(form(w.csr), 'text/html, */*;q=0.1'));
    assert.equal(any.status, 200);
  });

  it('refuses more enrolments at once than its limit with 503', async () => {
    const w = await world({ maxConcurrent: 1 });
    const [a, b] = await Promise.all([
      w.service.handle(enrolment(form(w.csr))),
      w.service.handle(enrolment(form(w.csr))),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 503]);
  });
});

describe('configuration service (RFC 6940 §11.2) and routes', () => {
  it('serves the signed document byte for byte as application/p2p-overlay+xml', async () => {
    const w = await world();
    const r = await w.service.handle(request({ path: CONFIG_PATH }));
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'application/p2p-overlay+xml');
    assert.equal(bodyText(r), fromUtf8(w.document));
  });

  it('answers wrong methods with 405 and unknown paths with 404', async () => {
    const w = await world();
    assert.equal((await w.service.handle(request({ method: 'POST', path: CONFIG_PATH }))).status, 405);
    assert.equal((await w.service.handle(request({ method: 'GET', path: '/enroll' }))).status, 405);
    assert.equal((await w.service.handle(request({ path: '/etc/passwd' }))).status, 404);
  });
});

describe('bootstrap list', () => {
  async function announce(w: World, body: unknown, now = NOW): Promise<HttpResponse> {
    return w.service.handle(
      request({
        method: 'POST',
        path: '/bootstrap',
        contentType: MEDIA.json,
        body: utf8(JSON.stringify(body)),
        now,
      }),
    );
  }

  it('lists a peer that announced itself with its overlay certificate, until the entry expires', async () => {
    const w = await world();
    const peer = await w.f.issue(`peer@${SIGNED_OVERLAY}`);
    const a = signAnnouncement(peer, {
      overlay: SIGNED_OVERLAY,
      address: '127.0.0.9',
      port: 7000,
      time: NOW,
    });
    const r = await announce(w, a);
    assert.equal(r.status, 200, bodyText(r));
    const list = JSON.parse(bodyText(await w.service.handle(request({ path: '/bootstrap' }))));
    assert.deepEqual(
      list.nodes.map((n: { nodeId?: string; address: string; port: number }) => [
        n.nodeId,
        n.address,
        n.port,
      ]),
      [[nodeIdToHex(peer.nodeId), '127.0.0.9', 7000]],
    );
    const later = await w.service.handle(request({ path: '/bootstrap', now: NOW + 11 * 60_000 }));
    assert.deepEqual(JSON.parse(bodyText(later)).nodes, []);
  });

  it('refuses forged, foreign, stale, misaddressed and malformed announcements', async () => {
    const w = await world();
    const peer = await w.f.issue(`peer2@${SIGNED_OVERLAY}`);
    const foreign = await (await signedOverlay()).issue(`peer@${SIGNED_OVERLAY}`);
    const base = { overlay: SIGNED_OVERLAY, address: '127.0.0.9', port: 7000, time: NOW };
    const good = signAnnouncement(peer, base);
    const cases: [unknown, number][] = [
      [{ ...good, port: 7001 }, 403],
      [signAnnouncement(foreign, base), 403],
      [signAnnouncement(peer, { ...base, time: NOW - 10 * 60_000 }), 400],
      [signAnnouncement(peer, { ...base, overlay: 'other.example.org' }), 400],
      [{ ...good, address: 'peer.example.org' }, 400],
      ['not an object', 400],
    ];
    for (const [body, status] of cases)
      assert.equal((await announce(w, body)).status, status, JSON.stringify(body).slice(0, 80));
    const list = JSON.parse(bodyText(await w.service.handle(request({ path: '/bootstrap' }))));
    assert.deepEqual(list.nodes, []);
  });
});
