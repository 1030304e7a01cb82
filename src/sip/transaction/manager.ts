import { TimerTable } from '../../core/timer-table.js';
import { parseVia } from '../message/headers.js';
import type { SipMessage } from '../message/message.js';
import { tagOf } from '../message/name-addr.js';
import { SipParseError } from '../message/parse-error.js';
import { parseDatagram } from '../message/parser.js';
import { buildResponse, type ResponseOptions } from '../message/response.js';
import { serializeMessage } from '../message/serializer.js';
import { checkMessage } from '../message/validate.js';
import { responseDestination, stampTopVia } from '../message/via.js';
import type { TransportAddress } from '../transport/address.js';
import { type ClientTransaction, InviteClientTransaction, NonInviteClientTransaction } from './client.js';
import { clientKey, serverKey } from './keys.js';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction } from './server.js';
import { DEFAULT_TIMERS, type TimerName, type TimerValues } from './timers.js';
import type {
  ClientTransactionHandle,
  ServerTransactionHandle,
  TransactionContext,
  TransactionOutput,
} from './types.js';

export interface TransactionManagerOptions {
  readonly timers?: TimerValues;
  /** RFC 3261 §17.2.1: send 100 Trying at once for an INVITE (default true). */
  readonly autoTrying?: boolean;
}

type Tx = ClientTransaction | ServerTransaction;

/** A reason phrase that says what was wrong, kept to one short line of printable ASCII. */
function reasonFor(e: SipParseError): string {
  const head = e.status === 505 ? 'Version Not Supported' : 'Bad Request';
  return `${head} (${e.message.replace(/[^ -~]/g, '?').slice(0, 60)})`;
}

/**
 * The transaction layer (RFC 3261 §17), sans-I/O: messages and `now` in; `poll()` gives what to send and
 * what the TU must hear; `nextDeadline()`/`handleTimeout(now)` drive Timers A–K from one TimerTable.
 */
export class TransactionManager {
  readonly #timers = new TimerTable<string>();
  readonly #byId = new Map<string, Tx>();
  readonly #byKey = new Map<string, string>();
  readonly #keyOf = new Map<string, string>();
  readonly #out: TransactionOutput[] = [];
  readonly #values: TimerValues;
  readonly #autoTrying: boolean;
  readonly #ctx: TransactionContext;
  #next = 0;

  constructor(opts: TransactionManagerOptions = {}) {
    this.#values = opts.timers ?? DEFAULT_TIMERS;
    this.#autoTrying = opts.autoTrying ?? true;
    this.#ctx = {
      timers: this.#values,
      send: (message, destination) => {
        const bytes = serializeMessage(message);
        this.#out.push({ kind: 'send', destination, message, bytes });
        return bytes;
      },
      resend: (bytes, message, destination) => this.#out.push({ kind: 'send', destination, message, bytes }),
      emit: (out) => this.#out.push(out),
      setTimer: (id, timer, at) => this.#timers.set(`${id}/${timer}`, at),
      clearTimer: (id, timer) => void this.#timers.clear(`${id}/${timer}`),
      terminated: (id) => this.#remove(id),
    };
  }

  get size(): number {
    return this.#byId.size;
  }

  poll(): TransactionOutput | undefined {
    return this.#out.shift();
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  handleTimeout(now: number): void {
    for (const key of this.#timers.expire(now)) {
      const slash = key.lastIndexOf('/');
      this.#byId.get(key.slice(0, slash))?.onTimer(key.slice(slash + 1) as TimerName, now);
    }
  }

  /** A datagram from the transport: parsed, answered 400/505 statelessly when it is broken but respondable. */
  receiveDatagram(bytes: Uint8Array, source: TransportAddress, now: number): void {
    let message: SipMessage;
    try {
      message = parseDatagram(bytes);
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      // RFC 3261 §8.2 / RFC 4475: answer what can be answered (400, or 505 for the version), drop the rest.
      if (e.respondable && e.partial !== undefined) {
        const via = e.partial.fields.find((f) => f.key === 'via');
        let destination = source;
        try {
          if (via !== undefined)
            destination = responseDestination(parseVia(via.value.trim().split(',')[0] ?? ''), source);
        } catch {
          // An unparsable Via: answer the packet's source.
        }
        this.#ctx.send(buildResponse(e.partial, e.status, { reason: reasonFor(e) }), destination);
      }
      return;
    }
    this.receive(message, source, now);
  }

  /** A parsed message from the transport (datagram or stream framer). */
  receive(message: SipMessage, source: TransportAddress, now: number): void {
    try {
      if (message.isRequest) stampTopVia(message, source);
      checkMessage(message);
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      // RFC 3261 §8.2: a malformed request is answered (400, or 505 for the version); responses dropped.
      if (e.respondable) this.respondStateless(message, e.status, source, { reason: reasonFor(e) });
      return;
    }
    if (message.isRequest) this.#receiveRequest(message, source, now);
    else this.#receiveResponse(message, source, now);
  }

  #receiveRequest(request: SipMessage, source: TransportAddress, now: number): void {
    const key = serverKey(request);
    if (key === undefined) return;
    const existing = this.#lookupServer(key, request);
    if (existing !== undefined) {
      // RFC 6026 §7.1: an ACK that reaches a transaction in the Accepted state goes straight to the TU,
      // not absorbed (an RFC 2543 ACK for the 2xx matches the INVITE's transaction).
      if (request.method === 'ACK' && existing.state === 'accepted') {
        this.#out.push({ kind: 'ack', request, source });
        return;
      }
      existing.onRequest(request, now);
      return;
    }
    // RFC 3261 §17.2.3 / §17.2.1: an ACK that matches no transaction is for a 2xx; it goes to the TU.
    if (request.method === 'ACK') {
      this.#out.push({ kind: 'ack', request, source });
      return;
    }
    const id = `s${++this.#next}`;
    const replyTo = responseDestination(
      request.topVia() ?? { protocol: '', transport: '', host: source.host, params: [] },
      source,
    );
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(id, request, source, replyTo, this.#ctx)
        : new NonInviteServerTransaction(id, request, source, replyTo, this.#ctx);
    this.#add(id, key, tx);
    // RFC 3261 §9.2: a CANCEL has its own server transaction; it names the INVITE it matches, if any.
    const cancelled =
      request.method === 'CANCEL' ? this.#lookupServer(serverKey(request, 'INVITE'), request) : undefined;
    this.#out.push({
      kind: 'request',
      transaction: tx,
      request,
      source,
      ...(cancelled instanceof InviteServerTransaction ? { cancels: cancelled } : {}),
    });
    if (tx instanceof InviteServerTransaction && this.#autoTrying) {
      tx.respond(buildResponse(request, 100), now);
    }
  }

  #lookupServer(key: string | undefined, request: SipMessage): ServerTransaction | undefined {
    if (key === undefined) return undefined;
    const id = this.#byKey.get(key);
    const tx = id === undefined ? undefined : this.#byId.get(id);
    if (tx === undefined || tx.role !== 'server') return undefined;
    // RFC 3261 §17.2.3 (RFC 2543 rules): the ACK's To tag must equal the tag of the response it acknowledges.
    if (key.startsWith('s2 ') && request.method === 'ACK') {
      const to = request.to();
      if (to === undefined || tagOf(to) !== tx.lastToTag) return undefined;
    }
    return tx;
  }

  #receiveResponse(response: SipMessage, source: TransportAddress, now: number): void {
    const key = clientKey(response);
    const id = key === undefined ? undefined : this.#byKey.get(key);
    const tx = id === undefined ? undefined : this.#byId.get(id);
    if (tx === undefined || tx.role !== 'client') {
      this.#out.push({ kind: 'stray-response', response, source });
      return;
    }
    tx.onResponse(response, now);
  }

  /** Starts a client transaction (the request carries its top Via with a fresh branch). ACK is stateless. */
  sendRequest(request: SipMessage, destination: TransportAddress, now: number): ClientTransactionHandle {
    const key = clientKey(request);
    if (key === undefined || request.method === 'ACK') {
      throw new SipParseError('a client transaction needs a Via branch and a CSeq, and is never an ACK');
    }
    const id = `c${++this.#next}`;
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(id, request, destination, this.#ctx)
        : new NonInviteClientTransaction(id, request, destination, this.#ctx);
    this.#add(id, key, tx);
    tx.start(now);
    return tx;
  }

  /** The TU's response on a server transaction. */
  respond(transaction: ServerTransactionHandle, response: SipMessage, now: number): void {
    const tx = this.#byId.get(transaction.id);
    if (tx !== undefined && tx.role === 'server') tx.respond(response, now);
  }

  /** Sends without a transaction: ACK for 2xx, stateless proxying (RFC 3261 §16.11). */
  sendStateless(message: SipMessage, destination: TransportAddress): void {
    this.#ctx.send(message, destination);
  }

  /** A stateless response (RFC 3261 §8.2.6, §16.11) to the address the request's Via says. */
  respondStateless(
    request: SipMessage,
    status: number,
    source: TransportAddress,
    opts: ResponseOptions = {},
  ): void {
    let destination = source;
    try {
      const via = request.topVia();
      if (via !== undefined) destination = responseDestination(via, source);
    } catch {
      // An unparsable Via: answer the packet's source (RFC 3581 behaviour without the parameter).
    }
    this.#ctx.send(buildResponse(request, status, opts), destination);
  }

  #add(id: string, key: string, tx: Tx): void {
    this.#byId.set(id, tx);
    this.#byKey.set(key, id);
    this.#keyOf.set(id, key);
  }

  #remove(id: string): void {
    const tx = this.#byId.get(id);
    if (tx === undefined) return;
    for (const t of ['A', 'B', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L']) this.#timers.clear(`${id}/${t}`);
    const key = this.#keyOf.get(id);
    if (key !== undefined && this.#byKey.get(key) === id) this.#byKey.delete(key);
    this.#keyOf.delete(id);
    this.#byId.delete(id);
    this.#out.push({ kind: 'terminated', transaction: tx });
  }
}
