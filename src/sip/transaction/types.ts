import type { SipMessage } from '../message/message.js';
import type { TransportAddress } from '../transport/address.js';
import type { TimerName, TimerValues } from './timers.js';

/**
 * What the transaction layer hands out (RFC 3261 §17): bytes to send and events for the transaction user
 * (the proxy core, a registrar, a UA). The driver drains them with `TransactionManager.poll()`.
 */
export type TransactionOutput =
  /** Send `bytes` (the serialized `message`) to `destination`. Retransmissions repeat the same bytes. */
  | {
      readonly kind: 'send';
      readonly destination: TransportAddress;
      readonly message: SipMessage;
      readonly bytes: Uint8Array;
    }
  /** A new request for the TU, with its server transaction. A CANCEL names the INVITE it cancels. */
  | {
      readonly kind: 'request';
      readonly transaction: ServerTransactionHandle;
      readonly request: SipMessage;
      readonly source: TransportAddress;
      readonly cancels?: ServerTransactionHandle;
    }
  /** An ACK that matches no transaction: the ACK for a 2xx, which belongs to the TU (RFC 3261 §17.2.1). */
  | { readonly kind: 'ack'; readonly request: SipMessage; readonly source: TransportAddress }
  /**
   * A response for the TU. `timeout` marks the 408 the layer itself made when Timer B or F fired
   * (RFC 3261 §17.1.1.2, §17.1.2.2).
   */
  | {
      readonly kind: 'response';
      readonly transaction: ClientTransactionHandle;
      readonly response: SipMessage;
      readonly timeout?: true;
    }
  /** A response that matches no client transaction (a proxy forwards it statelessly, RFC 3261 §16.7). */
  | { readonly kind: 'stray-response'; readonly response: SipMessage; readonly source: TransportAddress }
  /** Timer H fired: the ACK for a final non-2xx response to an INVITE never came (RFC 3261 §17.2.1). */
  | { readonly kind: 'ack-timeout'; readonly transaction: ServerTransactionHandle }
  | { readonly kind: 'terminated'; readonly transaction: ClientTransactionHandle | ServerTransactionHandle };

export interface TransactionHandle {
  readonly id: string;
  readonly state: string;
  readonly request: SipMessage;
}

export interface ClientTransactionHandle extends TransactionHandle {
  readonly role: 'client';
  readonly destination: TransportAddress;
}

export interface ServerTransactionHandle extends TransactionHandle {
  readonly role: 'server';
  readonly source: TransportAddress;
}

/** What a transaction needs from its manager. */
export interface TransactionContext {
  readonly timers: TimerValues;
  send(message: SipMessage, destination: TransportAddress): Uint8Array;
  resend(bytes: Uint8Array, message: SipMessage, destination: TransportAddress): void;
  emit(out: TransactionOutput): void;
  setTimer(id: string, timer: TimerName, at: number): void;
  clearTimer(id: string, timer: TimerName): void;
  terminated(id: string): void;
}
