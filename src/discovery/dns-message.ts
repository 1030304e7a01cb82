import { fromUtf8, utf8 } from '../core/bytes.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../core/ip.js';
import { CodecError, Reader, Writer } from '../wire/index.js';

/**
 * DNS messages (RFC 1035 §4.1) as Multicast DNS uses them (RFC 6762 §18): the header, questions with the
 * unicast-response bit, and resource records with the cache-flush bit. A, AAAA, PTR, SRV (RFC 2782) and TXT
 * records are typed; any other record is kept as bytes. Names are label lists, since a DNS-SD instance
 * label may itself contain dots (RFC 6763 §4.3). Decoding follows compression pointers (RFC 1035 §4.1.4)
 * and throws only CodecError; encoding never compresses (RFC 1035 lets a sender choose).
 */
export const DNS_TYPE = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, NSEC: 47, ANY: 255 } as const;
export const DNS_CLASS_IN = 1;
/** RFC 6762 §18.2: QR (response) and AA (authoritative), the flags every mDNS response carries. */
export const DNS_FLAGS_RESPONSE = 0x8400;
/** RFC 6762 §18.12 (top bit of a question's class) and §18.13 (top bit of a record's class). */
const CLASS_TOP_BIT = 0x8000;
/** RFC 1035 §2.3.4 limits. */
const MAX_LABEL = 63;
const MAX_NAME = 255;

export type DnsName = readonly string[];

export interface DnsQuestion {
  readonly name: DnsName;
  readonly type: number;
  /** RFC 6762 §5.4: the querier asks for a unicast answer. */
  readonly unicastResponse: boolean;
}

interface RecordBase {
  readonly name: DnsName;
  /** Seconds; 0 is a goodbye (RFC 6762 §10.1). */
  readonly ttl: number;
  /** RFC 6762 §10.2: this record replaces every cached one of its name and type. */
  readonly cacheFlush: boolean;
}

export type DnsRecord = RecordBase &
  (
    | { readonly type: 'A'; readonly address: string }
    | { readonly type: 'AAAA'; readonly address: string }
    | { readonly type: 'PTR'; readonly target: DnsName }
    | {
        readonly type: 'SRV';
        readonly priority: number;
        readonly weight: number;
        readonly port: number;
        readonly target: DnsName;
      }
    | { readonly type: 'TXT'; readonly strings: readonly Uint8Array[] }
    | { readonly type: 'other'; readonly code: number; readonly rrClass: number; readonly data: Uint8Array }
  );

export interface DnsMessage {
  readonly id: number;
  readonly flags: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** DNS names compare without regard to ASCII case (RFC 1035 §2.3.3). */
export function sameName(a: DnsName, b: DnsName): boolean {
  return a.length === b.length && a.every((l, i) => l.toLowerCase() === (b[i] ?? '').toLowerCase());
}

// ---- encoding ----------------------------------------------------------------------------------------

function writeName(w: Writer, name: DnsName): void {
  let total = 1;
  for (const label of name) {
    const b = utf8(label);
    if (b.length === 0 || b.length > MAX_LABEL) throw new CodecError(`DNS label of ${b.length} bytes`);
    total += b.length + 1;
    w.u8(b.length).bytes(b);
  }
  if (total > MAX_NAME) throw new CodecError(`DNS name of ${total} bytes`);
  w.u8(0);
}

function rdata(r: DnsRecord): { type: number; rrClass: number; data: Uint8Array } {
  const w = new Writer();
  switch (r.type) {
    case 'A': {
      const a = parseIPv4(r.address);
      if (a === undefined) throw new CodecError(`A record: ${r.address} is not IPv4`);
      return { type: DNS_TYPE.A, rrClass: DNS_CLASS_IN, data: a };
    }
    case 'AAAA': {
      const a = parseIPv6(r.address);
      if (a === undefined) throw new CodecError(`AAAA record: ${r.address} is not IPv6`);
      return { type: DNS_TYPE.AAAA, rrClass: DNS_CLASS_IN, data: a };
    }
    case 'PTR':
      writeName(w, r.target);
      return { type: DNS_TYPE.PTR, rrClass: DNS_CLASS_IN, data: w.finish() };
    case 'SRV':
      w.u16(r.priority).u16(r.weight).u16(r.port);
      writeName(w, r.target);
      return { type: DNS_TYPE.SRV, rrClass: DNS_CLASS_IN, data: w.finish() };
    case 'TXT':
      // RFC 6763 §6.1: an empty TXT record still holds one empty string.
      for (const s of r.strings.length === 0 ? [new Uint8Array()] : r.strings) w.opaque(1, s);
      return { type: DNS_TYPE.TXT, rrClass: DNS_CLASS_IN, data: w.finish() };
    case 'other':
      return { type: r.code, rrClass: r.rrClass, data: r.data };
  }
}

function writeRecord(w: Writer, r: DnsRecord): void {
  const { type, rrClass, data } = rdata(r);
  writeName(w, r.name);
  w.u16(type)
    .u16((rrClass & ~CLASS_TOP_BIT) | (r.cacheFlush ? CLASS_TOP_BIT : 0))
    .u32(r.ttl)
    .opaque(2, data);
}

export function encodeDnsMessage(m: DnsMessage): Uint8Array {
  const w = new Writer();
  w.u16(m.id).u16(m.flags);
  w.u16(m.questions.length).u16(m.answers.length).u16(m.authorities.length).u16(m.additionals.length);
  for (const q of m.questions) {
    writeName(w, q.name);
    w.u16(q.type).u16(DNS_CLASS_IN | (q.unicastResponse ? CLASS_TOP_BIT : 0));
  }
  for (const r of [...m.answers, ...m.authorities, ...m.additionals]) writeRecord(w, r);
  return w.finish();
}

// ---- decoding ----------------------------------------------------------------------------------------

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a name at `r`, following compression pointers. Each pointer must point strictly before the
 * segment it was found in, so pointers can only go backwards and a loop is impossible.
 */
function readName(bytes: Uint8Array, r: Reader): string[] {
  const labels: string[] = [];
  let total = 1;
  let cursor = r;
  let segmentStart = r.offset;
  for (;;) {
    const at = cursor.offset;
    const len = cursor.u8();
    if (len === 0) return labels;
    if ((len & 0xc0) === 0xc0) {
      const target = ((len & 0x3f) << 8) | cursor.u8();
      if (target >= segmentStart) throw new CodecError('DNS name: compression pointer does not go back', at);
      segmentStart = target;
      cursor = new Reader(bytes, r.ctx, target, bytes.length);
      continue;
    }
    if ((len & 0xc0) !== 0) throw new CodecError(`DNS name: unknown label type 0x${len.toString(16)}`, at);
    total += len + 1;
    if (total > MAX_NAME) throw new CodecError('DNS name longer than 255 bytes', at);
    try {
      labels.push(strictUtf8.decode(cursor.bytes(len)));
    } catch (e) {
      if (e instanceof CodecError) throw e;
      throw new CodecError('DNS label is not UTF-8', at);
    }
  }
}

function readQuestion(bytes: Uint8Array, r: Reader): DnsQuestion {
  const name = readName(bytes, r);
  const type = r.u16();
  const cls = r.u16();
  return { name, type, unicastResponse: (cls & CLASS_TOP_BIT) !== 0 };
}

function readRecord(bytes: Uint8Array, r: Reader): DnsRecord {
  const name = readName(bytes, r);
  const code = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const length = r.u16();
  const start = r.offset;
  const data = r.bytes(length);
  const base = { name, ttl, cacheFlush: (cls & CLASS_TOP_BIT) !== 0 };
  const rrClass = cls & ~CLASS_TOP_BIT;
  if (rrClass !== DNS_CLASS_IN) return { ...base, type: 'other', code, rrClass, data };
  // The rdata reader spans the whole message: names inside it may point back into earlier records.
  const inner = new Reader(bytes, r.ctx, start, start + length);
  let rec: DnsRecord;
  switch (code) {
    case DNS_TYPE.A:
      if (length !== 4) throw new CodecError(`A record of ${length} bytes`, start);
      return { ...base, type: 'A', address: formatIPv4(data) };
    case DNS_TYPE.AAAA:
      if (length !== 16) throw new CodecError(`AAAA record of ${length} bytes`, start);
      return { ...base, type: 'AAAA', address: formatIPv6(data) };
    case DNS_TYPE.PTR:
      rec = { ...base, type: 'PTR', target: readName(bytes, inner) };
      break;
    case DNS_TYPE.SRV: {
      const priority = inner.u16();
      const weight = inner.u16();
      const port = inner.u16();
      rec = { ...base, type: 'SRV', priority, weight, port, target: readName(bytes, inner) };
      break;
    }
    case DNS_TYPE.TXT: {
      const strings: Uint8Array[] = [];
      while (!inner.done()) strings.push(inner.opaque(1));
      // RFC 6763 §6.1: a TXT record with no string at all is read as one empty string.
      rec = { ...base, type: 'TXT', strings: strings.length === 0 ? [new Uint8Array()] : strings };
      break;
    }
    default:
      return { ...base, type: 'other', code, rrClass, data };
  }
  inner.end(`${rec.type} record`);
  return rec;
}

export function decodeDnsMessage(bytes: Uint8Array): DnsMessage {
  const r = new Reader(bytes);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  // Every question takes at least 5 bytes and every record 11: refuse counts the message cannot hold
  // before allocating anything for them.
  if (counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 > r.remaining) {
    throw new CodecError('DNS message: counts larger than the message', 4);
  }
  const questions = Array.from({ length: counts[0] }, () => readQuestion(bytes, r));
  const records = (n: number): DnsRecord[] => Array.from({ length: n }, () => readRecord(bytes, r));
  const answers = records(counts[1]);
  const authorities = records(counts[2]);
  const additionals = records(counts[3]);
  r.end('DNS message');
  return { id, flags, questions, answers, authorities, additionals };
}

/** TXT strings as DNS-SD key/value pairs (RFC 6763 §6.3-6.4): keys case-insensitive, the first wins. */
export function txtToMap(strings: readonly Uint8Array[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of strings) {
    let text: string;
    try {
      text = fromUtf8(s);
    } catch {
      continue;
    }
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).toLowerCase();
    if (key === '' || out.has(key)) continue;
    out.set(key, eq < 0 ? '' : text.slice(eq + 1));
  }
  return out;
}

export function txtFromMap(entries: Readonly<Record<string, string>>): Uint8Array[] {
  return Object.entries(entries).map(([k, v]) => utf8(`${k}=${v}`));
}
