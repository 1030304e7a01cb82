import { type NodeId, nodeIdFromBigInt } from '../../src/core/ids.js';
import { nullLogger } from '../../src/core/logger.js';
import { SeededRandom } from '../../src/core/random.js';
import { Adapter } from '../../src/peer/adapter/adapter.js';
import { type Aor, parseAor } from '../../src/peer/adapter/aor.js';
import type { AdapterOverlay, OverlayRoute } from '../../src/peer/adapter/overlay-port.js';
import { MemoryUserDirectory, type SipUser } from '../../src/peer/adapter/users.js';
import { ha1 } from '../../src/sip/auth/digest.js';
import type { SipMessage } from '../../src/sip/message/message.js';
import { parseDatagram } from '../../src/sip/message/parser.js';
import { serializeMessage } from '../../src/sip/message/serializer.js';
import type { TransportAddress } from '../../src/sip/transport/address.js';

/**
 * An in-memory SIP world for adapter unit tests: adapters wired to a fake overlay (a shared map of
 * registrations; "AppAttach" connections are addresses with an `app:` connection id), and phones that are
 * just inboxes at UDP addresses. Real SIPp and baresip runs are in test/interop.
 */
export function sipUser(aor: string, password: string): SipUser {
  const a = parseAor(aor) as Aor;
  const realm = a.slice(a.indexOf('@') + 1);
  const user = a.slice(0, a.indexOf('@'));
  return {
    aor: a,
    realm,
    ha1: { MD5: ha1(user, realm, password, 'MD5'), 'SHA-256': ha1(user, realm, password, 'SHA-256') },
  };
}

export interface Phone {
  readonly address: TransportAddress;
  readonly inbox: SipMessage[];
}

export class SipNet {
  readonly adapters = new Map<string, Adapter>();
  readonly phones = new Map<string, Phone>();
  /** AOR → adapters' Node-IDs with a registration (the overlay's SIP-REGISTRATION dictionary). */
  readonly registry = new Map<Aor, Map<NodeId, number>>();
  /** Node-IDs whose AppAttach fails (unreachable adapters). */
  readonly unreachable = new Set<NodeId>();
  /** Every SIP-REGISTRATION Store an adapter made, in order, with its lifetime (s). */
  readonly publishes: Array<{ readonly aor: Aor; readonly lifetime: number }> = [];
  /** While set, Stores wait here for `releasePublishes()` instead of completing at once. */
  held: Array<() => void> | undefined;
  now = 1_000_000;
  readonly #byNode = new Map<NodeId, Adapter>();
  readonly #names = new Map<Adapter, string>();

  addAdapter(name: string, n: number, users: SipUser[]): Adapter {
    const localId = nodeIdFromBigInt(BigInt(n) << 100n);
    const host = `10.0.0.${n}`;
    const overlay = this.#overlay(localId);
    const adapter = new Adapter(
      {
        localId,
        nodeIdLength: 16,
        listeners: [{ transport: 'udp', host, port: 5060 }],
        app: { transport: 'tls', host, port: 5070 },
        nonceSecret: new Uint8Array(32).fill(n),
      },
      { users: new MemoryUserDirectory(users), overlay, random: new SeededRandom(n), log: nullLogger },
    );
    this.adapters.set(name, adapter);
    this.#byNode.set(localId, adapter);
    this.#names.set(adapter, name);
    return adapter;
  }

  addPhone(name: string, host: string, port = 5060): Phone {
    const p: Phone = { address: { transport: 'udp', host, port }, inbox: [] };
    this.phones.set(name, p);
    return p;
  }

  #overlay(localId: NodeId): AdapterOverlay {
    return {
      localId,
      publish: (aor, lifetime, cb) => {
        this.publishes.push({ aor, lifetime });
        const complete = (): void => {
          const m = this.registry.get(aor) ?? new Map<NodeId, number>();
          m.set(localId, this.now + lifetime * 1000);
          this.registry.set(aor, m);
          cb({ ok: true });
        };
        if (this.held === undefined) complete();
        else this.held.push(complete);
      },
      withdraw: (aor, cb) => {
        this.registry.get(aor)?.delete(localId);
        cb({ ok: true });
      },
      lookup: (aor, cb) => {
        const routes: OverlayRoute[] = [...(this.registry.get(aor)?.keys() ?? [])].map((node) => ({
          node,
          destinationList: [{ type: 'node', id: node }],
          contactPrefs: '',
        }));
        cb({ ok: true, routes, uris: [] });
      },
      connect: (route, cb) => {
        const target = this.#byNode.get(route.node);
        if (target === undefined || this.unreachable.has(route.node)) {
          cb({ ok: false, reason: 'AppAttach failed' });
          return;
        }
        // The connection as the caller sees it: the callee's app address on connection app:<caller>-<callee>.
        cb({
          ok: true,
          address: {
            transport: 'tls',
            host: `10.0.0.${this.#nameNumber(target)}`,
            port: 5070,
            connection: `app:${localId}-${route.node}`,
          },
        });
      },
    };
  }

  #nameNumber(a: Adapter): number {
    return Number(a.localId >> 100n);
  }

  /** Sends a message from a phone to an adapter over UDP. */
  send(from: Phone, to: Adapter, msg: SipMessage | string): void {
    const bytes = typeof msg === 'string' ? new TextEncoder().encode(msg) : serializeMessage(msg);
    to.receiveDatagram(bytes, from.address, this.now);
    this.settle();
  }

  /** Delivers every adapter output until quiet: to phones' inboxes, or to the adapter at the other end. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      let busy = false;
      for (const a of this.adapters.values()) {
        for (let o = a.poll(); o !== undefined; o = a.poll()) {
          busy = true;
          this.#deliver(a, o.destination, o.bytes);
        }
      }
      if (!busy) return;
    }
    throw new Error('SIP network did not settle');
  }

  #deliver(from: Adapter, to: TransportAddress, bytes: Uint8Array): void {
    const conn = to.connection;
    if (conn?.startsWith('app:') === true) {
      const [caller, callee] = conn.slice(4).split('-');
      const fromId = from.localId.toString();
      const otherId = fromId === caller ? callee : caller;
      const other = [...this.#byNode.entries()].find(([id]) => id.toString() === otherId)?.[1];
      if (other === undefined) return;
      other.receive(
        parseDatagram(bytes),
        { transport: 'tls', host: `10.0.0.${this.#nameNumber(from)}`, port: 5070, connection: conn },
        this.now,
      );
      return;
    }
    for (const p of this.phones.values()) {
      if (p.address.host === to.host && p.address.port === to.port) {
        p.inbox.push(parseDatagram(bytes));
        return;
      }
    }
  }

  /** Completes the Stores held since `held` was set, and stops holding them. */
  releasePublishes(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const complete of held) complete();
    this.settle();
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: number | undefined;
      for (const a of this.adapters.values()) {
        const d = a.nextDeadline();
        if (d !== undefined && d <= until && (next === undefined || d < next)) next = d;
      }
      if (next === undefined) break;
      this.now = Math.max(this.now, next);
      for (const a of this.adapters.values()) a.handleTimeout(this.now);
      this.settle();
    }
    this.now = until;
  }
}
