import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Beacon } from '../../discovery/dns-sd.js';
import {
  LanDiscovery,
  type LanDiscoveryEvents,
  type LanPacket,
  MDNS_GROUP_V4,
  MDNS_PORT,
} from '../../discovery/lan-discovery.js';
import { CryptoRandom } from './crypto-random.js';

/**
 * The UDP side of LAN discovery: one IPv4 socket on the mDNS port (shared with any other responder on the
 * host, SO_REUSEADDR), joined to 224.0.0.251 on every IPv4 interface that takes it, and the real clock
 * driving the sans-I/O LanDiscovery (src/discovery). Packets to the group go out on each joined interface
 * in turn, with IP TTL 255 (RFC 6762 §11).
 */
export interface LanHostOptions {
  readonly log: Logger;
  /** Default 5353; tests in their own network namespace keep it. */
  readonly port?: number;
}

export class LanHost {
  readonly discovery: LanDiscovery;
  readonly #socket: Socket;
  readonly #interfaces: readonly string[];
  readonly #log: Logger;
  readonly #port: number;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(socket: Socket, interfaces: readonly string[], o: LanHostOptions) {
    this.#socket = socket;
    this.#interfaces = interfaces;
    this.#log = o.log;
    this.#port = o.port ?? MDNS_PORT;
    this.discovery = new LanDiscovery({ log: o.log, random: new CryptoRandom() });
    socket.on('message', (bytes, rinfo) => {
      this.#run(() =>
        this.discovery.receive(new Uint8Array(bytes), { host: rinfo.address, port: rinfo.port }, Date.now()),
      );
    });
    socket.on('error', (e) => this.#log.warn({ reason: errorMessage(e) }, 'lan: socket error'));
  }

  /**
   * Binds the mDNS socket and starts browsing. Resolves undefined (after a warning) when the host cannot do
   * multicast: LAN discovery is then simply off, and the other bootstrap methods carry on.
   */
  static async open(o: LanHostOptions): Promise<LanHost | undefined> {
    const port = o.port ?? MDNS_PORT;
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ port, address: '0.0.0.0' }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.setMulticastTTL(255);
      socket.setMulticastLoopback(true);
    } catch (e) {
      socket.close();
      o.log.warn({ reason: errorMessage(e) }, `lan: cannot use UDP port ${port}: LAN discovery is off`);
      return undefined;
    }
    const joined = joinGroup(socket, o.log);
    if (joined.length === 0) {
      socket.close();
      o.log.warn('lan: no interface joined the mDNS group: LAN discovery is off');
      return undefined;
    }
    o.log.info({ interfaces: joined }, 'lan: browsing for _p2psip._tcp.local');
    const host = new LanHost(socket, joined, o);
    host.#run(() => host.discovery.start(Date.now()));
    return host;
  }

  on<K extends keyof LanDiscoveryEvents & string>(
    event: K,
    listener: (e: LanDiscoveryEvents[K]) => void,
  ): () => void {
    return this.discovery.events.on(event, listener);
  }

  advertise(beacon: Beacon | undefined): void {
    this.#run(() => this.discovery.advertise(beacon, Date.now()));
  }

  beacons(): Beacon[] {
    return this.discovery.beacons(Date.now());
  }

  /** Says goodbye for our instance, waits for the packets to leave, and closes the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#run(() => this.discovery.stop());
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#sending;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #run(input: () => void): void {
    if (this.#closed) return;
    try {
      input();
    } catch (e) {
      this.#log.error({ err: e instanceof Error ? e : new Error(errorMessage(e)) }, 'lan: internal error');
    }
    for (let p = this.discovery.pollOutput(); p !== undefined; p = this.discovery.pollOutput()) this.#send(p);
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const deadline = this.discovery.nextDeadline();
    this.#timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => this.#run(() => this.discovery.handleTimeout(Date.now())),
            Math.max(0, deadline - Date.now()),
          );
  }

  /** One send at a time: the outgoing interface is a socket option, so sends must not interleave. */
  #send(p: LanPacket): void {
    this.#sending = this.#sending.then(async () => {
      if (p.to !== undefined) {
        await this.#sendTo(p.bytes, p.to.port, p.to.host);
        return;
      }
      for (const address of this.#interfaces) {
        try {
          this.#socket.setMulticastInterface(address);
        } catch (e) {
          this.#log.debug({ interface: address, reason: errorMessage(e) }, 'lan: cannot send there');
          continue;
        }
        await this.#sendTo(p.bytes, this.#port, MDNS_GROUP_V4);
      }
    });
  }

  #sendTo(bytes: Uint8Array, port: number, host: string): Promise<void> {
    return new Promise((resolve) => {
      this.#socket.send(bytes, port, host, (e) => {
        if (e) this.#log.debug({ to: host, reason: errorMessage(e) }, 'lan: send failed');
        resolve();
      });
    });
  }
}

/** Joins the mDNS group on every IPv4 interface that accepts it (loopback too, when it does multicast). */
function joinGroup(socket: Socket, log: Logger): string[] {
  const joined: string[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4') continue;
      try {
        socket.addMembership(MDNS_GROUP_V4, a.address);
        joined.push(a.address);
      } catch (e) {
        log.debug({ interface: name, reason: errorMessage(e) }, 'lan: cannot join the mDNS group there');
      }
    }
  }
  return joined;
}
