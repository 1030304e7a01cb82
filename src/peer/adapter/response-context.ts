import type { SipMessage } from '../../sip/message/message.js';
import type { ClientTransactionHandle, ServerTransactionHandle } from '../../sip/transaction/types.js';

/**
 * The response context of a stateful proxy (RFC 3261 §16.7) for one server transaction: the branches it
 * forked, the responses they gave, and which response goes upstream. Pure bookkeeping; the adapter sends.
 */
export type BranchState = 'connecting' | 'calling' | 'proceeding' | 'done';

export interface Branch {
  readonly id: string;
  state: BranchState;
  /** The client transaction, once the request is on its way. */
  transaction: ClientTransactionHandle | undefined;
  final: SipMessage | undefined;
  /** The status of a branch that ended without a response of its own (no route, no connection). */
  failedStatus: number | undefined;
  /** A CANCEL is owed once a provisional response arrives (RFC 3261 §9.1: not before). */
  cancelPending: boolean;
}

export type ContextAction =
  | { readonly kind: 'forward'; readonly response: SipMessage }
  | { readonly kind: 'cancel'; readonly branch: Branch }
  | { readonly kind: 'final'; readonly response: SipMessage | undefined; readonly status: number };

/** RFC 3261 §16.7 step 6: the class order for choosing among final responses. */
function rank(status: number): number {
  if (status >= 600) return 0;
  if (status >= 200 && status < 300) return -1;
  if (status >= 300 && status < 400) return 1;
  if (status >= 400 && status < 500) return 2;
  return 3;
}

export class ResponseContext {
  readonly server: ServerTransactionHandle;
  readonly request: SipMessage;
  readonly branches = new Map<string, Branch>();
  #finalSent = false;
  #cancelled = false;
  #nextBranch = 0;

  constructor(server: ServerTransactionHandle, request: SipMessage) {
    this.server = server;
    this.request = request;
  }

  get finalSent(): boolean {
    return this.#finalSent;
  }

  get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }

  addBranch(state: BranchState = 'connecting'): Branch {
    const b: Branch = {
      id: String(this.#nextBranch++),
      state,
      transaction: undefined,
      final: undefined,
      failedStatus: undefined,
      cancelPending: false,
    };
    this.branches.set(b.id, b);
    return b;
  }

  /** A response on a branch; returns what to do (forward a provisional or 2xx, cancel others, send the final). */
  onResponse(branch: Branch, response: SipMessage): ContextAction[] {
    const status = response.status;
    const actions: ContextAction[] = [];
    if (status < 200) {
      if (branch.state === 'calling') branch.state = 'proceeding';
      if (branch.cancelPending) {
        branch.cancelPending = false;
        actions.push({ kind: 'cancel', branch });
      }
      // RFC 3261 §16.7 step 5: provisional responses other than 100 are forwarded at once.
      if (status > 100 && !this.#finalSent) actions.push({ kind: 'forward', response });
      return actions;
    }
    branch.state = 'done';
    branch.final = response;
    if (status < 300) {
      // RFC 3261 §16.7 step 5: every 2xx to an INVITE is forwarded, and the other branches are cancelled.
      actions.push({ kind: 'forward', response });
      this.#finalSent = true;
      if (this.isInvite) actions.push(...this.#cancelOthers(branch));
      return actions;
    }
    if (status >= 600 && this.isInvite) actions.push(...this.#cancelOthers(branch));
    return [...actions, ...this.#maybeFinal()];
  }

  /** A branch that failed before or without a response (no route, connection failed, timeout). */
  onBranchFailed(branch: Branch, status: number, response?: SipMessage): ContextAction[] {
    if (branch.state === 'done') return [];
    branch.state = 'done';
    branch.final = response;
    branch.failedStatus = status;
    return this.#maybeFinal();
  }

  /** CANCEL of the server transaction (RFC 3261 §16.10): cancel every pending branch. */
  cancel(): ContextAction[] {
    if (this.#finalSent) return [];
    this.#cancelled = true;
    const actions: ContextAction[] = [];
    for (const b of this.branches.values()) {
      if (b.state === 'proceeding') actions.push({ kind: 'cancel', branch: b });
      else if (b.state === 'calling') b.cancelPending = true;
      else if (b.state === 'connecting') b.state = 'done';
    }
    return [...actions, ...this.#maybeFinal()];
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  #cancelOthers(winner: Branch): ContextAction[] {
    const out: ContextAction[] = [];
    for (const b of this.branches.values()) {
      if (b === winner || b.state === 'done') continue;
      if (b.state === 'proceeding') out.push({ kind: 'cancel', branch: b });
      else if (b.state === 'calling') b.cancelPending = true;
      else b.state = 'done';
    }
    return out;
  }

  /** When every branch is done and nothing final went upstream yet, pick the best (RFC 3261 §16.7 step 6). */
  #maybeFinal(): ContextAction[] {
    if (this.#finalSent) return [];
    for (const b of this.branches.values()) if (b.state !== 'done') return [];
    this.#finalSent = true;
    let best: SipMessage | undefined;
    let bestStatus = 0;
    for (const b of this.branches.values()) {
      const status = b.final?.status ?? b.failedStatus ?? 0;
      // A 408 the transaction layer made up loses to any real answer (RFC 3261 §16.7 step 6 and §16.8).
      if (status === 0 || (bestStatus !== 0 && status === 408 && b.final === undefined)) continue;
      if (
        bestStatus === 0 ||
        rank(status) < rank(bestStatus) ||
        (rank(status) === rank(bestStatus) && status < bestStatus)
      ) {
        best = b.final;
        bestStatus = status;
      }
    }
    if (this.#cancelled && (bestStatus === 0 || bestStatus === 408 || bestStatus === 487)) {
      // RFC 3261 §9.2: a cancelled INVITE ends with 487 Request Terminated.
      return [{ kind: 'final', response: best?.status === 487 ? best : undefined, status: 487 }];
    }
    return [{ kind: 'final', response: best, status: bestStatus === 0 ? 480 : bestStatus }];
  }
}
