import { TypedEmitter } from '../../core/events.js';
import { type NodeId, nodeIdToHex } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { ReloadNode } from '../../reload/node.js';

/**
 * What a running peer reports as it happens (the control API's /events stream): state changes, routing
 * table changes and links going up and down, as JSON-ready records. Links are logged here too, so the log
 * tells the story of the peer's neighbourhood.
 */
export type PeerEvent =
  | { readonly type: 'state'; readonly state: string }
  | {
      readonly type: 'table';
      readonly predecessors: readonly string[];
      readonly successors: readonly string[];
      readonly fingers: readonly string[];
    }
  | { readonly type: 'link-up'; readonly link: number; readonly peer: string; readonly purpose: string }
  | {
      readonly type: 'link-down';
      readonly link: number;
      readonly peer: string | null;
      readonly reason: string;
    };

export class PeerEvents {
  readonly #emitter = new TypedEmitter<{ event: PeerEvent }>();
  readonly #unsubscribe: Array<() => void> = [];

  constructor(node: ReloadNode, log: Logger) {
    const len = node.config.nodeIdLength;
    const hex = (id: NodeId): string => nodeIdToHex(id, len);
    this.#unsubscribe.push(
      node.events.on('state', ({ state }) => {
        log.info({ state }, 'overlay state');
        this.#emit({ type: 'state', state });
      }),
      node.events.on('table-changed', () => {
        const t = node.chord.table;
        this.#emit({
          type: 'table',
          predecessors: t.predecessors.map(hex),
          successors: t.successors.map(hex),
          fingers: t.fingerList().map(hex),
        });
      }),
      node.transport.events.on('link-up', ({ link, peer, purpose }) => {
        log.info({ link, peer: hex(peer), purpose }, 'link up');
        this.#emit({ type: 'link-up', link, peer: hex(peer), purpose });
      }),
      node.transport.events.on('link-suspect', ({ link, peer, suspect }) => {
        // RFC 6940 §6.6.3: a frame unacked for one RTO; routing avoids the link until acks resume.
        const fields = { link, peer: peer === undefined ? undefined : hex(peer) };
        if (suspect) log.warn(fields, 'link suspect: no acknowledgement within the RTO');
        else log.info(fields, 'link recovered');
      }),
      node.transport.events.on('link-down', ({ link, peer, reason }) => {
        log.info({ link, peer: peer === undefined ? undefined : hex(peer), reason }, 'link down');
        this.#emit({ type: 'link-down', link, peer: peer === undefined ? null : hex(peer), reason });
      }),
    );
  }

  #emit(e: PeerEvent): void {
    this.#emitter.emit('event', e);
  }

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: (e: PeerEvent) => void): () => void {
    return this.#emitter.on('event', listener);
  }

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
