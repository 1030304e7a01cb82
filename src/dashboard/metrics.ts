import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { registerStorageMetrics, type StorageMetricsSource } from './storage-metrics.js';

/**
 * `GET /metrics` in the Prometheus text format, through prom-client. The node keeps plain counters
 * (reload/node/stats.ts) so counting costs nothing on the forwarding path; every metric here reads them at
 * scrape time.
 */
export interface MetricsSource {
  readonly stats: {
    readonly bytesIn: number;
    readonly bytesOut: number;
    readonly forwarded: number;
    readonly retransmissions: number;
    readonly messagesIn: ReadonlyMap<string, number>;
    readonly messagesOut: ReadonlyMap<string, number>;
    readonly dropped: ReadonlyMap<string, number>;
  };
  links(): number;
  connections(): number;
  routingTableSize(): number;
  pendingRequests(): number;
  internalErrors(): number;
  tlsRefused(): ReadonlyMap<string, number>;
  /** The SIP adapter's counters, when the peer runs one (`--sip`). */
  readonly sip?: SipMetricsSource;
  /** Storage counts and replication lag (storage-metrics.ts); absent for a peer that stores nothing. */
  readonly storage?: StorageMetricsSource;
}

export interface SipMetricsSource {
  readonly stats: {
    readonly requestsIn: ReadonlyMap<string, number>;
    readonly requestsOut: ReadonlyMap<string, number>;
    readonly responsesIn: ReadonlyMap<string, number>;
    readonly responsesOut: ReadonlyMap<string, number>;
    readonly authFailures: number;
    readonly published: number;
    readonly publishSkipped: number;
    readonly lookups: number;
    readonly cachedLookups: number;
  };
  transactions(): number;
  registrations(): number;
  bindings(): number;
  connections(): number;
  appConnections(): number;
  dropped(): ReadonlyMap<string, number>;
  /** Datagrams the UDP socket read (before parsing): compared with what a sender sent, the kernel's drops. */
  datagramsIn(): number;
  /** Whole messages framed off TCP and TLS connections with phones. */
  streamMessagesIn(): number;
}

export interface Metrics {
  readonly contentType: string;
  text(): Promise<string>;
}

export function createMetrics(source: MetricsSource): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'p2psip_' });
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  const labelled = (name: string, help: string, label: string, read: () => ReadonlyMap<string, number>) => {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [value, n] of read()) this.inc({ [label]: value }, n);
      },
    });
  };
  const s = source.stats;
  gauge('p2psip_links', 'RELOAD links up (authenticated TLS connections)', () => source.links());
  gauge('p2psip_connections', 'TCP sockets open, handshakes included', () => source.connections());
  gauge('p2psip_routing_table_size', 'peers in the Chord routing table', () => source.routingTableSize());
  gauge('p2psip_pending_requests', 'requests waiting for an answer', () => source.pendingRequests());
  labelled('p2psip_messages_in_total', 'RELOAD messages received, by method', 'method', () => s.messagesIn);
  labelled(
    'p2psip_messages_out_total',
    'RELOAD messages originated, by method',
    'method',
    () => s.messagesOut,
  );
  counter('p2psip_bytes_in_total', 'bytes read from links (framing included)', () => s.bytesIn);
  counter('p2psip_bytes_out_total', 'bytes written to links (framing included)', () => s.bytesOut);
  counter('p2psip_retransmissions_total', 'end-to-end request retransmissions', () => s.retransmissions);
  counter('p2psip_forwarded_total', 'messages forwarded for other nodes', () => s.forwarded);
  labelled('p2psip_dropped_total', 'messages dropped, by reason', 'reason', () => s.dropped);
  labelled('p2psip_tls_refused_total', 'TLS connections refused, by reason', 'reason', () =>
    source.tlsRefused(),
  );
  counter('p2psip_internal_errors_total', 'exceptions the node threw (bugs)', () => source.internalErrors());
  if (source.sip !== undefined) sipMetrics(source.sip, gauge, counter, labelled);
  if (source.storage !== undefined) registerStorageMetrics(registry, gauge, counter, source.storage);
  return { contentType: registry.contentType, text: () => registry.metrics() };
}

type Define = (name: string, help: string, read: () => number) => void;
type DefineLabelled = (
  name: string,
  help: string,
  label: string,
  read: () => ReadonlyMap<string, number>,
) => void;

/** The adapter's metrics (issue #6): SIP messages by method and status, transactions, registrations. */
function sipMetrics(sip: SipMetricsSource, gauge: Define, counter: Define, labelled: DefineLabelled): void {
  const s = sip.stats;
  labelled(
    'p2psip_sip_requests_received_total',
    'SIP requests received, by method',
    'method',
    () => s.requestsIn,
  );
  labelled(
    'p2psip_sip_requests_sent_total',
    'SIP requests sent (retransmissions too), by method',
    'method',
    () => s.requestsOut,
  );
  labelled(
    'p2psip_sip_responses_received_total',
    'SIP responses received, by status code',
    'code',
    () => s.responsesIn,
  );
  labelled(
    'p2psip_sip_responses_sent_total',
    'SIP responses sent (retransmissions too), by status code',
    'code',
    () => s.responsesOut,
  );
  gauge('p2psip_sip_transactions', 'SIP transactions alive (client and server)', () => sip.transactions());
  gauge('p2psip_sip_registrations', 'AORs with at least one binding at this adapter', () =>
    sip.registrations(),
  );
  gauge('p2psip_sip_bindings', 'contacts registered at this adapter', () => sip.bindings());
  gauge('p2psip_sip_connections', 'SIP TCP/TLS connections with phones', () => sip.connections());
  gauge('p2psip_sip_app_connections', 'SIP connections with other adapters (AppAttach)', () =>
    sip.appConnections(),
  );
  counter('p2psip_sip_publications_total', 'SIP-REGISTRATION stores that succeeded', () => s.published);
  counter(
    'p2psip_sip_publications_skipped_total',
    'REGISTERs answered without a store (the registration was in the overlay, its refresh ahead)',
    () => s.publishSkipped,
  );
  counter('p2psip_sip_lookups_total', 'SIP-REGISTRATION lookups for calls', () => s.lookups);
  counter(
    'p2psip_sip_cached_lookups_total',
    'calls routed along a recent lookup of the same AOR',
    () => s.cachedLookups,
  );
  counter(
    'p2psip_sip_auth_failures_total',
    'digest challenges sent (missing or wrong credentials)',
    () => s.authFailures,
  );
  labelled('p2psip_sip_dropped_total', 'SIP input dropped by the transports, by reason', 'reason', () =>
    sip.dropped(),
  );
  counter('p2psip_sip_datagrams_received_total', 'UDP datagrams read by the SIP socket', () =>
    sip.datagramsIn(),
  );
  counter(
    'p2psip_sip_stream_messages_received_total',
    'SIP messages framed off TCP and TLS connections with phones',
    () => sip.streamMessagesIn(),
  );
}
