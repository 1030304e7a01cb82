import type { NodeId, TransactionId } from '../../core/ids.js';
import { type Random, randomU64 } from '../../core/random.js';
import { CodecError } from '../../wire/index.js';
import { ErrorCode, MessageCode } from '../messages/codes.js';
import type { MessageContents } from '../messages/contents.js';
import type { ForwardingHeader } from '../messages/header.js';
import type { GenericCertificate } from '../messages/security.js';
import { TransactionTable } from '../routing/transactions.js';
import { decodeError, describeError } from './error-body.js';
import type { VerifiedSigner } from './ports.js';
import type { LocalDelivery, OriginateResult, Sender } from './sender.js';
import type { RequestResult, RequestSpec } from './types.js';

/**
 * The originator's side of RFC 6940 §6.2.1: requests go out signed with a fresh transaction id, are
 * retransmitted with the same id until answered (at most 5 transmissions), and their answers are matched,
 * checked and handed to the caller's callback exactly once.
 */
interface Pending {
  readonly spec: RequestSpec;
  readonly payload: Uint8Array;
  readonly header: ForwardingHeader;
  readonly callback: (r: RequestResult) => void;
  /** RFC 6940 §7.1: the answer to a request sent to a Node-ID must be signed by that node. */
  readonly expectSigner: NodeId | undefined;
}

export function failure(errorCode: number, reason: string): RequestResult {
  return { ok: false, errorCode, info: new Uint8Array(0), reason, signer: undefined };
}

export class Requester {
  readonly #sender: Sender;
  readonly #random: Random;
  readonly #transactions: TransactionTable<Pending>;
  readonly #reliabilityTimer: number;
  #closed = false;

  constructor(sender: Sender, random: Random, reliabilityTimer: number) {
    this.#sender = sender;
    this.#random = random;
    this.#reliabilityTimer = reliabilityTimer;
    this.#transactions = new TransactionTable({ reliabilityTimer });
  }

  get pendingCount(): number {
    return this.#transactions.size;
  }

  request(spec: RequestSpec, now: number, callback: (r: RequestResult) => void): TransactionId {
    const transactionId = randomU64(this.#random) as TransactionId;
    if (this.#closed) {
      callback(failure(ErrorCode.Error_Request_Timeout, 'node is shut down'));
      return transactionId;
    }
    const contents: MessageContents = {
      code: spec.code,
      body: spec.body,
      extensions: [...(spec.extensions ?? [])],
    };
    const payload = this.#sender.signedPayload(transactionId, contents, spec.certificates, spec.signer);
    const fresh = this.#sender.newHeader(transactionId, spec.destination);
    const header =
      spec.configurationSequence === undefined
        ? fresh
        : { ...fresh, configurationSequence: spec.configurationSequence };
    const last = spec.destination[spec.destination.length - 1];
    const wildcard = 2n ** BigInt(8 * this.#sender.nodeIdLength) - 1n;
    const expectSigner = last?.type === 'node' && last.id !== wildcard ? last.id : undefined;
    const interval = spec.retransmitInterval ?? this.#reliabilityTimer;
    this.#transactions.start(
      transactionId,
      { spec, payload, header, callback, expectSigner },
      now,
      interval,
      spec.maxTransmissions,
    );
    this.#refusedNow(transactionId, this.#sender.originate(header, payload, spec.code, spec.via, now));
    return transactionId;
  }

  /** Our own routing can refuse a request for good (RFC 6940 §6.1.2: we own the id and it is absent). */
  #refusedNow(id: TransactionId, r: OriginateResult): void {
    if (r.status !== 'refused') return;
    const p = this.#transactions.complete(id);
    p?.context.callback(failure(r.errorCode, `${ErrorCode.describe(r.errorCode)}: ${r.reason}`));
  }

  /** Retransmits what is due and fails what has used all its transmissions. */
  handleTimeout(now: number): void {
    const { retransmit, failed } = this.#transactions.due(now);
    for (const p of retransmit) {
      this.#sender.stats.retransmissions++;
      // Re-routed on every attempt: the next hop may have changed (RFC 6940 §6.2.1).
      const c = p.context;
      this.#refusedNow(p.id, this.#sender.originate(c.header, c.payload, c.spec.code, c.spec.via, now));
    }
    for (const p of failed) {
      p.context.callback(failure(ErrorCode.Error_Request_Timeout, 'no answer after all retransmissions'));
    }
  }

  nextDeadline(): number | undefined {
    return this.#transactions.nextDeadline();
  }

  onAnswer(
    d: LocalDelivery,
    contents: MessageContents,
    signer: VerifiedSigner,
    now: number,
    certificates: readonly GenericCertificate[] = [],
  ): void {
    const p = this.#transactions.get(d.header.transactionId);
    if (p === undefined) {
      this.#sender.stats.drop('answer to no pending request');
      return;
    }
    const pending = p.context;
    const isError = contents.code === MessageCode.error;
    // RFC 6940 §7.1: an answer to a request for Node-ID X must be signed by X; an impostor's answer is
    // ignored and the request retransmitted. Errors may come from any peer on the path (TTL, Not_Found).
    if (!isError && pending.expectSigner !== undefined && signer.nodeId !== pending.expectSigner) {
      this.#sender.stats.drop('answer signed by the wrong node');
      return;
    }
    this.#transactions.complete(d.header.transactionId);
    if (isError) {
      pending.callback(this.#errorResult(contents.body, signer));
      return;
    }
    if (contents.code !== pending.spec.code + 1) {
      pending.callback(
        failure(ErrorCode.Error_Invalid_Message, `answer code 0x${contents.code.toString(16)}`),
      );
      return;
    }
    pending.callback({
      ok: true,
      code: contents.code,
      body: contents.body,
      extensions: contents.extensions,
      signer,
      certificates,
      header: d.header,
      rtt: now - p.firstSentAt,
    });
  }

  #errorResult(body: Uint8Array, signer: VerifiedSigner): RequestResult {
    try {
      const e = decodeError(body, this.#sender.ctx);
      return {
        ok: false,
        errorCode: e.errorCode,
        info: e.errorInfo,
        reason: describeError(e.errorCode, e.errorInfo),
        signer,
      };
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return {
        ok: false,
        errorCode: ErrorCode.Error_Invalid_Message,
        info: new Uint8Array(0),
        reason: 'malformed error answer',
        signer,
      };
    }
  }

  /** Fails every pending request (the node is shutting down). */
  abortAll(reason: string): void {
    this.#closed = true;
    for (const p of this.#transactions.abortAll())
      p.context.callback(failure(ErrorCode.Error_Request_Timeout, reason));
  }
}
