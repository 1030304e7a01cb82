import type { SipMessage } from '../message/message.js';
import { createRequest, createResponse } from '../message/serializer.js';
import { isReliable, type TransportAddress } from '../transport/address.js';
import { StateMachine } from './machine.js';
import { timerD, timerT4Wait } from './timers.js';
import type { ClientTransactionHandle, TransactionContext } from './types.js';

type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'terminated';
type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

abstract class ClientBase implements ClientTransactionHandle {
  readonly role = 'client';
  readonly id: string;
  readonly request: SipMessage;
  readonly destination: TransportAddress;
  protected readonly ctx: TransactionContext;
  protected readonly reliable: boolean;
  protected bytes: Uint8Array = new Uint8Array(0);

  abstract get state(): string;

  constructor(id: string, request: SipMessage, destination: TransportAddress, ctx: TransactionContext) {
    this.id = id;
    this.request = request;
    this.destination = destination;
    this.ctx = ctx;
    this.reliable = isReliable(destination.transport);
  }

  protected retransmit(): void {
    this.ctx.resend(this.bytes, this.request, this.destination);
  }

  protected timeout(): void {
    this.ctx.emit({ kind: 'response', transaction: this, response: timeout408(this.request), timeout: true });
  }
}

/** The 408 a client transaction reports to its TU when Timer B or F fires (RFC 3261 §8.1.3.1). */
function timeout408(request: SipMessage): SipMessage {
  const copy = ['via', 'from', 'to', 'call-id', 'cseq'];
  const headers = request.fields
    .filter((f) => copy.includes(f.key))
    .map((f) => [f.name, f.value.trim()] as const);
  return createResponse(408, 'Request Timeout', headers);
}

/**
 * RFC 3261 §17.1.1.3: the ACK for a non-2xx final response is built by the transaction: same Request-URI,
 * Call-ID, From and top Via as the INVITE, the To of the response, CSeq number with method ACK, the
 * INVITE's Route header fields.
 */
export function ackForNon2xx(invite: SipMessage, response: SipMessage): SipMessage {
  const headers: Array<readonly [string, string]> = [];
  const via = invite.fields.find((f) => f.key === 'via');
  if (via !== undefined)
    headers.push([
      'Via',
      via.value
        .trim()
        .split(/,(?![^<]*>)/)[0]
        ?.trim() ?? '',
    ]);
  for (const f of invite.fields) if (f.key === 'route') headers.push(['Route', f.value.trim()]);
  headers.push(['Max-Forwards', '70']);
  for (const f of invite.fields)
    if (f.key === 'from' || f.key === 'call-id') headers.push([f.name, f.value.trim()]);
  for (const f of response.fields) if (f.key === 'to') headers.push(['To', f.value.trim()]);
  headers.push(['CSeq', `${invite.cseq().seq ?? 0} ACK`]);
  const start = invite.start;
  return createRequest('ACK', start.type === 'request' ? start.uri : '', headers);
}

/** RFC 3261 §17.1.1, Figure 5: the INVITE client transaction. */
export class InviteClientTransaction extends ClientBase {
  readonly #m = new StateMachine<InviteClientState>('INVITE client transaction', 'calling', {
    calling: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
    terminated: [],
  });
  #intervalA = 0;
  #ack: Uint8Array | undefined;

  get state(): InviteClientState {
    return this.#m.state;
  }

  start(now: number): void {
    this.bytes = this.ctx.send(this.request, this.destination);
    // "If an unreliable transport is being used, the client transaction MUST start timer A with a value of T1."
    if (!this.reliable) {
      this.#intervalA = this.ctx.timers.t1;
      this.ctx.setTimer(this.id, 'A', now + this.#intervalA);
    }
    // "For any transport, the client transaction MUST start timer B with a value of 64*T1 seconds."
    this.ctx.setTimer(this.id, 'B', now + 64 * this.ctx.timers.t1);
  }

  onTimer(timer: string, now: number): void {
    if (timer === 'A' && this.state === 'calling') {
      // "When timer A fires, the client transaction MUST retransmit the request ... and reset the timer
      // with a value of 2*T1" — doubling each time, with no T2 cap for INVITE.
      this.retransmit();
      this.#intervalA *= 2;
      this.ctx.setTimer(this.id, 'A', now + this.#intervalA);
    } else if (timer === 'B' && this.state === 'calling') {
      // "If the client transaction is still in the Calling state when timer B fires, the client
      // transaction SHOULD inform the TU that a timeout has occurred."
      this.timeout();
      this.#terminate();
    } else if (timer === 'D' && this.state === 'completed') {
      // "If timer D fires while the client transaction is in the Completed state, [it] MUST move to the
      // Terminated state."
      this.#terminate();
    }
  }

  onResponse(response: SipMessage, now: number): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          // "the client transaction ... transitions to the Proceeding state ... SHOULD NOT retransmit the
          // request any longer. ... provisional responses MUST be passed up to the TU."
          if (this.state === 'calling') {
            this.#m.to('proceeding');
            this.ctx.clearTimer(this.id, 'A');
            this.ctx.clearTimer(this.id, 'B');
          }
          this.#toTu(response);
        } else if (status < 300) {
          // "When in either the Calling or Proceeding states, reception of a 2xx response MUST cause the
          // client transaction to enter the Terminated state, and the response MUST be passed up to the TU."
          this.#toTu(response);
          this.#terminate();
        } else {
          // "reception of a response with status code from 300-699 MUST cause the client transaction to
          // transition to Completed. The client transaction MUST pass the received response up to the TU,
          // and the client transaction MUST generate an ACK request."
          this.#m.to('completed');
          this.ctx.clearTimer(this.id, 'A');
          this.ctx.clearTimer(this.id, 'B');
          this.#ack = this.ctx.send(ackForNon2xx(this.request, response), this.destination);
          this.#toTu(response);
          this.ctx.setTimer(this.id, 'D', now + timerD(this.reliable));
        }
        return;
      case 'completed':
        // "Any retransmissions of the final response that are received while in the Completed state MUST
        // cause the ACK to be re-passed to the transport layer for retransmission, but the newly received
        // response MUST NOT be passed up to the TU."
        if (status >= 300 && this.#ack !== undefined)
          this.ctx.resend(this.#ack, this.request, this.destination);
        return;
      case 'terminated':
        return;
    }
  }

  #toTu(response: SipMessage): void {
    this.ctx.emit({ kind: 'response', transaction: this, response });
  }

  #terminate(): void {
    this.#m.to('terminated');
    this.ctx.terminated(this.id);
  }
}

/** RFC 3261 §17.1.2, Figure 6: the non-INVITE client transaction. */
export class NonInviteClientTransaction extends ClientBase {
  readonly #m = new StateMachine<NonInviteClientState>('non-INVITE client transaction', 'trying', {
    trying: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
    terminated: [],
  });
  #intervalE = 0;

  get state(): NonInviteClientState {
    return this.#m.state;
  }

  start(now: number): void {
    this.bytes = this.ctx.send(this.request, this.destination);
    // "The 'Trying' state is entered when the TU initiates a new client transaction ... timer F MUST be
    // set to fire in 64*T1 seconds ... If an unreliable transport is in use, the client transaction MUST
    // set timer E to fire in T1 seconds."
    this.ctx.setTimer(this.id, 'F', now + 64 * this.ctx.timers.t1);
    if (!this.reliable) {
      this.#intervalE = this.ctx.timers.t1;
      this.ctx.setTimer(this.id, 'E', now + this.#intervalE);
    }
  }

  onTimer(timer: string, now: number): void {
    const { t2 } = this.ctx.timers;
    if (timer === 'E' && (this.state === 'trying' || this.state === 'proceeding')) {
      // Trying: "reset the timer with a value of MIN(2*T1, T2) ... MIN(4*T1, T2) ..."; Proceeding: "If
      // Timer E fires while in the Proceeding state, the request MUST be passed to the transport layer for
      // retransmission, and Timer E MUST be reset with a value of T2 seconds."
      this.retransmit();
      this.#intervalE = this.state === 'trying' ? Math.min(2 * this.#intervalE, t2) : t2;
      this.ctx.setTimer(this.id, 'E', now + this.#intervalE);
    } else if (timer === 'F' && (this.state === 'trying' || this.state === 'proceeding')) {
      // "If Timer F fires while the client transaction is still in the Trying state, the client transaction
      // SHOULD inform the TU about the timeout, and then it SHOULD enter the Terminated state." (Same in
      // Proceeding.)
      this.timeout();
      this.#terminate();
    } else if (timer === 'K' && this.state === 'completed') {
      // "If Timer K fires while in this state, the client transaction MUST transition to the Terminated state."
      this.#terminate();
    }
  }

  onResponse(response: SipMessage, now: number): void {
    const status = response.status;
    if (this.state === 'trying' || this.state === 'proceeding') {
      if (status < 200) {
        // "If a provisional response is received while in the Trying state, the response MUST be passed to
        // the TU, and then the client transaction SHOULD move to the Proceeding state."
        this.ctx.emit({ kind: 'response', transaction: this, response });
        if (this.state === 'trying') this.#m.to('proceeding');
        return;
      }
      // "If a final response (status codes 200-699) is received while in the Trying [or Proceeding]
      // state, the response MUST be passed to the TU, and the client transaction MUST transition to the
      // Completed state." Timer K: "T4 seconds for unreliable transports, and zero ... for reliable".
      this.#m.to('completed');
      this.ctx.clearTimer(this.id, 'E');
      this.ctx.clearTimer(this.id, 'F');
      this.ctx.emit({ kind: 'response', transaction: this, response });
      this.ctx.setTimer(this.id, 'K', now + timerT4Wait(this.ctx.timers, this.reliable));
    }
    // Completed: "the client transaction buffers any response retransmissions it receives" — absorbed.
  }

  #terminate(): void {
    this.#m.to('terminated');
    this.ctx.terminated(this.id);
  }
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
