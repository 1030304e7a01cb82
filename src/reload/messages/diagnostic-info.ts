import { CodecError, type Reader, type Writer } from '../../wire/index.js';
import { DiagnosticKind } from './codes.js';

/** RFC 7851 §5.3 base diagnostics whose contents are one unsigned integer of 8, 32 or 64 bits. */
const BYTE_KINDS = ['STATUS_INFO', 'UNDERLAY_HOP', 'BATTERY_STATUS'] as const;
const U32_KINDS = ['ROUTING_TABLE_SIZE', 'EWMA_BYTES_SENT', 'EWMA_BYTES_RCVD'] as const;
const U64_KINDS = [
  'PROCESS_POWER',
  'UPSTREAM_BANDWIDTH',
  'DOWNSTREAM_BANDWIDTH',
  'MACHINE_UPTIME',
  'APP_UPTIME',
  'MEMORY_FOOTPRINT',
  'DATASIZE_STORED',
] as const;

export type ByteDiagnostic = (typeof BYTE_KINDS)[number];
export type U32Diagnostic = (typeof U32_KINDS)[number];
export type U64Diagnostic = (typeof U64_KINDS)[number];

/**
 * A DiagnosticInfo (RFC 7851 §5.2) with its contents decoded where RFC 7851 §5.3 fixes the format:
 * - STATUS_INFO (8 bits, congestion 0x0–0xf in the low 4 bits), UNDERLAY_HOP (8 bits), BATTERY_STATUS
 *   (8 bits, top bit 0 = on battery);
 * - ROUTING_TABLE_SIZE, EWMA_BYTES_SENT, EWMA_BYTES_RCVD (32 bits);
 * - PROCESS_POWER (MIPS), UPSTREAM/DOWNSTREAM_BANDWIDTH (kbit/s), MACHINE_UPTIME and APP_UPTIME (s),
 *   MEMORY_FOOTPRINT (KiB), DATASIZE_STORED (bytes): 64 bits;
 * - SOFTWARE_VERSION: US-ASCII, NUL-terminated.
 * INSTANCES_STORED and MESSAGES_SENT_RCVD are "arrays indexed by" Kind-ID / method code whose wire form
 * §5.3 does not spell out, so they stay `raw` with every other kind (extensions, local 0xf000–0xfffe).
 */
export type DiagnosticInfo =
  | { readonly kind: ByteDiagnostic | U32Diagnostic; readonly value: number }
  | { readonly kind: U64Diagnostic; readonly value: bigint }
  | { readonly kind: 'SOFTWARE_VERSION'; readonly value: string }
  | { readonly kind: 'raw'; readonly code: number; readonly data: Uint8Array };

const byteKinds: ReadonlySet<string> = new Set(BYTE_KINDS);
const u32Kinds: ReadonlySet<string> = new Set(U32_KINDS);
const u64Kinds: ReadonlySet<string> = new Set(U64_KINDS);

function isTyped(name: string): boolean {
  return byteKinds.has(name) || u32Kinds.has(name) || u64Kinds.has(name) || name === 'SOFTWARE_VERSION';
}

/** Writes the diagnostic_info_contents (inside its length prefix). */
export function writeDiagnosticValue(w: Writer, v: DiagnosticInfo): void {
  switch (v.kind) {
    case 'raw': {
      const name = DiagnosticKind.nameOf(v.code);
      if (name !== undefined && isTyped(name))
        throw new CodecError(`diagnostic kind ${name} has a typed value`);
      w.bytes(v.data);
      return;
    }
    case 'SOFTWARE_VERSION':
      writeAsciiz(w, v.value);
      return;
    default:
      if (typeof v.value === 'bigint') w.u64(v.value);
      else if (byteKinds.has(v.kind)) w.u8(v.value);
      else w.u32(v.value);
  }
}

/** Reads the contents of a DiagnosticInfo of kind `code` from `body` (the whole contents). */
export function readDiagnosticValue(code: number, body: Reader): DiagnosticInfo {
  const at = body.offset;
  const name = DiagnosticKind.nameOf(code);
  if (name === undefined || !isTyped(name)) return { kind: 'raw', code, data: body.rest() };
  let v: DiagnosticInfo;
  if (name === 'SOFTWARE_VERSION') v = { kind: name, value: readAsciiz(body) };
  else if (byteKinds.has(name)) v = { kind: name as ByteDiagnostic, value: body.u8() };
  else if (u32Kinds.has(name)) v = { kind: name as U32Diagnostic, value: body.u32() };
  else v = { kind: name as U64Diagnostic, value: body.u64() };
  if (!body.done()) throw new CodecError(`${name}: ${body.remaining} bytes too many`, at);
  return v;
}

/** RFC 7851 §5.3 SOFTWARE_VERSION: "a C-style string ... MUST be terminated by \0", US-ASCII. */
function writeAsciiz(w: Writer, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) throw new CodecError('SOFTWARE_VERSION must be US-ASCII without NUL');
    w.u8(c);
  }
  w.u8(0);
}

function readAsciiz(r: Reader): string {
  const at = r.offset;
  const bytes = r.rest();
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 0) {
    throw new CodecError('SOFTWARE_VERSION is not NUL-terminated', at);
  }
  let s = '';
  for (let i = 0; i < bytes.length - 1; i++) {
    const c = bytes[i] as number;
    if (c === 0 || c > 0x7f) throw new CodecError('SOFTWARE_VERSION is not US-ASCII', at + i);
    s += String.fromCharCode(c);
  }
  return s;
}
