import { parse as sipjsParse } from 'sip';
import { parseDatagram } from '../src/sip/message/index.js';
import { type Bench, formatRate, opsPerSecond, table } from './harness.js';

const REGISTER = [
  'REGISTER sip:p2psip.test SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-524287-1---6d7b9a5b3c9a1f2e;rport',
  'Max-Forwards: 70',
  'Contact: <sip:alice@192.0.2.10:5070;rinstance=4a2c5e6f7b8d9e0f;transport=UDP>',
  'To: <sip:alice@p2psip.test>',
  'From: <sip:alice@p2psip.test>;tag=8c1a2b3d',
  'Call-ID: NzBmYjQ1ZDk3ZmU3YzQyNjgzYjE5ZjM1ZjE0ZjQ2NmI',
  'CSeq: 2 REGISTER',
  'Expires: 3600',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'Supported: replaces, outbound, path',
  'User-Agent: Z 5.6.1 v2.10.20.9',
  'Authorization: Digest username="alice",realm="p2psip.test",nonce="AAABjA5b3cUAAAAAgs9H7A",uri="sip:p2psip.test",response="6629fae49393a05397450978507c4ef1",cnonce="0a4f113b",nc=00000001,qop=auth,algorithm=MD5',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const SDP = [
  'v=0',
  'o=- 3905342917 3905342917 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  '',
].join('\r\n');

const INVITE = `${[
  'INVITE sip:bob@p2psip.test SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-524287-1---a1b2c3d4e5f60718;rport',
  'Max-Forwards: 70',
  'Contact: <sip:alice@192.0.2.10:5070;transport=UDP>',
  'To: <sip:bob@p2psip.test>',
  'From: "Alice" <sip:alice@p2psip.test>;tag=77f0e1d2',
  'Call-ID: ZjJhNzQ5ZDQ2YzA5NGQyNmI0YjM2ZDU5MjE1MmE4OWI',
  'CSeq: 1 INVITE',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'Content-Type: application/sdp',
  'Supported: replaces, norefersub',
  'User-Agent: Z 5.6.1 v2.10.20.9',
  `Content-Length: ${SDP.length}`,
  '',
  '',
].join('\r\n')}${SDP}`;

const GOAL = 250_000;

export const bench: Bench = {
  name: 'sip-parse',
  async run() {
    const rows: string[][] = [];
    let worst = Number.POSITIVE_INFINITY;
    for (const [name, text] of [
      ['REGISTER', REGISTER],
      ['INVITE + SDP', INVITE],
    ] as const) {
      const bytes = new TextEncoder().encode(text);
      const ours = opsPerSecond(() => parseDatagram(bytes));
      const proxy = opsPerSecond(() => {
        const m = parseDatagram(bytes);
        m.topVia();
        m.cseq();
        m.callId();
        m.maxForwards();
        m.requestUri();
      });
      const theirs = opsPerSecond(() => sipjsParse(text));
      worst = Math.min(worst, ours);
      rows.push([name, `${bytes.length} B`, formatRate(ours), formatRate(proxy), formatRate(theirs)]);
    }
    const verdict =
      worst >= GOAL
        ? `Both messages parse at or above the goal of ${formatRate(GOAL)} on one core.`
        : `Below the goal of ${formatRate(GOAL)} on one core (slowest: ${formatRate(worst)}).`;
    return {
      title: 'SIP message parsing (one core)',
      markdown: `${table(
        ['message', 'size', 'p2psip parse', 'p2psip parse + proxy fields', 'npm sip parse'],
        rows,
      )}\n\n"parse" splits the start line and headers and finds the body (typed headers stay lazy); "+ proxy fields" also parses top Via, CSeq, Call-ID, Max-Forwards and the Request-URI, what a proxy touches per request. npm \`sip\` parses every header eagerly from a string. ${verdict}`,
    };
  },
};
