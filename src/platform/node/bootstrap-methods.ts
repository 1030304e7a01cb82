import { errorMessage } from '../../core/errors.js';
import { nodeIdToHex } from '../../core/ids.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { type Beacon, instanceLabel } from '../../discovery/dns-sd.js';
import { ANNOUNCE_EVERY_MS, announceToServer, fetchBootstrapList } from './bootstrap-server.js';
import type { LanHost } from './lan-host.js';
import { type CachedPeer, mergePeerCache, writePeerCache } from './peer-cache.js';
import type { PeerRuntime } from './peer-runtime.js';

/**
 * The bootstrap methods that run beside a peer (RFC 6940 §11.4 leaves them to the node; thesis §3.3.2):
 * the cache of peers it had links to (kept fresh in the data directory), bootstrap servers (asked for
 * addresses while the node looks for the overlay, told about it once it is in), and LAN discovery (peers of
 * our overlay that announce themselves joined become bootstrap addresses; we announce ourselves). Cached
 * and configured addresses go to the node before it starts (PeerOptions); these add to them as they come.
 */
export interface BootstrapMethodsOptions {
  readonly peer: PeerRuntime;
  readonly log: Logger;
  /** overlayFingerprint of the peer's document. */
  readonly fingerprint: string;
  /** DATA/peers.json, and what it held when the peer started. */
  readonly cache?: { readonly file: string; readonly peers: readonly CachedPeer[] };
  /** /bootstrap URLs. */
  readonly servers: readonly URL[];
  readonly lan?: LanHost;
  /** Where the document is served to the LAN (config-endpoint.ts), announced in our beacon. */
  readonly configPort?: number;
}

const CACHE_SAVE_EVERY_MS = 30_000;
const CACHE_SAVE_DEBOUNCE_MS = 2_000;
const SERVER_RETRY = { first: 2_000, max: 60_000 } as const;
/**
 * LAN peers a joined node keeps for its partition checks. Each check dials every bootstrap address not
 * linked, so a node on a LAN of a hundred peers must not collect them all.
 */
const LAN_ADDRESSES_WHEN_JOINED = 8;

export class BootstrapMethods {
  readonly #o: BootstrapMethodsOptions;
  readonly #log: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #offs: Array<() => void> = [];
  readonly #foreign = new Set<string>();
  readonly #lanAdded = new Set<string>();
  #cache: readonly CachedPeer[];
  #saveTimer: NodeJS.Timeout | undefined;
  #serverTimer: NodeJS.Timeout | undefined;
  #serverBackoff: number = SERVER_RETRY.first;
  #serverBusy = false;
  #serverAgain = false;
  #stopped = false;

  constructor(o: BootstrapMethodsOptions) {
    this.#o = o;
    this.#log = o.log.child({ part: 'bootstrap' });
    this.#cache = o.cache?.peers ?? [];
  }

  start(): void {
    const { peer, lan } = this.#o;
    this.#offs.push(
      peer.node.events.on('state', () => {
        this.#advertise();
        this.#serverRound();
      }),
    );
    if (this.#o.cache !== undefined) {
      this.#offs.push(peer.node.events.on('table-changed', () => this.#saveSoon()));
      this.#every(CACHE_SAVE_EVERY_MS, () => void this.#saveCache());
    }
    if (lan !== undefined) {
      this.#offs.push(lan.on('found', ({ beacon }) => this.#onBeacon(beacon)));
      for (const b of lan.beacons()) this.#onBeacon(b);
      this.#advertise();
    }
    this.#serverRound();
  }

  /** Saves the cache, withdraws our LAN beacon and stops every timer (before the peer leaves). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const off of this.#offs) off();
    for (const t of this.#timers) clearInterval(t);
    if (this.#saveTimer !== undefined) clearTimeout(this.#saveTimer);
    if (this.#serverTimer !== undefined) clearTimeout(this.#serverTimer);
    this.#o.lan?.advertise(undefined);
    await this.#saveCache();
  }

  // ---- cached peers ------------------------------------------------------------------------------

  #saveSoon(): void {
    if (this.#saveTimer !== undefined || this.#stopped) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.#saveCache();
    }, CACHE_SAVE_DEBOUNCE_MS);
  }

  async #saveCache(): Promise<void> {
    const cache = this.#o.cache;
    if (cache === undefined) return;
    const { peer } = this.#o;
    const len = peer.config.nodeIdLength;
    const linked = peer.node
      .linkedPeerAddresses()
      .map((l) => ({ nodeId: nodeIdToHex(l.nodeId, len), address: l.address }));
    const next = mergePeerCache(this.#cache, linked, Date.now());
    // Nothing linked and nothing new: the file already says it.
    if (linked.length === 0 && placesOf(next) === placesOf(this.#cache)) return;
    this.#cache = next;
    try {
      await writePeerCache(
        cache.file,
        { name: peer.config.instanceName, fingerprint: this.#o.fingerprint },
        next,
      );
      this.#log.debug({ peers: next.length }, 'bootstrap: peer cache saved');
    } catch (e) {
      this.#log.warn({ reason: errorMessage(e) }, 'bootstrap: cannot save the peer cache');
    }
  }

  // ---- bootstrap servers -------------------------------------------------------------------------

  /** Looking for the overlay: ask every server for peers. In it: announce ourselves to every server. */
  #serverRound(): void {
    if (this.#o.servers.length === 0 || this.#stopped) return;
    if (this.#serverBusy) {
      this.#serverAgain = true;
      return;
    }
    this.#serverBusy = true;
    if (this.#serverTimer !== undefined) clearTimeout(this.#serverTimer);
    const joined = this.#o.peer.node.chord.state === 'joined';
    const jobs = this.#o.servers.map((url) => (joined ? this.#announce(url) : this.#ask(url)));
    void Promise.all(jobs).then(() => {
      this.#serverBusy = false;
      if (this.#stopped) return;
      if (this.#serverAgain) {
        this.#serverAgain = false;
        this.#serverRound();
        return;
      }
      const still = this.#o.peer.node.chord.state === 'joined';
      let delay: number;
      if (still) {
        this.#serverBackoff = SERVER_RETRY.first;
        delay = ANNOUNCE_EVERY_MS * (0.9 + 0.2 * Math.random());
      } else {
        delay = this.#serverBackoff * (0.5 + Math.random());
        this.#serverBackoff = Math.min(this.#serverBackoff * 2, SERVER_RETRY.max);
      }
      if (this.#serverTimer !== undefined) clearTimeout(this.#serverTimer);
      this.#serverTimer = setTimeout(() => this.#serverRound(), delay);
    });
  }

  async #ask(url: URL): Promise<void> {
    const { peer } = this.#o;
    try {
      const list = await fetchBootstrapList(url, peer.config);
      this.#log.info(
        { server: url.href, peers: list.map((p) => formatHostPort(p.host, p.port)) },
        'bootstrap: server answered',
      );
      if (!this.#stopped) peer.addBootstrapPeers(list, `bootstrap server ${url.href}`);
    } catch (e) {
      this.#log.warn({ server: url.href, reason: errorMessage(e) }, 'bootstrap: server not usable');
    }
  }

  async #announce(url: URL): Promise<void> {
    const { peer } = this.#o;
    try {
      await announceToServer(url, peer.config, peer.identity, peer.listen, Date.now());
      this.#log.info(
        { server: url.href, listen: formatHostPort(peer.listen.host, peer.listen.port) },
        'bootstrap: announced to server',
      );
    } catch (e) {
      this.#log.warn({ server: url.href, reason: errorMessage(e) }, 'bootstrap: announcement failed');
    }
  }

  // ---- LAN discovery -----------------------------------------------------------------------------

  #onBeacon(b: Beacon): void {
    const { peer, fingerprint } = this.#o;
    const name = peer.config.instanceName;
    if (b.overlay.toLowerCase() !== name.toLowerCase()) {
      this.#log.debug({ overlay: b.overlay, address: b.address }, 'lan: a peer of another overlay');
      return;
    }
    if (b.state !== 'seeking' && b.fingerprint !== fingerprint) {
      // Same name, different signer or root: a foreign overlay that must never be joined by accident.
      if (!this.#foreign.has(b.fingerprint)) {
        this.#foreign.add(b.fingerprint);
        this.#log.warn(
          { overlay: b.overlay, fingerprint: b.fingerprint, ours: fingerprint, address: b.address },
          'lan: another overlay with our name is on the LAN: not joining it',
        );
      }
      return;
    }
    if (b.state !== 'joined') return;
    const key = `${b.address}|${b.port}`;
    const looking = peer.node.chord.state !== 'joined';
    if (this.#lanAdded.has(key) || (!looking && this.#lanAdded.size >= LAN_ADDRESSES_WHEN_JOINED)) return;
    this.#lanAdded.add(key);
    peer.addBootstrapPeers([{ host: b.address, port: b.port }], `LAN (${b.instance})`);
  }

  #advertise(): void {
    const { peer, lan, configPort } = this.#o;
    if (lan === undefined || this.#stopped) return;
    const nodeId = nodeIdToHex(peer.nodeId, peer.config.nodeIdLength);
    lan.advertise({
      instance: instanceLabel(nodeId),
      overlay: peer.config.instanceName,
      fingerprint: this.#o.fingerprint,
      state: peer.node.chord.state === 'joined' ? 'joined' : 'joining',
      address: peer.listen.host,
      port: peer.listen.port,
      nodeId,
      ...(configPort === undefined ? {} : { configPort }),
    });
  }

  #every(ms: number, f: () => void): void {
    const t = setInterval(f, ms);
    t.unref();
    this.#timers.add(t);
  }
}

function placesOf(peers: readonly CachedPeer[]): string {
  return peers.map((p) => `${p.nodeId}@${p.address}:${p.port}`).join(' ');
}
