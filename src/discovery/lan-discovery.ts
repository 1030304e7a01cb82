import { second } from '../core/clock.js';
import { TypedEmitter } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Random } from '../core/random.js';
import { TimerTable } from '../core/timer-table.js';
import { CodecError } from '../wire/index.js';
import {
  DNS_FLAGS_RESPONSE,
  DNS_TYPE,
  type DnsMessage,
  type DnsName,
  type DnsQuestion,
  type DnsRecord,
  decodeDnsMessage,
  encodeDnsMessage,
  sameName,
} from './dns-message.js';
import {
  type Beacon,
  beaconFrom,
  beaconRecords,
  hostName,
  instanceName,
  SERVICE_TYPE,
  SERVICE_TYPES_META,
  serviceTypeRecord,
} from './dns-sd.js';

/**
 * LAN discovery of p2psip peers with DNS-SD over Multicast DNS (RFC 6762, RFC 6763), sans-I/O: packets and
 * `now` in; packets to send (to the mDNS group, or unicast to a legacy querier), one deadline and `found`
 * events out. It answers for our own instance (the responder) and keeps what others announce (the browser).
 *
 * Simplifications, each allowed for a responder whose names cannot collide: no probing (RFC 6762 §8.1;
 * the instance label carries the peer's Node-ID), no known-answer lists in our queries (§7.1), and
 * goodbyes remove a record at once instead of one second later (§10.1).
 */
export const MDNS_PORT = 5353;
export const MDNS_GROUP_V4 = '224.0.0.251';

export interface LanPacket {
  readonly bytes: Uint8Array;
  /** Undefined: the mDNS group on port 5353; else a unicast reply to a legacy querier (RFC 6762 §6.7). */
  readonly to?: { readonly host: string; readonly port: number };
}

export interface LanDiscoveryEvents {
  /** A complete instance appeared or changed (another overlay, state or address). */
  found: { readonly beacon: Beacon };
  [event: string]: unknown;
}

export interface LanDiscoveryOptions {
  readonly log: Logger;
  readonly random: Random;
  /** The longest interval between our browse queries (RFC 6762 §5.2 caps it at one hour). */
  readonly maxQueryInterval?: number;
}

type Timer = 'query' | 'announce' | 'respond';

interface Cached<T> {
  readonly value: T;
  readonly expires: number;
}

/** RFC 6762 §6: a shared answer waits 20-120 ms, so that answers from many responders spread out. */
const RESPONSE_DELAY = { min: 20, spread: 100 } as const;
/** RFC 6762 §6.7: a unicast answer to a legacy querier carries a TTL of at most 10 s. */
const LEGACY_TTL = 10;

export class LanDiscovery {
  readonly events = new TypedEmitter<LanDiscoveryEvents>();
  readonly #o: LanDiscoveryOptions;
  readonly #timers = new TimerTable<Timer>();
  readonly #out: LanPacket[] = [];
  readonly #srv = new Map<string, Cached<{ port: number; host: string }>>();
  readonly #txt = new Map<string, Cached<readonly Uint8Array[]>>();
  readonly #addresses = new Map<string, Map<string, number>>();
  /** The beacon last reported per instance, to report only changes. */
  readonly #reported = new Map<string, string>();
  #self: Beacon | undefined;
  #announcementsLeft = 0;
  #queryInterval = second;
  #lastMulticast = Number.NEGATIVE_INFINITY;
  #metaAsked = false;

  constructor(o: LanDiscoveryOptions) {
    this.#o = o;
  }

  /** Starts browsing: the first query goes out 20-120 ms from now (RFC 6762 §5.2). */
  start(now: number): void {
    this.#timers.set('query', now + this.#delay());
  }

  /** Publishes (or replaces, or with undefined withdraws) our own instance, announced twice (§8.3). */
  advertise(beacon: Beacon | undefined, now: number): void {
    const previous = this.#self;
    if (previous !== undefined && previous.instance !== beacon?.instance) this.#goodbye(previous);
    this.#self = beacon;
    if (beacon === undefined) {
      this.#timers.clear('announce');
      return;
    }
    this.#announcementsLeft = 2;
    this.#timers.set('announce', now);
  }

  /** Says goodbye for our instance (RFC 6762 §10.1) and stops every timer. */
  stop(): void {
    if (this.#self !== undefined) this.#goodbye(this.#self);
    this.#self = undefined;
    for (const t of ['query', 'announce', 'respond'] as const) this.#timers.clear(t);
  }

  receive(bytes: Uint8Array, from: { host: string; port: number }, now: number): void {
    let m: DnsMessage;
    try {
      m = decodeDnsMessage(bytes);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.#o.log.debug({ from: from.host, reason: e.message }, 'lan: undecodable mDNS packet');
      return;
    }
    if ((m.flags & 0x8000) !== 0) this.#absorb([...m.answers, ...m.additionals], now);
    else this.#onQuery(m, from, now);
  }

  /** The instances heard and still alive, except our own. */
  beacons(now: number): Beacon[] {
    const out: Beacon[] = [];
    for (const key of this.#srv.keys()) {
      const b = this.#beacon(key, now);
      if (b !== undefined) out.push(b);
    }
    return out;
  }

  pollOutput(): LanPacket | undefined {
    return this.#out.shift();
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  handleTimeout(now: number): void {
    for (const t of this.#timers.expire(now)) {
      if (t === 'query') {
        this.#send({ questions: [{ name: SERVICE_TYPE, type: DNS_TYPE.PTR, unicastResponse: false }] });
        this.#timers.set('query', now + this.#queryInterval);
        // RFC 6762 §5.2: intervals at least double, up to the cap.
        this.#queryInterval = Math.min(this.#queryInterval * 2, this.#o.maxQueryInterval ?? 60 * second);
      } else if (t === 'announce') {
        this.#multicastSelf(now, false);
        this.#announcementsLeft--;
        if (this.#announcementsLeft > 0) this.#timers.set('announce', now + second);
      } else {
        // RFC 6762 §6: a record is multicast at most once per second.
        if (now - this.#lastMulticast >= second) this.#multicastSelf(now, this.#metaAsked);
        this.#metaAsked = false;
      }
    }
  }

  // ---- responder ---------------------------------------------------------------------------------

  #onQuery(m: DnsMessage, from: { host: string; port: number }, now: number): void {
    const self = this.#self;
    if (self === undefined) return;
    const wanted = m.questions.filter((q) => this.#asksForUs(q, self));
    if (wanted.length === 0) return;
    const meta = wanted.some((q) => sameName(q.name, SERVICE_TYPES_META));
    if (from.port !== MDNS_PORT) {
      // RFC 6762 §6.7: a legacy (one-shot) querier gets a unicast answer with its id and its questions.
      const answers = meta ? [serviceTypeRecord(LEGACY_TTL)] : beaconRecords(self, LEGACY_TTL);
      this.#send({ id: m.id, questions: wanted, answers, to: from });
      return;
    }
    this.#metaAsked ||= meta;
    if (!this.#timers.has('respond')) this.#timers.set('respond', now + this.#delay());
  }

  #asksForUs(q: DnsQuestion, self: Beacon): boolean {
    const any = q.type === DNS_TYPE.ANY;
    if (sameName(q.name, SERVICE_TYPE) || sameName(q.name, SERVICE_TYPES_META)) {
      return any || q.type === DNS_TYPE.PTR;
    }
    if (sameName(q.name, instanceName(self.instance))) {
      return any || q.type === DNS_TYPE.SRV || q.type === DNS_TYPE.TXT;
    }
    if (sameName(q.name, hostName(self.instance))) {
      return any || q.type === DNS_TYPE.A || q.type === DNS_TYPE.AAAA;
    }
    return false;
  }

  #multicastSelf(now: number, withMeta: boolean): void {
    if (this.#self === undefined) return;
    this.#lastMulticast = now;
    const answers = beaconRecords(this.#self);
    this.#send({ answers: withMeta ? [...answers, serviceTypeRecord()] : answers });
  }

  #goodbye(b: Beacon): void {
    this.#send({ answers: beaconRecords(b, 0) });
  }

  #send(p: {
    id?: number;
    questions?: DnsQuestion[];
    answers?: DnsRecord[];
    to?: { host: string; port: number };
  }): void {
    const isResponse = p.answers !== undefined;
    const bytes = encodeDnsMessage({
      id: p.id ?? 0,
      flags: isResponse ? DNS_FLAGS_RESPONSE : 0,
      questions: p.questions ?? [],
      answers: p.answers ?? [],
      authorities: [],
      additionals: [],
    });
    this.#out.push(p.to === undefined ? { bytes } : { bytes, to: p.to });
  }

  #delay(): number {
    return RESPONSE_DELAY.min + Math.floor(this.#o.random.float() * RESPONSE_DELAY.spread);
  }

  // ---- browser -----------------------------------------------------------------------------------

  #absorb(records: readonly DnsRecord[], now: number): void {
    const touched = new Set<string>();
    for (const r of records) {
      const expires = now + r.ttl * second;
      const label = instanceOf(r.name);
      if (r.type === 'PTR' && sameName(r.name, SERVICE_TYPE)) {
        const target = instanceOf(r.target);
        if (target !== undefined && r.ttl === 0) this.#forget(target);
      } else if (r.type === 'SRV' && label !== undefined) {
        this.#srv.set(label, { value: { port: r.port, host: nameKey(r.target) }, expires });
        touched.add(label);
      } else if (r.type === 'TXT' && label !== undefined) {
        this.#txt.set(label, { value: r.strings, expires });
        touched.add(label);
      } else if (r.type === 'A' || r.type === 'AAAA') {
        const key = nameKey(r.name);
        const set = r.cacheFlush ? new Map<string, number>() : (this.#addresses.get(key) ?? new Map());
        set.set(r.address, expires);
        this.#addresses.set(key, set);
        for (const [inst, srv] of this.#srv) if (srv.value.host === key) touched.add(inst);
      }
    }
    for (const label of touched) this.#report(label, now);
  }

  #forget(label: string): void {
    const key = label.toLowerCase();
    const srv = this.#srv.get(key);
    this.#srv.delete(key);
    this.#txt.delete(key);
    this.#reported.delete(key);
    if (srv !== undefined) this.#addresses.delete(srv.value.host);
  }

  #report(label: string, now: number): void {
    const b = this.#beacon(label, now);
    if (b === undefined) return;
    const text = JSON.stringify(b);
    if (this.#reported.get(label) === text) return;
    this.#reported.set(label, text);
    this.#o.log.debug({ beacon: b }, 'lan: peer heard');
    this.events.emit('found', { beacon: b });
  }

  #beacon(label: string, now: number): Beacon | undefined {
    if (this.#self !== undefined && label === this.#self.instance.toLowerCase()) return undefined;
    const srv = this.#srv.get(label);
    const txt = this.#txt.get(label);
    if (srv === undefined || txt === undefined || srv.expires <= now || txt.expires <= now) return undefined;
    let address: string | undefined;
    for (const [a, expires] of this.#addresses.get(srv.value.host) ?? []) {
      if (expires > now && (address === undefined || !a.includes(':'))) address = a;
    }
    if (address === undefined) return undefined;
    return beaconFrom({ instance: label, port: srv.value.port, txt: txt.value, address });
  }
}

/** The instance label of `<label>._p2psip._tcp.local`, lower-cased; undefined for any other name. */
function instanceOf(name: DnsName): string | undefined {
  if (name.length !== SERVICE_TYPE.length + 1 || !sameName(name.slice(1), SERVICE_TYPE)) return undefined;
  return name[0]?.toLowerCase();
}

function nameKey(name: DnsName): string {
  return name.map((l) => l.toLowerCase()).join('.');
}
