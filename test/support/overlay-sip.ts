import type { NodeId } from '../../src/core/ids.js';
import { nullLogger } from '../../src/core/logger.js';
import { SeededRandom } from '../../src/core/random.js';
import { Adapter } from '../../src/peer/adapter/adapter.js';
import { type Aor, parseAor } from '../../src/peer/adapter/aor.js';
import { ReloadAdapterOverlay } from '../../src/peer/adapter/reload-overlay.js';
import { MemoryUserDirectory, type SipUser } from '../../src/peer/adapter/users.js';
import { MessageCode } from '../../src/reload/messages/codes.js';
import type { ReloadNode } from '../../src/reload/node.js';
import { SimulatedSigner } from '../../src/reload/security/simulated.js';
import type { SipMessage } from '../../src/sip/message/message.js';
import { parseDatagram } from '../../src/sip/message/parser.js';
import type { TransportAddress } from '../../src/sip/transport/address.js';
import { SipAppAttach } from '../../src/usages/sip/app-attach.js';
import type { Phone } from './sip-net.js';
import { type Overlay, overlay } from './test-node.js';

/**
 * Adapters on real ReloadNodes in memory: registrations go through real storage (signed per user, checked
 * by USER-NODE-MATCH) and calls through real AppAttach signalling; only the sockets are simulated. The
 * AppAttach "TLS connections" are pipes joined here when a node asks to connect.
 */
export interface AdapterPeer {
  readonly node: ReloadNode;
  readonly adapter: Adapter;
  readonly apps: SipAppAttach;
}

export class OverlaySip {
  readonly o: Overlay;
  readonly peers: AdapterPeer[] = [];
  readonly phones: Phone[] = [];
  /** connection id → [the peer it belongs to, the other end's peer, the other end's connection id]. */
  readonly #pipes = new Map<string, { here: AdapterPeer; there: AdapterPeer; thereId: string }>();
  #nextIn = 1;

  constructor(n: number, users: (i: number) => SipUser[], seed = 7) {
    this.o = overlay(n, seed);
    this.o.nodes.forEach((node, i) => {
      const us = users(i);
      const apps = new SipAppAttach(
        { localId: node.localId, request: (spec, cb) => node.request(spec, this.o.net.now, cb) },
        { listen: { host: `10.0.0.${i + 1}`, port: 5070 } },
        new SeededRandom(100 + i),
        nullLogger,
      );
      node.transport.handle(MessageCode.app_attach_req, (r) => apps.onAppAttach(r));
      const signers = new Map<Aor, SimulatedSigner>(
        us.map((u) => [u.aor, new SimulatedSigner(node.localId, u.aor)]),
      );
      const ov = new ReloadAdapterOverlay(
        node,
        apps,
        { signerFor: (aor) => signers.get(aor) },
        () => this.o.net.now,
      );
      const adapter = new Adapter(
        {
          localId: node.localId,
          nodeIdLength: 16,
          listeners: [{ transport: 'udp', host: `10.0.0.${i + 1}`, port: 5060 }],
          app: { transport: 'tls', host: `10.0.0.${i + 1}`, port: 5070 },
          nonceSecret: new Uint8Array(32).fill(i + 1),
        },
        {
          users: new MemoryUserDirectory(us),
          overlay: ov,
          random: new SeededRandom(200 + i),
          log: nullLogger,
        },
      );
      this.peers.push({ node, adapter, apps });
    });
  }

  /** Starts the ring one node at a time and lets it settle. */
  start(): void {
    for (const [i, n] of this.o.nodes.entries()) {
      this.o.net.advance(this.o.net.now + (i === 0 ? 0 : 500));
      n.start(this.o.net.now);
      this.o.net.settle();
    }
    this.advance(60_000);
  }

  get now(): number {
    return this.o.net.now;
  }

  addPhone(host: string): Phone {
    const p: Phone = { address: { transport: 'udp', host, port: 5060 }, inbox: [] };
    this.phones.push(p);
    return p;
  }

  send(from: Phone, to: AdapterPeer, msg: SipMessage): void {
    to.adapter.receive(msg, from.address, this.now);
    this.settle();
  }

  /** Runs RELOAD links, AppAttach connections and SIP until everything is quiet. */
  settle(): void {
    for (let round = 0; round < 1000; round++) {
      this.o.net.settle();
      let busy = false;
      for (const p of this.peers) {
        for (let c = p.apps.pollOutput(); c !== undefined; c = p.apps.pollOutput()) {
          busy = true;
          this.#connect(p, c.connection, c.expected);
        }
        for (let s = p.adapter.poll(); s !== undefined; s = p.adapter.poll()) {
          busy = true;
          this.#deliver(p, s.destination, s.bytes);
        }
      }
      if (!busy) return;
    }
    throw new Error('did not settle');
  }

  #connect(from: AdapterPeer, id: string, expected: NodeId): void {
    const to = this.peers.find((p) => p.node.localId === expected);
    if (to === undefined) return;
    const back = `app:in${this.#nextIn++}`;
    this.#pipes.set(id, { here: from, there: to, thereId: back });
    this.#pipes.set(back, { here: to, there: from, thereId: id });
    from.apps.connectionUp(id, to.node.localId);
    to.apps.connectionUp(back, from.node.localId);
  }

  #deliver(from: AdapterPeer, to: TransportAddress, bytes: Uint8Array): void {
    const pipe = to.connection === undefined ? undefined : this.#pipes.get(to.connection);
    if (pipe !== undefined) {
      const source: TransportAddress = {
        transport: 'tls',
        host: '0.0.0.0',
        port: 0,
        connection: pipe.thereId,
      };
      pipe.there.adapter.receive(parseDatagram(bytes), source, this.now);
      return;
    }
    const phone = this.phones.find((p) => p.address.host === to.host && p.address.port === to.port);
    phone?.inbox.push(parseDatagram(bytes));
    void from;
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: number | undefined;
      for (const p of this.peers) {
        for (const d of [p.adapter.nextDeadline(), p.apps.nextDeadline(), p.node.nextDeadline()]) {
          if (d !== undefined && d <= until && (next === undefined || d < next)) next = d;
        }
      }
      if (next === undefined) break;
      this.o.net.advance(Math.max(this.now, next));
      for (const p of this.peers) {
        p.adapter.handleTimeout(this.now);
        p.apps.handleTimeout(this.now);
      }
      this.settle();
    }
    this.o.net.advance(until);
    this.settle();
  }

  aor(text: string): Aor {
    return parseAor(text) as Aor;
  }
}
