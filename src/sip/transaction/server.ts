import type { SipMessage } from '../message/message.js';
import { isReliable, type TransportAddress } from '../transport/address.js';
import { StateMachine } from './machine.js';
import { timerJ, timerT4Wait } from './timers.js';
import type { ServerTransactionHandle, TransactionContext } from './types.js';

type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';
type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

abstract class ServerBase implements ServerTransactionHandle {
  readonly role = 'server';
  readonly id: string;
  readonly request: SipMessage;
  readonly source: TransportAddress;
  /** Where responses go (RFC 3261 §18.2.2), fixed when the request arrived. */
  readonly replyTo: TransportAddress;
  protected readonly ctx: TransactionContext;
  protected readonly reliable: boolean;
  protected last: { message: SipMessage; bytes: Uint8Array } | undefined;

  abstract get state(): string;

  constructor(
    id: string,
    request: SipMessage,
    source: TransportAddress,
    replyTo: TransportAddress,
    ctx: TransactionContext,
  ) {
    this.id = id;
    this.request = request;
    this.source = source;
    this.replyTo = replyTo;
    this.ctx = ctx;
    this.reliable = isReliable(source.transport);
  }

  /** The To tag of the last response sent (RFC 2543 ACK matching, RFC 3261 §17.2.3). */
  get lastToTag(): string | undefined {
    const to = this.last?.message.fields.find((f) => f.key === 'to');
    return to === undefined ? undefined : /;\s*tag\s*=\s*([^;\s]+)/i.exec(to.value)?.[1];
  }

  protected sendResponse(response: SipMessage): void {
    this.last = { message: response, bytes: this.ctx.send(response, this.replyTo) };
  }

  protected resendLast(): void {
    if (this.last !== undefined) this.ctx.resend(this.last.bytes, this.last.message, this.replyTo);
  }
}

/** RFC 3261 §17.2.1 (Figure 7) with RFC 6026 §7.1's Accepted state: the INVITE server transaction. */
export class InviteServerTransaction extends ServerBase {
  readonly #m = new StateMachine<InviteServerState>('INVITE server transaction', 'proceeding', {
    proceeding: ['accepted', 'completed', 'terminated'],
    accepted: ['terminated'],
    completed: ['confirmed', 'terminated'],
    confirmed: ['terminated'],
    terminated: [],
  });
  #intervalG = 0;

  get state(): InviteServerState {
    return this.#m.state;
  }

  /** A retransmission of the INVITE (RFC 3261 §17.2.1). */
  onRequest(request: SipMessage, now: number): void {
    if (request.method === 'ACK') {
      this.#onAck(now);
      return;
    }
    // Proceeding: "If a request retransmission is received while in the Proceeding state, the most recent
    // provisional response that was received from the TU MUST be passed to the transport layer for
    // retransmission." Completed: "the server SHOULD pass the response to the transport for retransmission."
    // Accepted (RFC 6026 §7.1): retransmissions of the INVITE are absorbed; the TU retransmits the 2xx.
    if (this.state === 'proceeding' || this.state === 'completed') this.resendLast();
  }

  #onAck(now: number): void {
    // "If an ACK is received while the server transaction is in the Completed state, the server
    // transaction MUST transition to the Confirmed state. As Timer G is ignored in this state, any
    // retransmissions of the response will cease." Timer I: T4 unreliable, zero reliable.
    if (this.state !== 'completed') return;
    this.#m.to('confirmed');
    this.ctx.clearTimer(this.id, 'G');
    this.ctx.clearTimer(this.id, 'H');
    this.ctx.setTimer(this.id, 'I', now + timerT4Wait(this.ctx.timers, this.reliable));
  }

  /** A response from the TU. Responses after the final one are discarded (a TU bug, not a wire event). */
  respond(response: SipMessage, now: number): void {
    const status = response.status;
    // RFC 6026 §7.1: in the Accepted state, further 2xx responses from the TU are still passed to the
    // transport (a proxy forwards every 2xx, RFC 3261 §16.7 step 5).
    if (this.state === 'accepted' && status >= 200 && status < 300) this.sendResponse(response);
    if (this.state !== 'proceeding') return;
    this.sendResponse(response);
    if (status < 200) return;
    if (status < 300) {
      // RFC 6026 §7.1 (updating RFC 3261 §17.2.1, which terminated here): a 2xx from the TU moves the
      // transaction to Accepted for Timer L = 64*T1, so a retransmitted INVITE is absorbed instead of
      // reaching the TU as a new request.
      this.#m.to('accepted');
      this.ctx.setTimer(this.id, 'L', now + 64 * this.ctx.timers.t1);
      return;
    }
    // "While in the Proceeding state, if the TU passes a response with status code from 300 to 699 to the
    // server transaction, the response MUST be passed to the transport layer for transmission, and the
    // state machine MUST enter the Completed state. For unreliable transports, timer G is set to fire in
    // T1 seconds ... For any transport, timer H MUST be set to fire in 64*T1 seconds."
    this.#m.to('completed');
    if (!this.reliable) {
      this.#intervalG = this.ctx.timers.t1;
      this.ctx.setTimer(this.id, 'G', now + this.#intervalG);
    }
    this.ctx.setTimer(this.id, 'H', now + 64 * this.ctx.timers.t1);
  }

  onTimer(timer: string, now: number): void {
    if (timer === 'G' && this.state === 'completed') {
      // "If timer G fires, the response is passed to the transport layer once more for retransmission, and
      // timer G is set to fire in MIN(2*T1, T2) seconds."
      this.resendLast();
      this.#intervalG = Math.min(2 * this.#intervalG, this.ctx.timers.t2);
      this.ctx.setTimer(this.id, 'G', now + this.#intervalG);
    } else if (timer === 'H' && this.state === 'completed') {
      // "If timer H fires while in the Completed state, it implies that the ACK was never received. In this
      // case, the server transaction MUST transition to the Terminated state, and MUST indicate to the TU
      // that a transaction failure has occurred."
      this.ctx.clearTimer(this.id, 'G');
      this.ctx.emit({ kind: 'ack-timeout', transaction: this });
      this.#terminate();
    } else if (timer === 'I' && this.state === 'confirmed') {
      // "Once timer I fires, the server MUST transition to the Terminated state."
      this.#terminate();
    } else if (timer === 'L' && this.state === 'accepted') {
      // RFC 6026 §7.1: Timer L firing in the Accepted state terminates the transaction.
      this.#terminate();
    }
  }

  #terminate(): void {
    this.#m.to('terminated');
    this.ctx.terminated(this.id);
  }
}

/** RFC 3261 §17.2.2, Figure 8: the non-INVITE server transaction. */
export class NonInviteServerTransaction extends ServerBase {
  readonly #m = new StateMachine<NonInviteServerState>('non-INVITE server transaction', 'trying', {
    trying: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
    terminated: [],
  });

  get state(): NonInviteServerState {
    return this.#m.state;
  }

  onRequest(_request: SipMessage, _now: number): void {
    // Trying: "Once in the Trying state, any further request retransmissions are discarded." Proceeding:
    // "If a retransmission of the request is received while in the Proceeding state, the most recently
    // sent provisional response MUST be passed to the transport layer." Completed: "the server MUST pass
    // the final response to the transport layer for retransmission".
    if (this.state === 'proceeding' || this.state === 'completed') this.resendLast();
  }

  respond(response: SipMessage, now: number): void {
    // Completed: "Any other final responses passed by the TU to the server transaction MUST be discarded".
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.sendResponse(response);
    if (response.status < 200) {
      // "While in the Trying state, if the TU passes a provisional response to the server transaction,
      // the server transaction MUST enter the Proceeding state."
      if (this.state === 'trying') this.#m.to('proceeding');
      return;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the [Trying or]
    // Proceeding state, the transaction MUST enter the Completed state ... When the server transaction
    // enters the Completed state, it MUST set Timer J to fire in 64*T1 seconds for unreliable transports,
    // and zero seconds for reliable transports."
    this.#m.to('completed');
    this.ctx.setTimer(this.id, 'J', now + timerJ(this.ctx.timers, this.reliable));
  }

  onTimer(timer: string, _now: number): void {
    // "The server transaction remains in this state until Timer J fires, at which point it MUST
    // transition to the Terminated state."
    if (timer === 'J' && this.state === 'completed') {
      this.#m.to('terminated');
      this.ctx.terminated(this.id);
    }
  }
}

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
