import type { NodeId } from '../../src/core/ids.js';
import { encodeFrame } from '../../src/reload/messages/framing.js';
import type { NodeOutput } from '../../src/reload/node/types.js';
import type { LinkId } from '../../src/reload/routing/types.js';

/**
 * A synchronous in-memory network for unit tests of the message layer: `connect` outputs reach the node
 * registered at that "host", bytes are delivered in order, and `loss` lets a test drop chosen frames.
 */
/** What the network drives: a MessageTransport or a whole ReloadNode. */
export interface Drivable {
  readonly localId: NodeId;
  pollOutput(): NodeOutput | undefined;
  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean;
  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined;
  linkData(link: LinkId, bytes: Uint8Array, now: number): void;
  linkClosed(link: LinkId, reason: string, now: number): void;
  handleTimeout(now: number): void;
  nextDeadline(): number | undefined;
}

type MessageTransport = Drivable;

interface Pipe {
  readonly from: MessageTransport;
  readonly fromLink: LinkId;
  readonly to: MessageTransport;
  readonly toLink: LinkId;
}

export class MemNet {
  readonly #nodes = new Map<string, { t: MessageTransport; id: NodeId }>();
  readonly #pipes = new Map<MessageTransport, Map<LinkId, Pipe>>();
  now = 0;
  /** Return true to lose this data frame (see #deliverFrames). */
  loss: (from: MessageTransport, bytes: Uint8Array) => boolean = () => false;
  delivered = 0;

  /** Registers a node under an address (`host` or `host:port`); `connect` outputs to it reach it. */
  add(host: string, t: MessageTransport): void {
    this.#nodes.set(host, { t, id: t.localId });
    this.#pipes.set(t, new Map());
  }

  /** Runs every node's outputs until the network is quiet. */
  settle(limit = 100_000): void {
    for (let i = 0; i < limit; i++) {
      let busy = false;
      for (const [, { t }] of this.#nodes) {
        for (let o = t.pollOutput(); o !== undefined; o = t.pollOutput()) {
          busy = true;
          this.#apply(t, o);
        }
      }
      if (!busy) return;
    }
    throw new Error('network did not settle');
  }

  #apply(t: MessageTransport, o: NodeOutput): void {
    const pipes = this.#pipes.get(t);
    if (pipes === undefined) return;
    switch (o.type) {
      case 'connect': {
        const target = this.#nodes.get(o.host) ?? this.#nodes.get(`${o.host}:${o.port}`);
        if (target === undefined) {
          t.linkClosed(o.link, 'no such host', this.now);
          return;
        }
        const back = target.t.accept([t.localId], this.now);
        if (back === undefined || !t.linkUp(o.link, [target.id], this.now)) return;
        pipes.set(o.link, { from: t, fromLink: o.link, to: target.t, toLink: back });
        this.#pipes.get(target.t)?.set(back, { from: target.t, fromLink: back, to: t, toLink: o.link });
        return;
      }
      case 'transmit': {
        const p = pipes.get(o.link);
        if (p === undefined) return;
        this.#deliverFrames(t, p, o.bytes);
        return;
      }
      case 'close': {
        const p = pipes.get(o.link);
        pipes.delete(o.link);
        if (p !== undefined) {
          this.#pipes.get(p.to)?.delete(p.toLink);
          p.to.linkClosed(p.toLink, `closed by peer: ${o.reason}`, this.now);
        }
        return;
      }
    }
  }

  /**
   * Delivers frame by frame. A lost data frame is acked on the receiver's behalf: TLS over TCP never
   * loses bytes, so "loss" here models a peer that took the frame and then lost the message (a crash or
   * an overload drop), which end-to-end retransmission must recover from.
   */
  #deliverFrames(t: MessageTransport, p: Pipe, bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      const size =
        bytes[at] === 0x81
          ? 9
          : 8 + (((bytes[at + 5] ?? 0) << 16) | ((bytes[at + 6] ?? 0) << 8) | (bytes[at + 7] ?? 0));
      const frame = bytes.subarray(at, at + size);
      at += size;
      if (frame[0] === 0x80 && this.loss(t, frame)) {
        t.linkData(
          p.fromLink,
          encodeFrame({
            type: 'ack',
            ackSequence: new DataView(frame.buffer, frame.byteOffset).getUint32(1),
            received: 0,
          }),
          this.now,
        );
        continue;
      }
      this.delivered++;
      p.to.linkData(p.toLink, frame, this.now);
    }
  }

  /** Removes a node as if its process died: every link to it closes. */
  kill(t: MessageTransport): void {
    for (const [host, n] of this.#nodes) if (n.t === t) this.#nodes.delete(host);
    const pipes = this.#pipes.get(t);
    this.#pipes.delete(t);
    for (const p of pipes?.values() ?? []) {
      this.#pipes.get(p.to)?.delete(p.toLink);
      p.to.linkClosed(p.toLink, 'connection reset', this.now);
    }
    this.settle();
  }

  /** Advances time to `to`, firing every node's timers on the way. */
  advance(to: number): void {
    for (;;) {
      let next: number | undefined;
      for (const [, { t }] of this.#nodes) {
        const d = t.nextDeadline();
        if (d !== undefined && d <= to && (next === undefined || d < next)) next = d;
      }
      if (next === undefined) break;
      this.now = Math.max(this.now, next);
      for (const [, { t }] of this.#nodes) {
        const d = t.nextDeadline();
        if (d !== undefined && d <= this.now) t.handleTimeout(this.now);
      }
      this.settle();
    }
    this.now = to;
  }
}
