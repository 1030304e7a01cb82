import fc from 'fast-check';
import type { KindId, NodeId, ResourceId, TransactionId } from '../../src/core/ids.js';
import { formatIPv4, formatIPv6 } from '../../src/core/ip.js';
import type {
  DataModel,
  Destination,
  DiagnosticInfo,
  ForwardingHeader,
  IceCandidate,
  IpAddressPort,
  MessageContents,
  ModelSpecifier,
  SecurityBlock,
  Signature,
  SignerIdentity,
  StoredData,
  StoredDataValue,
  StoredDataValues,
} from '../../src/reload/messages/index.js';
import { DiagnosticKind, ianaKindModel } from '../../src/reload/messages/index.js';

/**
 * fast-check arbitraries for every RELOAD structure. Lengths are kept small (property runs are many);
 * the length prefixes are still exercised at every width because each vector's prefix is fixed by type.
 */
/** fc.record without a null prototype, so records deep-equal decoded objects. */
export function rec<T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(fields, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
export const bytes = (maxLength = 24) => fc.uint8Array({ maxLength });
/** ICE-style text: printable ASCII and a few multi-byte characters, so UTF-8 handling is exercised. */
export const text = (maxLength = 12) => fc.string({ unit: 'grapheme', maxLength });

export const nodeId = fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((v) => v as NodeId);
export const resourceId = fc.uint8Array({ maxLength: 40 }).map((b) => b as ResourceId);
export const transactionId = u64.map((v) => v as TransactionId);

/** The private kind the tests configure as ARRAY; every other non-IANA kind is unknown. */
export const PRIVATE_ARRAY_KIND = 0xf000_0001 as KindId;
export const testModelOf = (k: KindId): DataModel | undefined =>
  k === PRIVATE_ARRAY_KIND ? 'array' : ianaKindModel(k);
export const kindId = fc
  .oneof(fc.constantFrom(1, 2, 3, 4, 0x10, 0x104, PRIVATE_ARRAY_KIND), u32)
  .map((k) => k as KindId);

export const ipAddressPort: fc.Arbitrary<IpAddressPort> = fc.oneof(
  rec({
    family: fc.constant('ipv4' as const),
    address: fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIPv4),
    port: u16,
  }),
  rec({
    family: fc.constant('ipv6' as const),
    address: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6),
    port: u16,
  }),
  rec({ family: fc.constant('unknown' as const), type: fc.integer({ min: 3, max: 0xff }), data: bytes() }),
);

export const destination: fc.Arbitrary<Destination> = fc.oneof(
  rec({ type: fc.constant('node' as const), id: nodeId }),
  rec({ type: fc.constant('resource' as const), id: resourceId }),
  rec({ type: fc.constant('opaque' as const), id: bytes() }),
  rec({ type: fc.constant('compressed' as const), id: fc.integer({ min: 0x8000, max: 0xffff }) }),
  rec({ type: fc.constant('unknown' as const), code: fc.integer({ min: 4, max: 0x7f }), data: bytes() }),
);

export const forwardingHeader: fc.Arbitrary<ForwardingHeader> = rec({
  overlay: u32,
  configurationSequence: u16,
  version: u8,
  ttl: u8,
  fragment: u32.map((f) => (f | 0x8000_0000) >>> 0),
  transactionId,
  maxResponseLength: u32,
  viaList: fc.array(destination, { maxLength: 3 }),
  destinationList: fc.array(destination, { maxLength: 3 }),
  options: fc.array(rec({ type: u8, flags: u8, value: bytes() }), { maxLength: 2 }),
});

export const signerIdentity: fc.Arbitrary<SignerIdentity> = fc.oneof(
  rec({ type: fc.constant('cert_hash' as const), hashAlgorithm: u8, certificateHash: bytes(32) }),
  rec({
    type: fc.constant('cert_hash_node_id' as const),
    hashAlgorithm: u8,
    certificateNodeIdHash: bytes(32),
  }),
  rec({ type: fc.constant('none' as const) }),
  rec({ type: fc.constant('unknown' as const), code: fc.integer({ min: 4, max: 0xff }), value: bytes() }),
);

export const signature: fc.Arbitrary<Signature> = rec({
  algorithm: rec({ hash: u8, signature: u8 }),
  identity: signerIdentity,
  value: bytes(),
});

export const securityBlock: fc.Arbitrary<SecurityBlock> = rec({
  certificates: fc.array(rec({ type: u8, certificate: bytes(40) }), { maxLength: 2 }),
  signature,
});

export const messageExtension = rec({ type: u16, critical: fc.boolean(), contents: bytes() });

export const messageContents: fc.Arbitrary<MessageContents> = rec({
  code: u16,
  body: bytes(64),
  extensions: fc.array(messageExtension, { maxLength: 2 }),
});

export function storedDataValue(model: DataModel): fc.Arbitrary<StoredDataValue> {
  const dv = { exists: fc.boolean(), value: bytes() };
  switch (model) {
    case 'single':
      return rec({ model: fc.constant('single' as const), ...dv });
    case 'array':
      return rec({ model: fc.constant('array' as const), index: u32, ...dv });
    case 'dictionary':
      return rec({ model: fc.constant('dictionary' as const), key: bytes(), ...dv });
  }
}

export function storedData(model: DataModel): fc.Arbitrary<StoredData> {
  return rec({ storageTime: u64, lifetime: u32, value: storedDataValue(model), signature });
}

/** Values that agree with the kind's model: parsed when the model is known, opaque bodies otherwise. */
export function storedDataValues(kind: KindId): fc.Arbitrary<StoredDataValues> {
  const model = testModelOf(kind);
  if (model === undefined) return rec({ opaqueValues: fc.array(bytes(), { maxLength: 2 }) });
  return rec({ values: fc.array(storedData(model), { maxLength: 2 }) });
}

export function modelSpecifier(kind: KindId): fc.Arbitrary<ModelSpecifier> {
  switch (testModelOf(kind)) {
    case undefined:
      return rec({ model: fc.constant('unknown' as const), data: bytes() });
    case 'single':
      return rec({ model: fc.constant('single' as const) });
    case 'array':
      return rec({
        model: fc.constant('array' as const),
        indices: fc.array(rec({ first: u32, last: u32 }), { maxLength: 3 }),
      });
    case 'dictionary':
      return rec({ model: fc.constant('dictionary' as const), keys: fc.array(bytes(), { maxLength: 3 }) });
  }
}

const iceExtension = rec({ name: bytes(), value: bytes() });
const candidateCommon = {
  addrPort: ipAddressPort,
  overlayLink: u8,
  foundation: text(),
  priority: u32,
  extensions: fc.array(iceExtension, { maxLength: 2 }),
};
export const iceCandidate: fc.Arbitrary<IceCandidate> = fc.oneof(
  rec({ ...candidateCommon, type: fc.constant('host' as const) }),
  rec({
    ...candidateCommon,
    type: fc.constantFrom('srflx' as const, 'relay' as const),
    relAddrPort: ipAddressPort,
  }),
);

const byteKinds = fc.constantFrom('STATUS_INFO' as const, 'UNDERLAY_HOP' as const, 'BATTERY_STATUS' as const);
const u32Kinds = fc.constantFrom(
  'ROUTING_TABLE_SIZE' as const,
  'EWMA_BYTES_SENT' as const,
  'EWMA_BYTES_RCVD' as const,
);
const u64Kinds = fc.constantFrom(
  'PROCESS_POWER' as const,
  'UPSTREAM_BANDWIDTH' as const,
  'DOWNSTREAM_BANDWIDTH' as const,
  'MACHINE_UPTIME' as const,
  'APP_UPTIME' as const,
  'MEMORY_FOOTPRINT' as const,
  'DATASIZE_STORED' as const,
);
/** Codes whose contents stay raw: the two array-valued base kinds and anything outside the typed set. */
const rawCode = fc.oneof(
  fc.constantFrom(
    DiagnosticKind.INSTANCES_STORED,
    DiagnosticKind.MESSAGES_SENT_RCVD,
    DiagnosticKind.reserved,
  ),
  fc.integer({ min: 0x11, max: 0xffff }),
);
export const diagnosticInfo: fc.Arbitrary<DiagnosticInfo> = fc.oneof(
  rec({ kind: byteKinds, value: u8 }),
  rec({ kind: u32Kinds, value: u32 }),
  rec({ kind: u64Kinds, value: u64 }),
  rec({
    kind: fc.constant('SOFTWARE_VERSION' as const),
    value: fc.string({
      unit: fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c)),
      maxLength: 16,
    }),
  }),
  rec({ kind: fc.constant('raw' as const), code: rawCode, data: bytes() }),
);
