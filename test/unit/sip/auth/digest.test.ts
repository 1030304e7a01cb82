import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../../../src/core/random.js';
import {
  authorize,
  DigestServer,
  digestResponse,
  ha1,
  NonceFactory,
} from '../../../../src/sip/auth/index.js';
import { createRequest, parseAuth, WWW_AUTHENTICATE } from '../../../../src/sip/message/index.js';

describe('digest computation (published examples)', () => {
  // RFC 7616 §3.9.1, verbatim.
  const rfc7616 = {
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    qop: 'auth' as const,
  };

  it('RFC 7616 §3.9.1 MD5 example', () => {
    const key = ha1('Mufasa', 'http-auth@example.org', 'Circle of Life', 'MD5');
    assert.equal(
      digestResponse({ ...rfc7616, algorithm: 'MD5', ha1: key }),
      '8ca523f5e9506fed4657c9700eebdbec',
    );
  });

  it('RFC 7616 §3.9.1 SHA-256 example', () => {
    const key = ha1('Mufasa', 'http-auth@example.org', 'Circle of Life', 'SHA-256');
    assert.equal(
      digestResponse({ ...rfc7616, algorithm: 'SHA-256', ha1: key }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('RFC 2617 §3.5 example', () => {
    const key = ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const r = digestResponse({
      algorithm: 'MD5',
      ha1: key,
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
  });
});

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const secret = new Uint8Array(32).fill(7);
const realm = 'p2psip.test';
const users: Record<string, string> = { alice: 'secret' };
const lookup = (user: string, r: string, a: 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess') =>
  users[user] === undefined ? undefined : ha1(user, r, users[user] ?? '', a);

function server(algorithms: Array<'MD5' | 'SHA-256'> = ['SHA-256', 'MD5']) {
  return new DigestServer({
    realm,
    nonces: new NonceFactory({ secret, random: new SeededRandom(1) }),
    algorithms,
  });
}

function register(authorization?: string) {
  const headers: Array<[string, string]> = [
    ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1'],
    ['From', `<sip:alice@${realm}>;tag=1`],
    ['To', `<sip:alice@${realm}>`],
    ['Call-ID', 'reg-1'],
    ['CSeq', '2 REGISTER'],
  ];
  if (authorization !== undefined) headers.push(['Authorization', authorization]);
  return createRequest('REGISTER', `sip:${realm}`, headers);
}

function challengeOf(s: DigestServer, now: number, index = 0) {
  const c = s.challenge(now);
  const msg = createRequest('X', 'sip:x', c.headers);
  const v = msg.get(WWW_AUTHENTICATE)[index];
  assert.ok(v !== undefined);
  return { status: c.status, value: v };
}

/** alice's first REGISTER answer (nc 1) to a challenge. */
function aliceAnswers(value: ReturnType<typeof challengeOf>['value']): string {
  return (
    authorize(
      value,
      { username: 'alice', password: 'secret' },
      { method: 'REGISTER', uri: `sip:${realm}`, cnonce: 'c', nc: 1 },
    ) ?? ''
  );
}

describe('digest server (RFC 3261 §22, RFC 7616)', () => {
  it('challenges with realm, nonce, algorithm and qop, SHA-256 first', () => {
    const s = server();
    const { status, value } = challengeOf(s, 0);
    assert.equal(status, 401);
    assert.equal(value.params.get('realm'), realm);
    assert.equal(value.params.get('algorithm'), 'SHA-256');
    assert.equal(value.params.get('qop'), 'auth');
    assert.ok((value.params.get('nonce') ?? '').length > 20);
  });

  for (const algorithm of ['SHA-256', 'MD5'] as const) {
    it(`accepts credentials the client side computes (${algorithm})`, () => {
      const s = server([algorithm]);
      const { value } = challengeOf(s, 0);
      const auth = authorize(
        value,
        { username: 'alice', password: 'secret' },
        { method: 'REGISTER', uri: `sip:${realm}`, cnonce: 'abc', nc: 1 },
      );
      assert.ok(auth !== undefined);
      assert.deepEqual(s.verify(register(auth), lookup, 1000), { ok: true, user: 'alice' });
    });
  }

  it('accepts a SIPp-style MD5 Authorization (computed independently here)', () => {
    const s = server(['MD5']);
    const nonce = challengeOf(s, 0).value.params.get('nonce') ?? '';
    const a1 = md5(`alice:${realm}:secret`);
    const a2 = md5(`REGISTER:sip:${realm}`);
    const response = md5(`${a1}:${nonce}:00000001:6b8b4567:auth:${a2}`);
    const header = `Digest username="alice",realm="${realm}",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:${realm}",nonce="${nonce}",response="${response}",algorithm=MD5`;
    assert.deepEqual(s.verify(register(header), lookup, 10), { ok: true, user: 'alice' });
  });

  it('rejects a wrong password, a replayed nonce-count and a foreign URI', () => {
    const s = server(['MD5']);
    const { value } = challengeOf(s, 0);
    const input = { method: 'REGISTER', uri: `sip:${realm}`, cnonce: 'c', nc: 1 };
    const bad = authorize(value, { username: 'alice', password: 'nope' }, input) ?? '';
    assert.equal(s.verify(register(bad), lookup, 1).ok, false);
    const good = authorize(value, { username: 'alice', password: 'secret' }, input) ?? '';
    assert.equal(s.verify(register(good), lookup, 1).ok, true);
    assert.deepEqual(s.verify(register(good), lookup, 2), { ok: false, reason: 'replay', stale: false });
    const next = authorize(value, { username: 'alice', password: 'secret' }, { ...input, nc: 2 }) ?? '';
    assert.equal(s.verify(register(next), lookup, 3).ok, true);
    const other =
      authorize(
        value,
        { username: 'alice', password: 'secret' },
        { ...input, uri: 'sip:elsewhere', nc: 3 },
      ) ?? '';
    assert.deepEqual(s.verify(register(other), lookup, 4), { ok: false, reason: 'wrong-uri', stale: false });
  });

  it('refuses a replay among thousands of nonces in use, and forgets each nonce a lifetime after its use', () => {
    const s = server(['MD5']);
    const use = (nonceAt: number, at: number) => {
      const { value } = challengeOf(s, nonceAt);
      const auth = aliceAnswers(value);
      assert.equal(s.verify(register(auth), lookup, at).ok, true);
      return auth;
    };
    const first = use(0, 0);
    for (let i = 1; i < 3000; i++) use(i * 10, i * 10);
    assert.deepEqual(s.verify(register(first), lookup, 30_000), {
      ok: false,
      reason: 'replay',
      stale: false,
    });
    assert.equal(s.trackedNonces, 3000);
    // Five minutes (the nonce lifetime) after the last use, one more use leaves only itself remembered.
    use(30_000 + 5 * 60_000, 30_000 + 5 * 60_000 + 1);
    assert.equal(s.trackedNonces, 1);
  });

  it('answers an expired nonce with valid credentials as stale', () => {
    const s = server(['MD5']);
    const { value } = challengeOf(s, 0);
    const auth = aliceAnswers(value);
    assert.deepEqual(s.verify(register(auth), lookup, 10 * 60_000), {
      ok: false,
      reason: 'stale',
      stale: true,
    });
    assert.match(s.challenge(10 * 60_000, true).headers[0]?.[1] ?? '', /stale=true/);
  });

  it('refuses forged nonces and lets a no-qop (RFC 2069) nonce be used once', () => {
    const s = server(['MD5']);
    const forged = `Digest username="alice", realm="${realm}", nonce="AAAA", uri="sip:${realm}", response="00"`;
    assert.deepEqual(s.verify(register(forged), lookup, 0), {
      ok: false,
      reason: 'invalid-nonce',
      stale: false,
    });
    const noQop = parseAuth(
      `Digest realm="${realm}", nonce="${challengeOf(s, 0).value.params.get('nonce')}"`,
    );
    const auth =
      authorize(
        noQop,
        { username: 'alice', password: 'secret' },
        { method: 'REGISTER', uri: `sip:${realm}`, cnonce: '', nc: 1 },
      ) ?? '';
    assert.doesNotMatch(auth, /qop/);
    assert.equal(s.verify(register(auth), lookup, 1).ok, true);
    assert.deepEqual(s.verify(register(auth), lookup, 2), { ok: false, reason: 'replay', stale: false });
  });
});
