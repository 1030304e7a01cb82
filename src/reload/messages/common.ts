import { type KindId, type NodeId, type ResourceId, kindId as toKindId } from '../../core/ids.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../core/ip.js';
import {
  type Codec,
  CodecError,
  mapCodec,
  type Reader,
  u32,
  u64,
  vector,
  type Writer,
} from '../../wire/index.js';
import { AddressType, DestinationType } from './codes.js';

/**
 * Basic RELOAD types (RFC 6940 §6.3.1.1 common definitions, §6.3.2.2 destinations), in RFC order.
 */

const U64_MASK = 0xffff_ffff_ffff_ffffn;

/**
 * `opaque NodeId[NodeIdLength]`: raw bytes, most significant first, width from the overlay (RFC 6940
 * §6.3.1.1). Read and written eight bytes at a time: Node-IDs are in every Update and destination, and a
 * byte-by-byte bigint loop is the slowest part of decoding them.
 */
export const nodeId: Codec<NodeId> = {
  encode: (w, v) => {
    const n = w.ctx.nodeIdLength;
    if (n === 16) {
      // The CHORD-RELOAD case (§10.2: 128-bit ids), without per-call shift conversions.
      if (v < 0n || v >> 128n !== 0n) throw new CodecError('Node-ID does not fit in 16 bytes');
      w.u64(v >> 64n).u64(v & U64_MASK);
      return;
    }
    if (v < 0n || v >> BigInt(8 * n) !== 0n) throw new CodecError(`Node-ID does not fit in ${n} bytes`);
    const head = n % 8;
    for (let i = head - 1; i >= 0; i--) w.u8(Number((v >> BigInt(8 * (n - head + i))) & 0xffn));
    for (let shift = 8 * (n - head) - 64; shift >= 0; shift -= 64) w.u64((v >> BigInt(shift)) & U64_MASK);
  },
  decode: (r) => {
    const n = r.ctx.nodeIdLength;
    if (n === 16) return ((r.u64() << 64n) | r.u64()) as NodeId;
    let v = 0n;
    for (let i = n % 8; i > 0; i--) v = (v << 8n) | BigInt(r.u8());
    for (let left = n - (n % 8); left > 0; left -= 8) v = (v << 64n) | r.u64();
    return v as NodeId;
  },
};

/** `NodeId x<0..2^16-1>`: the Node-ID lists of StoreKindResponse, ChordUpdate and ChordLeaveData. */
export const nodeIdList: Codec<NodeId[]> = vector(2, nodeId, 0, 0xffff, 'NodeId list');

/** `opaque ResourceId<0..2^8-1>` (RFC 6940 §6.3.1.1): up to 254 bytes, one length byte on the wire. */
export const resourceId: Codec<ResourceId> = {
  encode: (w, v) => void w.opaque(1, v, 0, 254, 'ResourceId'),
  decode: (r) => r.opaque(1, 0, 254, 'ResourceId') as ResourceId,
};

/** `typedef uint32 KindId` (RFC 6940 §6.5.4.1). */
export const kindIdCodec: Codec<KindId> = mapCodec(
  u32,
  (v) => toKindId(v),
  (v) => v,
);

/** Times are uint64 milliseconds since the POSIX epoch (RFC 6940 §7 storage_time, §6.5.3.2 PingAns). */
export const time: Codec<bigint> = u64;

/**
 * RFC 6940 §6.3.1.1:
 *   struct { AddressType type; uint8 length;
 *            select (type) { case ipv4_address: IPv4AddrPort v4addr_port;
 *                            case ipv6_address: IPv6AddrPort v6addr_port; }; } IpAddressPort;
 * Unknown address types can be carried through thanks to `length`.
 */
export type IpAddressPort =
  | { readonly family: 'ipv4'; readonly address: string; readonly port: number }
  | { readonly family: 'ipv6'; readonly address: string; readonly port: number }
  | { readonly family: 'unknown'; readonly type: number; readonly data: Uint8Array };

export const ipAddressPort: Codec<IpAddressPort> = {
  encode: (w, v) => {
    switch (v.family) {
      case 'ipv4': {
        const a = parseIPv4(v.address);
        if (a === undefined) throw new CodecError(`not an IPv4 address: ${v.address}`);
        w.u8(AddressType.ipv4_address).u8(6).bytes(a).u16(v.port);
        return;
      }
      case 'ipv6': {
        const a = parseIPv6(v.address);
        if (a === undefined) throw new CodecError(`not an IPv6 address: ${v.address}`);
        w.u8(AddressType.ipv6_address).u8(18).bytes(a).u16(v.port);
        return;
      }
      case 'unknown':
        if (v.type === AddressType.ipv4_address || v.type === AddressType.ipv6_address || v.type === 0) {
          throw new CodecError(`address type ${v.type} must use its own family`);
        }
        w.u8(v.type).opaque(1, v.data);
        return;
    }
  },
  decode: (r) => {
    const at = r.offset;
    const type = r.u8();
    const body = r.vector(1, 0, 255, 'IpAddressPort');
    switch (type) {
      case AddressType.ipv4_address: {
        if (body.remaining !== 6)
          throw new CodecError(`IPv4 IpAddressPort length ${body.remaining}, want 6`, at);
        const address = formatIPv4(body.bytes(4));
        return { family: 'ipv4', address, port: body.u16() };
      }
      case AddressType.ipv6_address: {
        if (body.remaining !== 18)
          throw new CodecError(`IPv6 IpAddressPort length ${body.remaining}, want 18`, at);
        const address = formatIPv6(body.bytes(16));
        return { family: 'ipv6', address, port: body.u16() };
      }
      case 0:
        throw new CodecError('IpAddressPort type 0 is reserved', at);
      default:
        return { family: 'unknown', type, data: body.rest() };
    }
  },
};

/**
 * RFC 6940 §6.3.2.2 Destination. Two forms, told apart by the top bit of the first byte:
 * - compressed: a uint16 with the top bit set, an opaque id minted by a forwarding peer (list compression);
 * - TLV: type (1 node, 2 resource, 3 opaque_id_type), uint8 length, then the value.
 * Unknown TLV types decode (their length lets us skip them) so the routing layer can answer an error.
 */
export type Destination =
  | { readonly type: 'node'; readonly id: NodeId }
  | { readonly type: 'resource'; readonly id: ResourceId }
  | { readonly type: 'opaque'; readonly id: Uint8Array }
  | { readonly type: 'compressed'; readonly id: number }
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

export const destination: Codec<Destination> = {
  encode: (w: Writer, d: Destination) => {
    switch (d.type) {
      case 'compressed':
        if (d.id < 0x8000 || d.id > 0xffff)
          throw new CodecError(`compressed destination must have its top bit set`);
        w.u16(d.id);
        return;
      case 'node':
        w.u8(DestinationType.node).vector(1, () => nodeId.encode(w, d.id));
        return;
      case 'resource':
        w.u8(DestinationType.resource).vector(1, () => resourceId.encode(w, d.id));
        return;
      case 'opaque':
        w.u8(DestinationType.opaque_id_type).vector(1, () => w.opaque(1, d.id, 0, 254, 'opaque_id'));
        return;
      case 'unknown':
        if (d.code === 0 || d.code >= 0x80 || DestinationType.isKnown(d.code)) {
          throw new CodecError(`destination type ${d.code} cannot be encoded as unknown`);
        }
        w.u8(d.code).opaque(1, d.data);
        return;
    }
  },
  decode: (r: Reader): Destination => {
    const at = r.offset;
    const first = r.peekU8();
    if (first & 0x80) return { type: 'compressed', id: r.u16() };
    const type = r.u8();
    const body = r.vector(1, 0, 255, 'Destination');
    let d: Destination;
    switch (type) {
      case DestinationType.node:
        if (body.remaining !== r.ctx.nodeIdLength) {
          throw new CodecError(`node destination length ${body.remaining}, want ${r.ctx.nodeIdLength}`, at);
        }
        d = { type: 'node', id: nodeId.decode(body) };
        break;
      case DestinationType.resource:
        d = { type: 'resource', id: resourceId.decode(body) };
        break;
      case DestinationType.opaque_id_type:
        d = { type: 'opaque', id: body.opaque(1, 0, 254, 'opaque_id') };
        break;
      case DestinationType.invalid:
        throw new CodecError('destination type 0 is invalid', at);
      default:
        return { type: 'unknown', code: type, data: body.rest() };
    }
    body.end('Destination');
    return d;
  },
};

export function nodeDestination(id: NodeId): Destination {
  return { type: 'node', id };
}

export function resourceDestination(id: ResourceId): Destination {
  return { type: 'resource', id };
}

/** An empty structure (`struct {} LeaveAns;`, `ConfigUpdateAns`): zero bytes on the wire. */
export type Empty = Record<string, never>;

export const empty: Codec<Empty> = {
  encode: () => undefined,
  decode: () => ({}),
};

/**
 * A body that is "completely overlay specific" (RFC 6940 §6.4.2.3 UpdateReq, §6.4.2.4.2 RouteQueryAns): the
 * whole remaining bytes, decoded by the topology plug-in (chord.ts for CHORD-RELOAD).
 */
export const overlaySpecific: Codec<Uint8Array> = {
  encode: (w, v) => void w.bytes(v),
  decode: (r) => r.rest(),
};
