import { toHex } from '../../core/bytes.js';
import type { Random } from '../../core/random.js';
import type { SipMessage } from '../message/message.js';
import { tagOf } from '../message/name-addr.js';
import { formatVia, MAGIC_COOKIE } from '../message/via.js';

/** A new RFC 3261 branch: the magic cookie and 64 random bits (RFC 3261 §8.1.1.7). */
export function newBranch(random: Random): string {
  return `${MAGIC_COOKIE}${toHex(random.bytes(8))}`;
}

/**
 * RFC 3261 §17.1.3: a response matches a client transaction when its top Via branch equals the request's
 * and its CSeq method equals the request's method.
 */
export function clientKey(msg: SipMessage): string | undefined {
  const branch = msg.topVia()?.branch;
  const method = msg.cseq().method;
  return branch === undefined || method === undefined ? undefined : `c ${branch} ${method}`;
}

/**
 * RFC 3261 §17.2.3: with a magic-cookie branch, a request matches a server transaction by branch, top
 * Via sent-by and method, an ACK matching the INVITE. Without one (RFC 2543), by Request-URI, From tag,
 * Call-ID, CSeq, top Via and — for the ACK — the To tag of the transaction's response (checked by the
 * manager, since it is not known when the INVITE arrives).
 */
export function serverKey(msg: SipMessage, methodOverride?: string): string | undefined {
  const via = msg.topVia();
  if (via === undefined) return undefined;
  const start = msg.start;
  if (start.type !== 'request') return undefined;
  const method = methodOverride ?? (start.method === 'ACK' ? 'INVITE' : start.method);
  const branch = via.branch;
  if (branch?.startsWith(MAGIC_COOKIE)) {
    const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
    return `s ${branch} ${sentBy} ${method}`;
  }
  const from = msg.from();
  const fromTag = from === undefined ? '' : (tagOf(from) ?? '');
  // The top Via without the parameters this stack stamps on receipt (received, rport).
  const plain = formatVia({ ...via, params: via.params.filter(([n]) => !/^(received|rport)$/i.test(n)) });
  return `s2 ${start.uri} ${fromTag} ${msg.callId() ?? ''} ${msg.cseq().seq ?? ''} ${method} ${plain}`;
}
