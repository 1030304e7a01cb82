import assert from 'node:assert/strict';
import { authorize } from '../../src/sip/auth/client.js';
import { PROXY_AUTHENTICATE, WWW_AUTHENTICATE } from '../../src/sip/message/headers.js';
import type { SipMessage } from '../../src/sip/message/message.js';
import { createRequest } from '../../src/sip/message/serializer.js';
import type { Phone } from './sip-net.js';

/** Scripted phones for adapter tests: build requests, answer digest challenges, register. */
let seq = 0;
export function nextSeq(): number {
  seq += 1;
  return seq;
}

export function request(
  method: string,
  uri: string,
  from: Phone,
  fromAor: string,
  toAor: string,
  extra: Array<[string, string]> = [],
  callId = `c${nextSeq()}`,
): SipMessage {
  return createRequest(method, uri, [
    ['Via', `SIP/2.0/UDP ${from.address.host}:${from.address.port};branch=z9hG4bK${nextSeq()}x;rport`],
    ['Max-Forwards', '70'],
    ['From', `<sip:${fromAor}>;tag=f${seq}`],
    ['To', `<sip:${toAor}>`],
    ['Call-ID', callId],
    ['CSeq', `${seq} ${method}`],
    ...extra,
  ]);
}

/** Answers a 401/407 the way a phone does: same request, new branch and CSeq, with credentials. */
export function withAuth(req: SipMessage, challenge: SipMessage, user: string, password: string): SipMessage {
  const proxy = challenge.status === 407;
  const ch = challenge
    .get(proxy ? PROXY_AUTHENTICATE : WWW_AUTHENTICATE)
    .find((c) => c.params.get('algorithm') === 'MD5');
  assert.ok(ch, 'an MD5 challenge');
  const uri = req.start.type === 'request' ? req.start.uri : '';
  const value = authorize(
    ch,
    { username: user, password },
    { method: req.method, uri, cnonce: 'abc', nc: 1 },
  );
  assert.ok(value);
  const again = req.clone();
  again.removeFirstValue('via');
  again.prependHeader(
    'Via',
    `SIP/2.0/UDP ${req.topVia()?.host}:${req.topVia()?.port};branch=z9hG4bK${nextSeq()}y;rport`,
  );
  again.setHeader('CSeq', `${(req.cseq().seq ?? 0) + 1} ${req.method}`);
  again.appendHeader(proxy ? 'Proxy-Authorization' : 'Authorization', value);
  return again;
}

export function last(p: Phone): SipMessage {
  const m = p.inbox.at(-1);
  assert.ok(m, 'the phone received something');
  return m;
}

/** REGISTER through `send` (phone → its adapter), answering the 401 with credentials; returns the last answer. */
export function registerWith(
  send: (msg: SipMessage) => void,
  phone: Phone,
  aor: string,
  password: string,
  expires = 600,
  registrar = 'sip:10.0.0.1',
): SipMessage {
  const req = request('REGISTER', registrar, phone, aor, aor, [
    ['Contact', `<sip:${aor.split('@')[0]}@${phone.address.host}:${phone.address.port}>`],
    ['Expires', String(expires)],
  ]);
  send(req);
  const challenge = last(phone);
  if (challenge.status !== 401) return challenge;
  send(withAuth(req, challenge, aor.split('@')[0] ?? '', password));
  return last(phone);
}
