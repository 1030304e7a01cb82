import { Counter, type Registry } from 'prom-client';
import type { ReplicationSnapshot } from '../reload/storage/replication-stats.js';

/**
 * The storage series of GET /metrics (RFC 6940 §7, §10.4), read at scrape time like the others:
 *
 * - p2psip_storage_answered_total{method,result}: Store/Fetch/Stat/Find requests this peer answered
 *   (replica Stores as method="replica_store"); result is `ok` or the RELOAD error's name.
 * - p2psip_storage_requests_total{method,result}: those this peer sent for its own users (CLI, SIP).
 * - replication lag: for each original Store this peer answered as the responsible peer, the time from
 *   its answer to the last replica peer's acknowledgement (the copies leave with the answer, so it is the
 *   slowest copy's round trip). _sum and _count give the mean, _max the worst; a Store with a copy
 *   refused or lost counts in p2psip_replication_incomplete_total instead, and copies still out show in
 *   p2psip_replication_pending and p2psip_replication_oldest_pending_seconds.
 */
export interface StorageMetricsSource {
  storedResources(): number;
  storedValues(): number;
  answered(): Iterable<readonly [string, string, number]>;
  requested(): Iterable<readonly [string, string, number]>;
  replication(): ReplicationSnapshot;
}

type Read = () => number;

export function registerStorageMetrics(
  registry: Registry,
  gauge: (name: string, help: string, read: Read) => void,
  counter: (name: string, help: string, read: Read) => void,
  s: StorageMetricsSource,
): void {
  const byResult = (name: string, help: string, read: StorageMetricsSource['answered']): void => {
    new Counter({
      name,
      help,
      labelNames: ['method', 'result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [method, result, n] of read()) this.inc({ method, result }, n);
      },
    });
  };
  const r = (): ReplicationSnapshot => s.replication();
  gauge('p2psip_stored_resources', 'Resource-IDs this peer holds values of', () => s.storedResources());
  gauge('p2psip_stored_values', 'values this peer holds, deletion markers included', () => s.storedValues());
  byResult('p2psip_storage_answered_total', 'storage requests answered, by method and result', () =>
    s.answered(),
  );
  byResult('p2psip_storage_requests_total', 'storage requests sent for local users, by result', () =>
    s.requested(),
  );
  counter('p2psip_replica_stores_total', 'replica Stores sent (RFC 6940 §10.4)', () => r().sent);
  counter('p2psip_replica_stores_failed_total', 'replica Stores refused or unanswered', () => r().failed);
  counter(
    'p2psip_replication_handed_off_total',
    'resources dropped after handing them off',
    () => r().dropped,
  );
  counter('p2psip_replication_healed_total', 'copies refused as too old, then merged', () => r().healed);
  const seconds = (ms: number): number => ms / 1000;
  counter('p2psip_replication_lag_seconds_sum', 'replication lag of original Stores, summed', () =>
    seconds(r().lagTotal),
  );
  counter(
    'p2psip_replication_lag_seconds_count',
    'original Stores whose copies were all acknowledged',
    () => r().lagCount,
  );
  gauge('p2psip_replication_lag_max_seconds', 'largest replication lag seen', () => seconds(r().lagMax));
  counter(
    'p2psip_replication_incomplete_total',
    'original Stores with a copy refused or lost',
    () => r().incomplete,
  );
  gauge('p2psip_replication_pending', 'original Stores whose copies are not all answered', () => r().pending);
  gauge('p2psip_replication_oldest_pending_seconds', 'age of the oldest of those (0: none)', () =>
    seconds(r().oldestPending),
  );
}
