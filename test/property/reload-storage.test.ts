import { describe } from 'node:test';
import fc from 'fast-check';
import {
  appAttachReq,
  attachReqAns,
  bodyCodecTable,
  type DiagnosticsRequest,
  type DiagnosticsResponse,
  diagnosticsRequest,
  diagnosticsResponse,
  type FetchAns,
  type FetchReq,
  fetchAnsCodec,
  fetchReqCodec,
  findAns,
  findReq,
  pathTrackAns,
  pathTrackReq,
  type StatAns,
  type StatKindResponse,
  type StoredMetaData,
  type StoreReq,
  statAnsCodec,
  storeAns,
  storeReqCodec,
} from '../../src/reload/messages/index.js';
import type { Codec } from '../../src/wire/index.js';
import { codecProperties, type Format, formatOf, randomBytesProperty } from '../support/codec-properties.js';
import * as A from '../support/reload-arbitraries.js';

const rec = A.rec;

const m = A.testModelOf;

/** One entry per kind, generated after the kind so its values agree with the kind's model. */
const storeKindData = A.kindId
  .chain((kind) => A.storedDataValues(kind).map((v) => ({ kind, generationCounter: 0n, ...v })))
  .chain((k) => A.u64.map((generationCounter) => ({ ...k, generationCounter })));

const storeReq: fc.Arbitrary<StoreReq> = rec({
  resource: A.resourceId,
  replicaNumber: A.u8,
  kindData: fc.array(storeKindData, { maxLength: 3 }),
});

const specifier = fc
  .tuple(A.kindId, A.u64)
  .chain(([kind, generation]) => A.modelSpecifier(kind).map((s) => ({ kind, generation, ...s })));
const fetchReq: fc.Arbitrary<FetchReq> = rec({
  resource: A.resourceId,
  specifiers: fc.array(specifier, { maxLength: 3 }),
});

const fetchKind = fc
  .tuple(A.kindId, A.u64)
  .chain(([kind, generation]) => A.storedDataValues(kind).map((v) => ({ kind, generation, ...v })));
const fetchAns: fc.Arbitrary<FetchAns> = rec({ kindResponses: fc.array(fetchKind, { maxLength: 3 }) });

const metaCommon = { exists: fc.boolean(), valueLength: A.u32, hashAlgorithm: A.u8, hashValue: A.bytes(32) };
function storedMetaData(model: 'single' | 'array' | 'dictionary'): fc.Arbitrary<StoredMetaData> {
  const metadata =
    model === 'single'
      ? rec({ model: fc.constant('single' as const), ...metaCommon })
      : model === 'array'
        ? rec({ model: fc.constant('array' as const), index: A.u32, ...metaCommon })
        : rec({ model: fc.constant('dictionary' as const), key: A.bytes(), ...metaCommon });
  return rec({ storageTime: A.u64, lifetime: A.u32, metadata });
}
const statKind = fc.tuple(A.kindId, A.u64).chain(([kind, generation]): fc.Arbitrary<StatKindResponse> => {
  const model = m(kind);
  return model === undefined
    ? fc.array(A.bytes(), { maxLength: 2 }).map((opaqueValues) => ({ kind, generation, opaqueValues }))
    : fc.array(storedMetaData(model), { maxLength: 2 }).map((values) => ({ kind, generation, values }));
});
const statAns: fc.Arbitrary<StatAns> = rec({ kindResponses: fc.array(statKind, { maxLength: 3 }) });

const storeAnsArb = rec({
  kindResponses: fc.array(
    rec({ kind: A.kindId, generationCounter: A.u64, replicas: fc.array(A.nodeId, { maxLength: 3 }) }),
    {
      maxLength: 3,
    },
  ),
});

const diagRequest: fc.Arbitrary<DiagnosticsRequest> = rec({
  expiration: A.u64,
  timestampInitiated: A.u64,
  dmFlags: A.u64,
  extensions: fc.array(rec({ kind: A.u16, contents: A.bytes() }), { maxLength: 3 }),
});
const diagResponse: fc.Arbitrary<DiagnosticsResponse> = rec({
  expiration: A.u64,
  timestampInitiated: A.u64,
  timestampReceived: A.u64,
  hopCounter: A.u8,
  info: fc.array(A.diagnosticInfo, { maxLength: 4 }),
});

const attach = {
  ufrag: A.text(),
  password: A.text(),
  role: A.text(),
  candidates: fc.array(A.iceCandidate, { maxLength: 3 }),
};

describe('properties of the storage bodies (RFC 6940 §7.4)', () => {
  codecProperties('StoreReq', formatOf(storeReqCodec(m)), storeReq);
  codecProperties('StoreAns', formatOf(storeAns), storeAnsArb);
  codecProperties('FetchReq / StatReq', formatOf(fetchReqCodec(m)), fetchReq);
  codecProperties('FetchAns', formatOf(fetchAnsCodec(m)), fetchAns);
  codecProperties('StatAns', formatOf(statAnsCodec(m)), statAns);
  codecProperties(
    'FindReq',
    formatOf(findReq),
    rec({ resource: A.resourceId, kinds: fc.array(A.kindId, { maxLength: 4 }) }),
  );
  codecProperties(
    'FindAns',
    formatOf(findAns),
    rec({ results: fc.array(rec({ kind: A.kindId, closest: A.resourceId }), { maxLength: 3 }) }),
  );
});

describe('properties of Attach, AppAttach and the RFC 7851 diagnostics', () => {
  codecProperties('AttachReqAns', formatOf(attachReqAns), rec({ ...attach, sendUpdate: fc.boolean() }));
  codecProperties('AppAttachReq/Ans', formatOf(appAttachReq), rec({ ...attach, application: A.u16 }));
  codecProperties('DiagnosticsRequest', formatOf(diagnosticsRequest), diagRequest);
  codecProperties('DiagnosticsResponse', formatOf(diagnosticsResponse), diagResponse);
  codecProperties(
    'PathTrackReq',
    formatOf(pathTrackReq),
    rec({ destination: A.destination, request: diagRequest }),
  );
  codecProperties(
    'PathTrackAns',
    formatOf(pathTrackAns),
    rec({ nextHop: A.destination, response: diagResponse }),
  );
});

describe('random bytes against every body decoder', () => {
  const table = bodyCodecTable(m);
  const formats: Record<string, Format<unknown>> = {};
  for (const [name, codec] of Object.entries(table)) formats[name] = formatOf(codec as Codec<unknown>);
  randomBytesProperty(formats);
});
