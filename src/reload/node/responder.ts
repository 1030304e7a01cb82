import { TypedEmitter } from '../../core/events.js';
import type { NodeId } from '../../core/ids.js';
import { CodecError, encode } from '../../wire/index.js';
import { ErrorCode, ForwardingOptionFlag, isRequestCode, MessageCode } from '../messages/codes.js';
import type { Destination } from '../messages/common.js';
import type { MessageContents, MessageExtension } from '../messages/contents.js';
import { errorResponse } from '../messages/error.js';
import type { ForwardingHeader } from '../messages/header.js';
import type { GenericCertificate } from '../messages/security.js';
import { AnswerCache } from '../routing/answer-cache.js';
import { answerPath } from '../routing/forwarder.js';
import type { VerifiedSigner } from './ports.js';
import type { LocalDelivery, Sender } from './sender.js';
import type { IncomingRequest, RequestHandler } from './types.js';

/**
 * The responder's side: requests delivered to this node are checked (configuration sequence, critical
 * extensions), de-duplicated (RFC 6940 §6.2.1) and handed to the one handler registered for their code;
 * answers and errors travel back along the request's path (RFC 6940 §6.2.2).
 */
export interface ResponderEvents {
  /**
   * A request whose configuration_sequence differs from ours (RFC 6940 §6.3.2.1). `peer` is the link it
   * came over, `origin` the node that signed it (the one a ConfigUpdate must reach), `path` the way back
   * to it (its via list reversed, which also reaches a node that has not joined yet), `now` its arrival.
   */
  'config-mismatch': {
    readonly theirs: number;
    readonly peer: NodeId | undefined;
    readonly origin: NodeId;
    readonly path: readonly Destination[];
    readonly now: number;
  };
  [event: string]: unknown;
}

export class Responder {
  readonly events = new TypedEmitter<ResponderEvents>();
  readonly #sender: Sender;
  readonly #handlers = new Map<number, RequestHandler>();
  readonly #answers = new AnswerCache();
  /** Extension types we understand (RFC 7851's Diagnostic_Ping is added by its handler). */
  readonly #extensions = new Set<number>();
  #configurationSequence: number;

  constructor(sender: Sender, configurationSequence: number) {
    this.#sender = sender;
    this.#configurationSequence = configurationSequence;
  }

  get configurationSequence(): number {
    return this.#configurationSequence;
  }

  set configurationSequence(n: number) {
    this.#configurationSequence = n;
  }

  handle(code: number, handler: RequestHandler): void {
    if (!isRequestCode(code)) throw new RangeError(`0x${code.toString(16)} is not a request code`);
    this.#handlers.set(code, handler);
  }

  understandExtension(type: number): void {
    this.#extensions.add(type);
  }

  handleTimeout(now: number): void {
    this.#answers.handleTimeout(now);
  }

  nextDeadline(): number | undefined {
    return this.#answers.nextDeadline();
  }

  onRequest(
    d: LocalDelivery,
    contents: MessageContents,
    signer: VerifiedSigner,
    now: number,
    certificates: readonly GenericCertificate[] = [],
  ): void {
    const txid = d.header.transactionId;
    const cached = this.#answers.get(txid);
    if (cached !== undefined) {
      // RFC 6940 §6.2.1: a retransmitted request gets the same answer; one still in progress is absorbed.
      if (cached.state === 'answered') this.#sendBack(d.header, d.previousHop, cached.payload, now);
      return;
    }
    this.#answers.begin(txid, now);
    const rejection = this.#check(d, contents, signer.nodeId, now);
    if (rejection !== undefined) {
      this.sendError(d.header, d.previousHop, rejection[0], rejection[1], now);
      return;
    }
    const handler = this.#handlers.get(contents.code);
    if (handler === undefined) {
      this.sendError(d.header, d.previousHop, ErrorCode.Error_Invalid_Message, 'unsupported method', now);
      return;
    }
    const req = this.#incoming(d, contents, signer, now, certificates);
    try {
      handler(req);
    } catch (e) {
      // A body that does not decode is the sender's fault: answer it, never crash (DESIGN §5).
      if (!(e instanceof CodecError)) throw e;
      req.error(ErrorCode.Error_Invalid_Message, e.message);
    }
  }

  #check(
    d: LocalDelivery,
    contents: MessageContents,
    origin: NodeId,
    now: number,
  ): [number, string] | undefined {
    const theirs = d.header.configurationSequence;
    const ours = this.#configurationSequence;
    if (theirs !== ours && contents.code !== MessageCode.config_update_req) {
      // RFC 6940 §6.3.2.1: sequence numbers compare modulo 2^16 (TCP style).
      const path = answerPath(d.header, d.previousHop);
      this.events.emit('config-mismatch', { theirs, peer: d.previousHop, origin, path, now });
      const older = ((ours - theirs) & 0xffff) < 0x8000;
      return [
        older ? ErrorCode.Error_Config_Too_Old : ErrorCode.Error_Config_Too_New,
        `configuration sequence ${theirs}, ours ${ours}`,
      ];
    }
    // RFC 6940 §6.3.3: an unknown critical extension is answered with Error_Unknown_Extension.
    const unknown = contents.extensions.find((e) => e.critical && !this.#extensions.has(e.type));
    if (unknown !== undefined) return [ErrorCode.Error_Unknown_Extension, `extension ${unknown.type}`];
    return undefined;
  }

  #incoming(
    d: LocalDelivery,
    contents: MessageContents,
    signer: VerifiedSigner,
    now: number,
    certificates: readonly GenericCertificate[],
  ): IncomingRequest {
    let done = false;
    const once = (): boolean => {
      const first = !done;
      done = true;
      return first;
    };
    return {
      code: contents.code,
      body: contents.body,
      extensions: contents.extensions,
      header: d.header,
      signer,
      certificates,
      transactionId: d.header.transactionId,
      link: d.link,
      previousHop: d.previousHop,
      now,
      answer: (
        body: Uint8Array,
        extensions: readonly MessageExtension[] = [],
        certs: readonly GenericCertificate[] = [],
      ) => {
        if (once()) this.#answer(d, { code: contents.code + 1, body, extensions: [...extensions] }, certs);
      },
      error: (code: number, info: string | Uint8Array = '') => {
        if (once()) this.sendError(d.header, d.previousHop, code, info, this.#sender.clock());
      },
    };
  }

  #answer(d: LocalDelivery, contents: MessageContents, certificates: readonly GenericCertificate[]): void {
    const now = this.#sender.clock();
    const payload = this.#sender.signedPayload(d.header.transactionId, contents, certificates);
    const limit = d.header.maxResponseLength;
    // RFC 6940 §6.3.2: an answer larger than max_response_length becomes an error (digest §19.1).
    if (limit > 0 && payload.length + 64 > limit) {
      this.sendError(d.header, d.previousHop, ErrorCode.Error_Response_Too_Large, 'answer too large', now);
      return;
    }
    this.#answers.answer(d.header.transactionId, payload);
    this.#sendBack(d.header, d.previousHop, payload, now);
  }

  /** Answers `request` with an ErrorResponse (RFC 6940 §6.3.3.1), also for errors decided while routing. */
  sendError(
    request: ForwardingHeader,
    previousHop: NodeId | undefined,
    errorCode: number,
    info: string | Uint8Array,
    now: number,
  ): void {
    const errorInfo = typeof info === 'string' ? new TextEncoder().encode(info.slice(0, 1000)) : info;
    const body = encode(errorResponse, { errorCode, errorInfo }, this.#sender.ctx);
    const contents = { code: MessageCode.error, body, extensions: [] };
    const payload = this.#sender.signedPayload(request.transactionId, contents);
    this.#answers.answer(request.transactionId, payload);
    this.#sendBack(request, previousHop, payload, now);
  }

  /** Sends an answer payload back along the request's path (RFC 6940 §6.2.2). */
  #sendBack(
    request: ForwardingHeader,
    previousHop: NodeId | undefined,
    payload: Uint8Array,
    now: number,
  ): void {
    // RFC 6940 §6.3.2.3: RESPONSE_COPY options are copied into the answer with every flag cleared.
    const options = request.options
      .filter((o) => (o.flags & ForwardingOptionFlag.RESPONSE_COPY) !== 0)
      .map((o) => ({ ...o, flags: 0 }));
    const header = {
      ...this.#sender.newHeader(request.transactionId, answerPath(request, previousHop)),
      options,
    };
    const code =
      payload.length >= 2 ? ((payload[0] as number) << 8) | (payload[1] as number) : MessageCode.error;
    if (this.#sender.originate(header, payload, code, undefined, now).status !== 'sent') {
      this.#sender.stats.drop('answer not routable');
    }
  }
}
