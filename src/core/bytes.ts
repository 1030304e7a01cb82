/** Byte helpers shared by every layer. Cores use Uint8Array; Buffer stays in platform/node. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b];
  return s;
}

/** Parses hex (case-insensitive, optional spaces); returns undefined when it is not hex. */
export function tryFromHex(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function fromHex(hex: string): Uint8Array {
  const b = tryFromHex(hex);
  if (b === undefined) throw new RangeError(`not a hex string: ${hex.slice(0, 40)}`);
  return b;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The big-endian uint32 at `at` (no bounds check: the caller has checked the length). */
export function readU32(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 24) |
      ((b[at + 1] as number) << 16) |
      ((b[at + 2] as number) << 8) |
      (b[at + 3] as number)) >>>
    0
  );
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Big-endian unsigned comparison (shorter is smaller when one is a prefix of the other). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  // Four bytes per BigInt operation: every BigInt step allocates, and ids are converted per message.
  const n = bytes.length;
  const head = n % 4;
  let v = 0n;
  let i = 0;
  if (head > 0) {
    let w = 0;
    for (; i < head; i++) w = w * 256 + (bytes[i] as number);
    v = BigInt(w);
  }
  for (; i < n; i += 4) {
    const w =
      (bytes[i] as number) * 0x100_0000 +
      (((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number));
    v = (v << 32n) | BigInt(w);
  }
  return v;
}

export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n || value >> BigInt(8 * length) !== 0n) {
    throw new RangeError(`${value} does not fit in ${length} bytes`);
  }
  const out = new Uint8Array(length);
  let v = value;
  let i = length - 1;
  for (; i >= 3; i -= 4) {
    const w = Number(BigInt.asUintN(32, v));
    out[i] = w & 0xff;
    out[i - 1] = (w >>> 8) & 0xff;
    out[i - 2] = (w >>> 16) & 0xff;
    out[i - 3] = w >>> 24;
    v >>= 32n;
  }
  for (; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Strict UTF-8 decoding; throws TypeError on invalid sequences (callers wrap it in their own error). */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Standard base64 (RFC 4648 §4) with padding. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Strict base64 (RFC 4648 §4, padded, no whitespace); undefined when it is not base64. */
export function tryFromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    return undefined;
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
