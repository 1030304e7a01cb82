import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkMessage,
  createRequest,
  inspectMessage,
  parseDatagram,
  SipParseError,
  SipStreamFramer,
  type StreamEvent,
  serializeMessage,
} from '../../src/sip/message/index.js';
import { findHeaderEnd } from '../../src/sip/message/parser.js';
import { thrown } from '../support/thrown.js';
import { propertyRuns } from '../support/tools.js';
import { tortureMessage, tortureNames } from '../support/torture.js';

const torture = tortureNames().map(tortureMessage);

/** Parses and touches everything a proxy would; must throw nothing but SipParseError. */
function exercise(bytes: Uint8Array): unknown {
  return thrown(() => {
    const m = parseDatagram(bytes);
    inspectMessage(m);
    checkMessage(m);
    m.vias();
    m.routes();
    m.contact();
    serializeMessage(m);
  });
}

const onlyParseErrors = (e: unknown) => assert.ok(e === undefined || e instanceof SipParseError, String(e));

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}$/);
const text = fc.stringMatching(/^[ -~]{0,30}$/).map((s) => s.trim());

const request = fc.record(
  {
    method: fc.constantFrom('INVITE', 'REGISTER', 'OPTIONS', 'BYE', 'MESSAGE', 'SUBSCRIBE'),
    user: fc.stringMatching(/^[A-Za-z0-9\-_.!~*']{1,12}$/),
    host,
    branch: token.map((t) => `z9hG4bK${t}`),
    tag: token,
    callId: token,
    seq: fc.integer({ min: 0, max: 0xffff_ffff }),
    maxForwards: fc.integer({ min: 0, max: 255 }),
    extra: fc.array(
      fc.tuple(
        token.map((t) => `X-${t}`),
        text,
      ),
      { maxLength: 5 },
    ),
    body: fc.uint8Array({ maxLength: 300 }),
  },
  { noNullPrototype: true },
);

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function build(r: Req) {
  return createRequest(
    r.method,
    `sip:${r.user}@${r.host}`,
    [
      ['Via', `SIP/2.0/UDP ${r.host}:5060;branch=${r.branch};rport`],
      ['Max-Forwards', String(r.maxForwards)],
      ['From', `"A" <sip:${r.user}@${r.host}>;tag=${r.tag}`],
      ['To', `<sip:${r.user}@${r.host}>`],
      ['Call-ID', `${r.callId}@${r.host}`],
      ['CSeq', `${r.seq} ${r.method}`],
      ...r.extra,
    ],
    r.body,
  );
}

describe('SIP message properties', () => {
  it('random bytes throw only SipParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => onlyParseErrors(exercise(b))),
      { numRuns: propertyRuns() },
    );
  });

  it('mutated torture messages throw only SipParseError', () => {
    const mutation = fc.record(
      {
        msg: fc.integer({ min: 0, max: torture.length - 1 }),
        edits: fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(mutation, ({ msg, edits }) => {
        const bytes = [...(torture[msg] ?? new Uint8Array(0))];
        for (const [at, value, op] of edits) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (op === 'set') bytes[i] = value;
          else if (op === 'insert') bytes.splice(i, 0, value);
          else bytes.splice(i, 1);
        }
        onlyParseErrors(exercise(new Uint8Array(bytes)));
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('parse(serialize(m)) is the same message for random valid requests', () => {
    fc.assert(
      fc.property(request, (r) => {
        const m = build(r);
        const back = parseDatagram(serializeMessage(m));
        checkMessage(back);
        assert.equal(back.method, r.method);
        assert.deepEqual(back.cseq(), { seq: r.seq, method: r.method });
        assert.equal(back.topVia()?.branch, r.branch);
        assert.equal(back.maxForwards(), r.maxForwards);
        assert.deepEqual(
          back.fields.filter((f) => f.key !== 'content-length').map((f) => [f.name, f.value.trim()]),
          m.fields.map((f) => [f.name, f.value.trim()]),
        );
        assert.deepEqual(back.body, r.body);
        assert.deepEqual(serializeMessage(back), serializeMessage(m));
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('every truncation of a valid message throws only SipParseError', () => {
    fc.assert(
      fc.property(request, fc.nat(), (r, cut) => {
        const bytes = serializeMessage(build(r));
        onlyParseErrors(exercise(bytes.subarray(0, cut % (bytes.length + 1))));
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('a stream cut into random chunks gives the same messages and keep-alives', () => {
    const item = fc.oneof(
      request.map((r) => serializeMessage(build(r))),
      fc.constant(new TextEncoder().encode('\r\n\r\n')),
    );
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1 }),
        (items, sizes) => {
          const stream = new Uint8Array(items.reduce((n, b) => n + b.length, 0));
          let o = 0;
          for (const b of items) {
            stream.set(b, o);
            o += b.length;
          }
          const summary = (events: StreamEvent[]) =>
            events.map((e) =>
              e.type === 'message' ? new TextDecoder().decode(serializeMessage(e.message)) : e.type,
            );
          const whole = summary(new SipStreamFramer().push(stream));
          const f = new SipStreamFramer();
          const got: StreamEvent[] = [];
          for (let i = 0, k = 0; i < stream.length; k++) {
            const n = sizes[k % sizes.length] ?? 1;
            got.push(...f.push(stream.subarray(i, i + n)));
            i += n;
          }
          assert.deepEqual(summary(got), whole);
          assert.equal(whole.length, items.length);
          assert.equal(f.pending, 0);
        },
      ),
      { numRuns: propertyRuns() },
    );
  });

  it('the header end is the first CRLFCRLF at or after the start, as a plain scan finds it', () => {
    // Bytes drawn mostly from CR, LF and one other byte, so skips and near-misses are frequent.
    const byte = fc.constantFrom(13, 10, 13, 10, 97);
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), fc.nat(), (arr, f) => {
        const bytes = Uint8Array.from(arr);
        const from = f % (bytes.length + 1);
        let expected = -1;
        for (let i = from; i + 3 < bytes.length; i++) {
          if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
            expected = i;
            break;
          }
        }
        assert.equal(findHeaderEnd(bytes, from), expected);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('messages framed ahead of an unparsable one in the same chunk are still delivered with the error', () => {
    const bad = new TextEncoder().encode('INVITE sip:a@b SIP/2.0\r\nVia\r\n\r\n');
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), fc.nat(), (rs, split) => {
        const good = rs.map((r) => serializeMessage(build(r)));
        const stream = Uint8Array.from([...good.flatMap((b) => [...b]), ...bad]);
        const at = split % (stream.length + 1);
        const f = new SipStreamFramer();
        const first = f.pushAll(stream.subarray(0, at));
        const second = first.error === undefined ? f.pushAll(stream.subarray(at)) : { events: [] };
        const delivered = [...first.events, ...second.events].filter((e) => e.type === 'message');
        assert.equal(delivered.length, good.length);
        assert.ok((first.error ?? second.error) instanceof SipParseError);
        assert.throws(() => new SipStreamFramer().push(stream), SipParseError);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
