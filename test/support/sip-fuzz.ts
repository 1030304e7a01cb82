import fc from 'fast-check';
import {
  createRequest,
  DEFAULT_MAX_MESSAGE_SIZE,
  SipStreamFramer,
  serializeMessage,
} from '../../src/sip/message/index.js';

/**
 * Fuzzed SIP for a live peer: well-formed requests of every method the adapter handles (random users,
 * tags, headers, bodies, sometimes in-dialog), and the same with their bytes mutated (flipped, cut,
 * duplicated, header lines dropped or repeated). Every host is a name under .test and no line carries an
 * IP address, so nothing the peer does with them can send a packet off the machine: it dials IP literals
 * only, and answers go to the packet's source (received/rport).
 */
const METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'INFO',
  'UPDATE',
  'PRACK',
  'PUBLISH',
] as const;

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const host = fc.constantFrom('fuzz.test', 'p2p.test', 'a.fuzz.test', 'nowhere.test');
const user = fc.oneof(
  fc.constantFrom('alice', 'bob', 'user1'),
  fc.stringMatching(/^[A-Za-z0-9\-_.!~*'%]{1,16}$/),
);
const text = fc.stringMatching(/^[ -~]{0,40}$/).map((s) => s.trim());

const request = fc.record(
  {
    method: fc.constantFrom(...METHODS),
    user,
    host,
    branch: token.map((t) => `z9hG4bK${t}`),
    rport: fc.boolean(),
    fromTag: token,
    toTag: fc.option(token, { nil: undefined }),
    callId: token,
    seq: fc.integer({ min: 0, max: 0xffff_ffff }),
    maxForwards: fc.integer({ min: 0, max: 80 }),
    expires: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
    contact: fc.option(user, { nil: undefined }),
    route: fc.option(host, { nil: undefined }),
    extra: fc.array(
      fc.tuple(
        token.map((t) => `X-${t}`),
        text,
      ),
      { maxLength: 4 },
    ),
    body: fc.uint8Array({ maxLength: 200 }),
  },
  { noNullPrototype: true },
);

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function build(r: Req): Uint8Array {
  const headers: Array<readonly [string, string]> = [
    ['Via', `SIP/2.0/UDP ${r.host}:5060;branch=${r.branch}${r.rport ? ';rport' : ''}`],
    ['Max-Forwards', String(r.maxForwards)],
    ['From', `<sip:${r.user}@${r.host}>;tag=${r.fromTag}`],
    ['To', `<sip:${r.user}@${r.host}>${r.toTag === undefined ? '' : `;tag=${r.toTag}`}`],
    ['Call-ID', `${r.callId}@${r.host}`],
    ['CSeq', `${r.seq} ${r.method}`],
  ];
  if (r.expires !== undefined) headers.push(['Expires', String(r.expires)]);
  if (r.contact !== undefined) headers.push(['Contact', `<sip:${r.contact}@${r.host}>`]);
  if (r.route !== undefined) headers.push(['Route', `<sip:${r.route};lr>`]);
  headers.push(...r.extra);
  return serializeMessage(createRequest(r.method, `sip:${r.user}@${r.host}`, headers, r.body));
}

/** Byte-level damage to a message; kept free of digits so no IP address can appear. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('line' as const), at: fc.nat(), repeat: fc.boolean() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function isDigit(b: number): boolean {
  return b >= 48 && b <= 57;
}

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (bytes.length === 0) return bytes;
  const at = m.at % bytes.length;
  switch (m.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[at] = isDigit(m.byte) ? 0x7f : m.byte;
      return out;
    }
    case 'cut':
      return bytes.slice(0, at);
    case 'dup': {
      const piece = bytes.slice(at, at + m.len);
      const out = new Uint8Array(bytes.length + piece.length);
      out.set(bytes.subarray(0, at));
      out.set(piece, at);
      out.set(bytes.subarray(at), at + piece.length);
      return out;
    }
    case 'line': {
      const text = new TextDecoder('latin1').decode(bytes);
      const lines = text.split('\r\n');
      const i = 1 + (m.at % Math.max(1, lines.length - 1));
      const line = lines[i] ?? '';
      lines.splice(i, 1, ...(m.repeat ? [line, line] : []));
      return Uint8Array.from(lines.join('\r\n'), (c) => c.charCodeAt(0) & 0xff);
    }
  }
}

export const fuzzedMessage = fc.oneof(
  { weight: 1, arbitrary: request.map(build) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(request, fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([r, ms]) => ms.reduce(mutate, build(r))),
  },
);

/** `n` fuzzed messages from a fixed seed (the same every run, so a failure can be replayed). */
export function fuzzedMessages(n: number, seed: number): Uint8Array[] {
  return fc.sample(fuzzedMessage, { numRuns: n, seed });
}

/**
 * The same, made `chunk` at a time as they are consumed (chunk k from seed `seed + k`), so a sender can
 * make the next messages while the peer reads the last ones.
 */
export function* fuzzedStream(n: number, seed: number, chunk = 500): Generator<Uint8Array> {
  for (let k = 0; k * chunk < n; k++) yield* fuzzedMessages(Math.min(chunk, n - k * chunk), seed + k);
}

/** What `streamConnections` cut so far. */
export interface StreamTally {
  connections: number;
  /** Messages the peer's framer delivers on those connections. */
  framed: number;
}

/**
 * Cuts fuzzed messages into TCP connections the way a peer reads them: a connection carries messages
 * until one leaves its stream unparsable (that one included; the peer answers it and closes), the next
 * connection takes the rest. `tally.framed` counts the messages the peer's framer delivers on them, which
 * does not depend on how TCP splits the bytes.
 */
export function* streamConnections(
  messages: Iterable<Uint8Array>,
  tally: StreamTally,
): Generator<Uint8Array> {
  let framer = new SipStreamFramer(DEFAULT_MAX_MESSAGE_SIZE, 'server');
  let current: Uint8Array[] = [];
  const cut = (): Uint8Array => {
    const bytes = concat(current);
    current = [];
    framer = new SipStreamFramer(DEFAULT_MAX_MESSAGE_SIZE, 'server');
    tally.connections++;
    return bytes;
  };
  for (const m of messages) {
    const r = framer.pushAll(m);
    tally.framed += r.events.filter((e) => e.type === 'message').length;
    current.push(m);
    if (r.error !== undefined) yield cut();
  }
  if (current.length > 0) yield cut();
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
