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
  /** Storage counts and replication lag (storage-metrics.ts); absent for a peer that stores nothing. */
  readonly storage?: StorageMetricsSource;
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
  if (source.storage !== undefined) registerStorageMetrics(registry, gauge, counter, source.storage);
  return { contentType: registry.contentType, text: () => registry.metrics() };
}
