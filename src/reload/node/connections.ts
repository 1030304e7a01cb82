import type { NodeId } from '../../core/ids.js';
import type { StreamLink } from '../link/stream-link.js';
import type { LinkId } from '../routing/types.js';
import type { RoutedMessage } from './sender.js';

/**
 * The Connection Table (RFC 6940 §9.? "the set of nodes to which a node is directly connected"): every
 * TLS link, including links to nodes that are not (yet) in the routing table.
 */
export type ConnectionPurpose =
  /** To a bootstrap node's address, before its Node-ID is known (RFC 6940 §11.4). */
  | 'bootstrap'
  /** Set up by an Attach exchange (RFC 6940 §6.5.1). */
  | 'attach'
  /** Accepted on our listener; the peer tells who it is with its certificate. */
  | 'accepted';

export interface Connection {
  readonly id: LinkId;
  readonly purpose: ConnectionPurpose;
  /** The Node-ID the link must authenticate as (Attach), or undefined (bootstrap, accepted). */
  readonly expected: NodeId | undefined;
  state: 'connecting' | 'up' | 'closed';
  /** The authenticated Node-ID of the far end, once TLS is up. */
  peer: NodeId | undefined;
  link: StreamLink<RoutedMessage> | undefined;
  readonly openedAt: number;
  upAt: number | undefined;
  /** When bytes last arrived on the link: its peer was alive then (chord's connectivity checks). */
  lastHeardAt: number;
}

export class ConnectionTable {
  readonly #byLink = new Map<LinkId, Connection>();
  readonly #byPeer = new Map<NodeId, LinkId>();
  #nextId = 1;

  allocate(): LinkId {
    const id = this.#nextId as LinkId;
    this.#nextId++;
    return id;
  }

  add(c: Connection): void {
    this.#byLink.set(c.id, c);
  }

  get(id: LinkId): Connection | undefined {
    return this.#byLink.get(id);
  }

  /** Marks a link up with its authenticated peer; the newest link to a peer becomes its preferred one. */
  up(id: LinkId, peer: NodeId, link: StreamLink<RoutedMessage>, now: number): Connection | undefined {
    const c = this.#byLink.get(id);
    if (c === undefined) return undefined;
    c.state = 'up';
    c.peer = peer;
    c.link = link;
    c.upAt = now;
    c.lastHeardAt = now;
    this.#byPeer.set(peer, id);
    return c;
  }

  remove(id: LinkId): Connection | undefined {
    const c = this.#byLink.get(id);
    if (c === undefined) return undefined;
    c.state = 'closed';
    this.#byLink.delete(id);
    if (c.peer !== undefined && this.#byPeer.get(c.peer) === id) {
      this.#byPeer.delete(c.peer);
      // Another live link to the same peer (after a glare) takes over.
      for (const other of this.#byLink.values()) {
        if (other.peer === c.peer && other.state === 'up') {
          this.#byPeer.set(c.peer, other.id);
          break;
        }
      }
    }
    return c;
  }

  /** Makes `id` the link messages to `peer` take (it must be up). */
  prefer(peer: NodeId, id: LinkId): void {
    if (this.#byLink.get(id)?.state === 'up') this.#byPeer.set(peer, id);
  }

  linkTo(peer: NodeId): LinkId | undefined {
    return this.#byPeer.get(peer);
  }

  /** A live, non-suspect link to the peer. */
  isUsable(peer: NodeId): boolean {
    return this.isUp(peer) && this.#link(peer)?.link?.suspect === false;
  }

  /** A live link to the peer, suspect or not. */
  isUp(peer: NodeId): boolean {
    const c = this.#link(peer);
    return c !== undefined && c.state === 'up' && c.link !== undefined;
  }

  #link(peer: NodeId): Connection | undefined {
    const id = this.#byPeer.get(peer);
    return id === undefined ? undefined : this.#byLink.get(id);
  }

  /** When anything last arrived from the peer on its preferred link. */
  lastHeard(peer: NodeId): number | undefined {
    const id = this.#byPeer.get(peer);
    return id === undefined ? undefined : this.#byLink.get(id)?.lastHeardAt;
  }

  peers(): NodeId[] {
    return [...this.#byPeer.keys()];
  }

  all(): IterableIterator<Connection> {
    return this.#byLink.values();
  }

  get size(): number {
    return this.#byLink.size;
  }

  get upCount(): number {
    let n = 0;
    for (const c of this.#byLink.values()) if (c.state === 'up') n++;
    return n;
  }
}

/** Whether we opened the link (an Attach or bootstrap connection) rather than accepted it. */
const initiatedByUs = (c: Connection): boolean => c.purpose !== 'accepted';

/**
 * Two nodes that Attach to each other at once (or a probe that reaches a peer already linked) end up with
 * two TLS links between them. Both ends pick the same survivor without talking: a link opened by the
 * smaller Node-ID; among links opened by the same end, the oldest (that end's view, and only that end
 * closes them). Each end closes only the links it opened (after a grace, so that messages already on them
 * arrive), so the two ends never close every link. Returns the survivor and the links that are ours to close.
 */
export function resolveDuplicate(
  table: ConnectionTable,
  peer: NodeId,
  localId: NodeId,
): { readonly keep: Connection; readonly close: readonly Connection[] } | undefined {
  const links = [...table.all()].filter((c) => c.peer === peer && c.state === 'up');
  if (links.length < 2) return undefined;
  const oursWins = localId < peer;
  const rank = (c: Connection): number => (initiatedByUs(c) === oursWins ? 0 : 1);
  const before = (a: Connection, b: Connection): boolean =>
    rank(a) !== rank(b) ? rank(a) < rank(b) : a.upAt !== b.upAt ? (a.upAt ?? 0) < (b.upAt ?? 0) : a.id < b.id;
  let keep = links[0] as Connection;
  for (const c of links) if (before(c, keep)) keep = c;
  return { keep, close: links.filter((c) => c !== keep && initiatedByUs(c)) };
}
