import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as h from '../../../../src/sip/message/headers.js';
import {
  checkMessage,
  inspectMessage,
  type NameAddr,
  parseDatagram,
  SipParseError,
  SipStreamFramer,
  serializeMessage,
  tagOf,
  unescapeUri,
  unquoteParam,
} from '../../../../src/sip/message/index.js';
import { thrown } from '../../../support/thrown.js';
import { tortureMessage, tortureNames } from '../../../support/torture.js';

/**
 * RFC 4475 §3 torture messages (test/vectors/sip-torture, expanded by test/support/torture.ts). The verdict
 * for each invalid message follows the RFC's commentary; see the comment at each case.
 */
const parse = (name: string) => parseDatagram(tortureMessage(name));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function rejects(name: string, respondable: boolean, status = 400, validate = true): void {
  assert.throws(
    () => {
      const m = parse(name);
      if (validate) checkMessage(m);
    },
    (e: unknown) => e instanceof SipParseError && e.respondable === respondable && e.status === status,
  );
}

function valid(name: string) {
  const m = parse(name);
  assert.deepEqual(
    inspectMessage(m).filter((p) => p.fatal),
    [],
  );
  return m;
}

const uriOf = (na: NameAddr | undefined) => {
  assert.ok(na !== undefined && na.uri.kind === 'sip');
  return na.uri;
};

describe('RFC 4475 torture messages', () => {
  describe('§3.1.1 valid messages parse', () => {
    it('3.1.1.1 wsinv: folding, escaped quotes, empty Subject, mixed compact forms, leading zeros', () => {
      const m = valid('wsinv');
      assert.equal(m.method, 'INVITE');
      assert.deepEqual(m.requestUri().kind === 'sip' && m.requestUri(), {
        kind: 'sip',
        scheme: 'sip',
        user: 'vivekg',
        host: 'chair-dnrc.example.com',
        params: [['unknownparam', null]],
        headers: [],
      });
      assert.equal(tagOf(m.to() as NameAddr), '1918181833n');
      assert.equal(m.from()?.displayName, 'J Rosenberg \\"');
      assert.equal(tagOf(m.from() as NameAddr), '98asjd8');
      assert.equal(m.maxForwards(), 68);
      assert.deepEqual(m.cseq(), { seq: 9, method: 'INVITE' });
      assert.deepEqual(
        m.vias().map((v) => [v.transport, v.host, v.branch]),
        [
          ['UDP', '192.0.2.2', '390skdjuw'],
          ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
          ['UDP', '192.168.255.111', 'z9hG4bK30239'],
        ],
      );
      assert.deepEqual(m.values('subject'), ['']);
      assert.deepEqual(m.values('newfangledheader'), ['newfangled value continued newfangled value']);
      assert.deepEqual(m.values('unknownheaderwithunusualvalue'), [';;,,;;,;']);
      const c = m.contact();
      assert.ok(!c.star);
      const contact = c.contacts[0] as NameAddr;
      assert.equal(contact.displayName, 'Quoted string ""');
      assert.deepEqual(contact.params, [
        ['newparam', 'newvalue'],
        ['secondparam', null],
        ['q', '0.33'],
      ]);
      assert.equal(h.contactQ(contact), 0.33);
      assert.deepEqual(uriOf(m.routes()[0]).params, [
        ['lr', null],
        ['unknownwith', 'value'],
        ['unknown-no-value', null],
      ]);
      assert.equal(m.body.length, 150);
    });

    it('3.1.1.2 intmeth: unusual method, URI, quoted NUL/BEL/DEL, UTF-8 values', () => {
      const m = valid('intmeth');
      assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
      const ruri = m.requestUri();
      assert.ok(ruri.kind === 'sip');
      assert.equal(ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      assert.equal(ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      assert.equal(m.to()?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
      assert.equal(m.from()?.displayName, "token1~` token2'+_ token3*%!.-");
      assert.equal(tagOf(m.from() as NameAddr), "_token~1'+`*%!-.");
      assert.equal(unquoteParam(m.from()?.params[0]?.[1]), 'работающий');
      assert.equal(m.callId(), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
      assert.equal(m.topVia()?.branch, "z9hG4bK-.!%66*_+`'~");
      assert.deepEqual(m.values("extensionheader-!.%*+_`'~"), ['\ufeff大停電']);
    });

    it('3.1.1.3 esc01: %-escapes in user parts and URI parameters are characters, not recursively', () => {
      const m = valid('esc01');
      const ruri = m.requestUri();
      assert.ok(ruri.kind === 'sip');
      assert.equal(unescapeUri(ruri.user ?? ''), 'sips:user@example.com');
      assert.equal(unescapeUri(uriOf(m.to()).user ?? ''), 'user');
      assert.equal(unescapeUri(uriOf(m.from()).user ?? ''), 'I have spaces');
      const c = m.contact();
      assert.ok(!c.star);
      const params = uriOf(c.contacts[0]).params.map(([n, v]) => [
        unescapeUri(n),
        v === null ? null : unescapeUri(v),
      ]);
      assert.deepEqual(params, [
        ['lr', null],
        ['name', 'value%41'],
      ]);
    });

    it('3.1.1.4 escnull: escaped NULs in user parts', () => {
      const m = valid('escnull');
      assert.equal(unescapeUri(uriOf(m.to()).user ?? ''), 'null-\x00-null');
      const c = m.contact();
      assert.ok(!c.star);
      assert.deepEqual(
        c.contacts.map((x) => unescapeUri(uriOf(x).user ?? '')),
        ['\x00', '\x00\x00'],
      );
    });

    it('3.1.1.5 esc02: % where it is no escape (method, display name, header name)', () => {
      const m = valid('esc02');
      assert.equal(m.method, 'RE%47IST%45R');
      assert.equal(m.to()?.displayName, '%Z%45');
      const c = m.contact();
      assert.ok(!c.star);
      assert.equal(c.contacts.length, 2);
      assert.equal(m.values('c%6fntact').length, 1);
    });

    it('3.1.1.6 lwsdisp: no LWS between display name and <', () => {
      assert.equal(valid('lwsdisp').from()?.displayName, 'caller');
    });

    it('3.1.1.7 longreq: long values and 34 Via values across many spellings', () => {
      const m = valid('longreq');
      assert.equal(m.to()?.displayName, `I have a user name of ${'extreme'.repeat(10)} proportion`);
      assert.equal(tagOf(m.from() as NameAddr), `12${'982'.repeat(50)}424`);
      assert.equal(m.callId(), `longreq.one${'really'.repeat(20)}longcallid`);
      const vias = m.vias();
      assert.equal(vias.length, 34);
      assert.equal(vias[0]?.host, 'sip33.example.com');
      assert.equal(vias[33]?.branch, `very${'long'.repeat(50)}branchvalue`);
      assert.equal(uriOf(m.from()).user, 'amazinglylongcallername'.repeat(5));
    });

    it('3.1.1.8 dblreq: octets after Content-Length in a datagram are discarded', () => {
      const m = valid('dblreq');
      assert.equal(m.method, 'REGISTER');
      assert.equal(m.body.length, 0);
    });

    it('3.1.1.9 semiuri: ";" in the user part', () => {
      const uri = valid('semiuri').requestUri();
      assert.ok(uri.kind === 'sip');
      assert.equal(unescapeUri(uri.user ?? ''), 'user;par=u@example.net');
      assert.deepEqual(uri.params, []);
    });

    it('3.1.1.10 transports: known and unknown transports in Via', () => {
      assert.deepEqual(
        valid('transports')
          .vias()
          .map((v) => v.transport),
        ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
      );
    });

    it('3.1.1.12 unreason: UTF-8 reason phrase', () => {
      const m = valid('unreason');
      assert.ok(m.start.type === 'response');
      assert.equal(m.start.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    });

    it('3.1.1.13 noreason: empty reason phrase', () => {
      const m = valid('noreason');
      assert.ok(m.start.type === 'response' && m.start.status === 100);
      assert.equal(m.start.reason, '');
    });

    it('every valid message with a correct Content-Length re-serialises byte for byte', () => {
      for (const name of [
        'wsinv',
        'intmeth',
        'esc01',
        'escnull',
        'esc02',
        'longreq',
        'unreason',
        'noreason',
      ]) {
        assert.equal(text(serializeMessage(parse(name))), text(tortureMessage(name)), name);
      }
    });
  });

  describe('§3.1.2 invalid messages are refused', () => {
    // Each: the RFC's verdict is "respond 400" unless noted; respondable = a request with Via and CSeq.
    it('3.1.2.1 badinv01: empty Via and Contact parameters → 400', () => rejects('badinv01', true));
    it('3.1.2.2 clerr: Content-Length larger than the datagram → 400', () =>
      rejects('clerr', true, 400, false));
    it('3.1.2.2 clerr on a stream: the framer waits for the missing octets', () => {
      const f = new SipStreamFramer();
      assert.deepEqual(f.push(tortureMessage('clerr')), []);
      assert.ok(f.pending > 0);
    });
    it('3.1.2.3 ncl: negative Content-Length → 400', () => rejects('ncl', true, 400, false));
    it('3.1.2.4 scalar02: overlarge CSeq, Max-Forwards, Expires → 400', () => rejects('scalar02', true));
    // A response is never answered: the element discards it.
    it('3.1.2.5 scalarlg: overlarge response scalars → dropped', () => rejects('scalarlg', false));
    it('3.1.2.6 quotbal: unterminated quoted display name → 400', () => rejects('quotbal', true));
    it('3.1.2.7 ltgtruri: <> around the Request-URI → 400', () => rejects('ltgtruri', true, 400, false));
    it('3.1.2.8 lwsruri: LWS inside the Request-URI → 400', () => rejects('lwsruri', true, 400, false));
    it('3.1.2.9 lwsstart: several SP in the Request-Line → 400', () => rejects('lwsstart', true, 400, false));
    it('3.1.2.10 trws: SP after the SIP-Version → 400', () => rejects('trws', true, 400, false));
    // The RFC lets a proxy forward it; we parse it and flag the problem for the proxy core to decide.
    it('3.1.2.11 escruri: headers in the Request-URI are detected (non-fatal)', () => {
      const p = inspectMessage(parse('escruri'));
      assert.deepEqual(
        p.map((x) => [x.code, x.fatal]),
        [['request-uri-has-headers', false]],
      );
    });
    // The Date header is not interpreted by a proxy (RFC: forward it); it passes untouched.
    it('3.1.2.12 baddate: non-GMT Date passes through unchanged', () => {
      const m = valid('baddate');
      assert.deepEqual(m.values('date'), ['Fri, 01 Jan 2010 16:00:00 EST']);
      assert.equal(text(serializeMessage(m)), text(tortureMessage('baddate')));
    });
    it('3.1.2.13 regbadct: "?" in an addr-spec Contact → 400', () => rejects('regbadct', true));
    it('3.1.2.14 badaspec: spaces inside <> → 400', () => rejects('badaspec', true));
    it('3.1.2.15 baddn: unquoted display name with a comma → 400', () => rejects('baddn', true));
    it('3.1.2.16 badvers: SIP/7.0 → 505', () => rejects('badvers', true, 505, false));
    it('3.1.2.17 mismatch01: CSeq method differs from the method → 400', () => rejects('mismatch01', true));
    it('3.1.2.18 mismatch02: unknown method with a CSeq of INVITE → 400', () => rejects('mismatch02', true));
    it('3.1.2.19 bigcode: status code out of range → dropped', () => rejects('bigcode', false, 400, false));
  });

  describe('§3.2 transaction layer', () => {
    it('3.2.1 badbranch: a branch that is only the magic cookie still parses', () => {
      assert.equal(valid('badbranch').topVia()?.branch, 'z9hG4bK');
    });
  });

  describe('§3.3 application layer (as far as the parser goes)', () => {
    it('3.3.1 insuf: missing Call-ID, From, To → 400 (Via and CSeq allow the answer)', () =>
      rejects('insuf', true));
    it('3.3.2/3.3.3 unkscm, novelsc: unknown Request-URI schemes parse and are flagged for 416', () => {
      for (const name of ['unkscm', 'novelsc']) {
        assert.deepEqual(
          inspectMessage(parse(name)).map((p) => [p.code, p.fatal]),
          [['request-uri-scheme-unknown', false]],
        );
      }
    });
    it('3.3.4 unksm2: unknown schemes in To and From parse as opaque URIs', () => {
      const m = valid('unksm2');
      assert.equal(m.to()?.uri.scheme, 'isbn');
      assert.equal(m.from()?.uri.scheme, 'http');
    });
    it('3.3.5 bext01: Require and Proxy-Require lists', () => {
      const m = valid('bext01');
      assert.deepEqual(m.get(h.REQUIRE), ['nothingSupportsThis', 'nothingSupportsThisEither']);
      assert.deepEqual(m.get(h.PROXY_REQUIRE), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    });
    it('3.3.6 invut: unknown Content-Type', () => {
      assert.equal(valid('invut').get(h.CONTENT_TYPE)?.subtype, 'unknownformat');
    });
    it('3.3.7 regaut01: unknown authorization scheme', () => {
      assert.equal(valid('regaut01').get(h.AUTHORIZATION)[0]?.scheme, 'NoOneKnowsThisScheme');
    });
    it('3.3.8 multi01: repeated single-value headers → 400', () => rejects('multi01', true));
    it('3.3.9 mcl01: two Content-Lengths → 400', () => rejects('mcl01', true, 400, false));
    it('3.3.10 bcast: a response with a broadcast Via parses', () => {
      assert.equal(valid('bcast').vias()[1]?.host, '255.255.255.255');
    });
    it('3.3.11 zeromf: Max-Forwards 0 parses (483 is the proxy core decision)', () => {
      assert.equal(valid('zeromf').maxForwards(), 0);
    });
    it('3.3.12 cparam01: parameters of an addr-spec Contact are header parameters', () => {
      const c = valid('cparam01').contact();
      assert.ok(!c.star);
      assert.deepEqual(c.contacts[0]?.params, [['unknownparam', null]]);
      assert.deepEqual(uriOf(c.contacts[0]).params, []);
    });
    it('3.3.13 cparam02: parameters inside <> are URI parameters', () => {
      const c = valid('cparam02').contact();
      assert.ok(!c.star);
      assert.deepEqual(c.contacts[0]?.params, []);
      assert.deepEqual(uriOf(c.contacts[0]).params, [['unknownparam', null]]);
    });
    it('3.3.14 regescrt: escaped headers in a Contact URI', () => {
      const c = valid('regescrt').contact();
      assert.ok(!c.star);
      assert.deepEqual(uriOf(c.contacts[0]).headers, [['Route', '%3Csip:sip.example.com%3E']]);
    });
    it('3.3.15 sdp01: Accept of an unknown type parses', () => {
      assert.deepEqual(valid('sdp01').values('accept'), ['text/nobodyKnowsThis']);
    });
    it('3.4.1 inv2543: RFC 2543 request without branch, Max-Forwards or Content-Length', () => {
      const m = valid('inv2543');
      assert.equal(m.topVia()?.branch, undefined);
      assert.equal(m.maxForwards(), undefined);
      assert.equal(m.body.length, 105);
    });
  });

  it('every message, datagram and stream, throws nothing but SipParseError', () => {
    for (const name of tortureNames()) {
      const bytes = tortureMessage(name);
      for (const step of [1, 7, bytes.length]) {
        const f = new SipStreamFramer();
        const e1 = thrown(() => {
          for (let i = 0; i < bytes.length; i += step) f.push(bytes.subarray(i, i + step));
        });
        assert.ok(e1 === undefined || e1 instanceof SipParseError, `${name}: ${String(e1)}`);
      }
      const e2 = thrown(() => checkMessage(parseDatagram(bytes)));
      assert.ok(e2 === undefined || e2 instanceof SipParseError, `${name}: ${String(e2)}`);
    }
  });
});
