import {
  type Codec,
  CodecError,
  type Infer,
  opaque,
  type Reader,
  struct,
  u16,
  type Writer,
} from '../../wire/index.js';
import { DiagnosticKind, MessageExtensionType } from './codes.js';
import { findExtension, type MessageExtension, makeExtension } from './contents.js';
import { type DiagnosticInfo, readDiagnosticValue, writeDiagnosticValue } from './diagnostic-info.js';

/**
 * RFC 7851 §5.1:
 *   enum { (2^16-1) } DiagnosticKindId;
 *   struct { DiagnosticKindId kind; opaque diagnostic_extension_contents<0..2^32-1>; } DiagnosticExtension;
 * Kinds 0x0000–0x003f MUST NOT appear here (they are requested with dMFlags); 0xf000–0xfffe are local.
 */
export const diagnosticExtension = struct({
  kind: u16,
  contents: opaque(4),
});
export type DiagnosticExtension = Infer<typeof diagnosticExtension>;

/**
 * Writes `uint32 ext_length; T list<0..2^32-1>;` as RFC 7851 §5.1/§5.2 declare it: ext_length is "the
 * length ... of the data making up the list", and the list, declared with `<0..2^32-1>`, has its own
 * 4-byte prefix. Read literally the two lengths are equal; a decoder rejects a message where they differ.
 * (The declaration is ambiguous; this reading follows the presentation language, RFC 6940 §6.3.1.)
 */
function writeExtList<T>(w: Writer, items: readonly T[], item: (w: Writer, v: T) => void): void {
  const at = w.length;
  w.u32(0);
  const start = w.length + 4;
  w.vector(4, () => {
    for (const v of items) item(w, v);
  });
  w.patchU32(at, w.length - start);
}

function readExtList<T>(r: Reader, item: (r: Reader) => T, what: string): T[] {
  const at = r.offset;
  const extLength = r.u32();
  const list = r.vector(4, 0, 0xffff_ffff, what);
  if (list.remaining !== extLength) {
    throw new CodecError(`${what}: ext_length ${extLength} but the list has ${list.remaining} bytes`, at);
  }
  const out: T[] = [];
  while (!list.done()) out.push(item(list));
  return out;
}

/**
 * RFC 7851 §5.1:
 *   struct { uint64 expiration; uint64 timestamp_initiated; uint64 dMFlags; uint32 ext_length;
 *            DiagnosticExtension diagnostic_extensions_list<0..2^32-1>; } DiagnosticsRequest;
 * Times are ms since 1970; expiration MUST be 1–600 s ahead (checked by the handler: Error_Message_Expired).
 * dMFlags bit 1 << k asks for diagnostic kind k (codes.ts diagnosticFlag); all ones asks for everything.
 */
export interface DiagnosticsRequest {
  readonly expiration: bigint;
  readonly timestampInitiated: bigint;
  readonly dmFlags: bigint;
  readonly extensions: DiagnosticExtension[];
}

export const diagnosticsRequest: Codec<DiagnosticsRequest> = {
  encode: (w: Writer, v: DiagnosticsRequest) => {
    w.u64(v.expiration).u64(v.timestampInitiated).u64(v.dmFlags);
    writeExtList(w, v.extensions, diagnosticExtension.encode);
  },
  decode: (r: Reader): DiagnosticsRequest => ({
    expiration: r.u64(),
    timestampInitiated: r.u64(),
    dmFlags: r.u64(),
    extensions: readExtList(r, diagnosticExtension.decode, 'diagnostic_extensions_list'),
  }),
};

const infoContents = 'diagnostic_info_contents';

/**
 * RFC 7851 §5.2:
 *   struct { DiagnosticKindId kind; opaque diagnostic_info_contents<0..2^16-1>; } DiagnosticInfo;
 */
export const diagnosticInfo: Codec<DiagnosticInfo> = {
  encode: (w: Writer, v: DiagnosticInfo) => {
    w.u16(v.kind === 'raw' ? v.code : DiagnosticKind[v.kind]);
    w.vector(2, () => writeDiagnosticValue(w, v), 0, 0xffff, infoContents);
  },
  decode: (r: Reader): DiagnosticInfo => {
    const code = r.u16();
    return readDiagnosticValue(code, r.vector(2, 0, 0xffff, infoContents));
  },
};

/**
 * RFC 7851 §5.2:
 *   struct { uint64 expiration; uint64 timestamp_initiated; uint64 timestamp_received; uint8 hop_counter;
 *            uint32 ext_length; DiagnosticInfo diagnostic_info_list<0..2^32-1>; } DiagnosticsResponse;
 * hop_counter MUST be the TTL of the received request; timestamp_initiated is copied from it.
 */
export interface DiagnosticsResponse {
  readonly expiration: bigint;
  readonly timestampInitiated: bigint;
  readonly timestampReceived: bigint;
  readonly hopCounter: number;
  readonly info: DiagnosticInfo[];
}

export const diagnosticsResponse: Codec<DiagnosticsResponse> = {
  encode: (w: Writer, v: DiagnosticsResponse) => {
    w.u64(v.expiration).u64(v.timestampInitiated).u64(v.timestampReceived).u8(v.hopCounter);
    writeExtList(w, v.info, diagnosticInfo.encode);
  },
  decode: (r: Reader): DiagnosticsResponse => ({
    expiration: r.u64(),
    timestampInitiated: r.u64(),
    timestampReceived: r.u64(),
    hopCounter: r.u8(),
    info: readExtList(r, diagnosticInfo.decode, 'diagnostic_info_list'),
  }),
};

/**
 * RFC 7851 §4.2.1 and §6.1: an extended Ping carries a DiagnosticsRequest in a MessageExtension of type
 * Diagnostic_Ping (0x2, §9.5) with critical = FALSE; it MUST NOT be used on other methods, and a
 * receiver of another method ignores it.
 */
export function diagnosticPingExtension(request: DiagnosticsRequest): MessageExtension {
  return makeExtension(MessageExtensionType.Diagnostic_Ping, diagnosticsRequest, request, false);
}

export function findDiagnosticPing(extensions: readonly MessageExtension[]): DiagnosticsRequest | undefined {
  return findExtension(extensions, MessageExtensionType.Diagnostic_Ping, diagnosticsRequest);
}
