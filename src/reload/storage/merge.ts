import type { NodeId, ResourceId } from '../../core/ids.js';
import { CodecError, decode, encode } from '../../wire/index.js';
import { MessageCode } from '../messages/codes.js';
import type { FetchAns } from '../messages/fetch.js';
import type { GenericCertificate } from '../messages/security.js';
import type { StoredData } from '../messages/stored-data.js';
import type { RequestResult, RequestSpec } from '../node/types.js';
import type { StorageCodecs } from './codecs.js';
import { wholeKind } from './fetch-rules.js';
import type { ResourceStore } from './resource-store.js';
import { planStore, type StoreEnv } from './store-rules.js';
import { isSynthetic } from './values.js';

/**
 * RFC 6940 §7.4.1.1 partition healing: when a copy we send is refused as too old (or its generation
 * counter as too low), the other holder has newer values. Fetch everything it holds of the resource and
 * keep, value by value, whatever is newer than ours (and verifies); the default merge rule of replaying
 * every value in storage_time order comes down to that per slot.
 */
export interface MergeDeps {
  readonly env: StoreEnv;
  readonly store: ResourceStore;
  readonly codecs: StorageCodecs;
  now(): number;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
}

export function adoptNewer(deps: MergeDeps, resource: ResourceId, peer: NodeId, done: () => void): void {
  const entry = deps.store.resource(resource);
  if (entry === undefined) {
    done();
    return;
  }
  const specifiers = [...entry.kinds.values()].map((k) => wholeKind(k.kind, k.model));
  const body = encode(deps.codecs.fetchReq, { resource, specifiers }, deps.codecs.ctx);
  deps.request({ destination: [{ type: 'node', id: peer }], code: MessageCode.fetch_req, body }, (r) => {
    if (r.ok) {
      try {
        merge(
          deps,
          resource,
          decode(deps.codecs.fetchAns, r.body, deps.codecs.ctx, 'FetchAns'),
          r.certificates,
        );
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
      }
    }
    done();
  });
}

function merge(
  deps: MergeDeps,
  resource: ResourceId,
  ans: FetchAns,
  certificates: readonly GenericCertificate[],
): void {
  const kindData = ans.kindResponses.flatMap((k) =>
    'values' in k
      ? [
          {
            kind: k.kind,
            generationCounter: k.generation,
            values: k.values.filter((v: StoredData) => !isSynthetic(v)),
          },
        ]
      : [],
  );
  const plan = planStore(deps.env, {
    req: { resource, replicaNumber: 1, kindData },
    role: 'merge',
    requestSigner: undefined,
    certificates,
    now: deps.now(),
  });
  if (plan.ok) deps.store.write(resource, plan.writes);
}
