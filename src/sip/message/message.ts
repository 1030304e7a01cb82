import { headerKey } from './header-names.js';
import * as h from './headers.js';
import type { NameAddr } from './name-addr.js';
import { SipParseError } from './parse-error.js';
import { splitCommas, unfold } from './scan.js';
import { parseUri, type Uri } from './uri.js';

/** One header line as received (or as set): the name as written, its lookup key and its raw value. */
export interface HeaderField {
  readonly name: string;
  readonly key: string;
  /** The text after the colon, folding and leading whitespace included. */
  readonly value: string;
  /** The whole line(s) as received, for byte-exact forwarding; absent for fields set locally. */
  readonly raw?: string;
}

export type StartLine =
  | { readonly type: 'request'; readonly method: string; readonly uri: string }
  | { readonly type: 'response'; readonly status: number; readonly reason: string };

/**
 * A SIP message (RFC 3261 §7): start line, header fields in order, body. Header values stay text until
 * a typed accessor asks for one (`get(VIA)`), which parses and caches it. Mutations invalidate the cache
 * and drop the raw text of the lines they touch, so untouched lines are forwarded byte for byte.
 */
export class SipMessage {
  #start: StartLine;
  #startRaw: string | undefined;
  #fields: HeaderField[];
  body: Uint8Array;
  // Made on the first typed access: most messages a proxy forwards never need it.
  #cache: Map<h.HeaderSpec<unknown>, unknown> | undefined;
  #uri: Uri | undefined;

  constructor(
    start: StartLine,
    fields: HeaderField[],
    body: Uint8Array = new Uint8Array(0),
    startRaw?: string,
  ) {
    this.#start = start;
    this.#startRaw = startRaw;
    this.#fields = fields;
    this.body = body;
  }

  get start(): StartLine {
    return this.#start;
  }

  /** The start line as received, when it was not changed since. */
  get startRaw(): string | undefined {
    return this.#startRaw;
  }

  get isRequest(): boolean {
    return this.#start.type === 'request';
  }

  /** The request method; for a response, the method of its CSeq. */
  get method(): string {
    return this.#start.type === 'request' ? this.#start.method : (this.cseq().method ?? '');
  }

  get status(): number {
    return this.#start.type === 'response' ? this.#start.status : 0;
  }

  get fields(): readonly HeaderField[] {
    return this.#fields;
  }

  setRequestUri(uri: string): void {
    if (this.#start.type !== 'request') throw new SipParseError('a response has no Request-URI');
    this.#start = { type: 'request', method: this.#start.method, uri };
    this.#startRaw = undefined;
    this.#uri = undefined;
  }

  requestUri(): Uri {
    if (this.#start.type !== 'request') throw new SipParseError('a response has no Request-URI');
    if (this.#uri === undefined)
      this.#uri = this.#guard(() => parseUri((this.#start as { uri: string }).uri));
    return this.#uri;
  }

  has(key: string): boolean {
    for (const f of this.#fields) if (f.key === key) return true;
    return false;
  }

  /** The unfolded value of every line with this key, in order. */
  values(key: string): string[] {
    const out: string[] = [];
    for (const f of this.#fields) if (f.key === key) out.push(unfold(f.value));
    return out;
  }

  /** The typed value of a header, parsed on first access and cached. Throws SipParseError. */
  get<T>(spec: h.HeaderSpec<T>): T {
    this.#cache ??= new Map();
    if (this.#cache.has(spec)) return this.#cache.get(spec) as T;
    const v = this.#guard(() => spec.parse(this.values(spec.key)));
    this.#cache.set(spec, v);
    return v;
  }

  /**
   * Whether an error response can reach the sender: a request with a Via to route it back and a CSeq the
   * client transaction matches it by (RFC 3261 §17.1.3, §18.2.2).
   */
  canRespond(): boolean {
    return this.#start.type === 'request' && this.has('via') && this.has('cseq');
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const status = e instanceof SipParseError ? e.status : 400;
      throw new SipParseError(message, -1, { respondable: this.canRespond(), status });
    }
  }

  // ------------------------------------------------------------ typed shortcuts

  vias(): h.Via[] {
    return this.get(h.VIA);
  }

  topVia(): h.Via | undefined {
    return this.get(h.VIA)[0];
  }

  from(): NameAddr | undefined {
    return this.get(h.FROM);
  }

  to(): NameAddr | undefined {
    return this.get(h.TO);
  }

  callId(): string | undefined {
    return this.get(h.CALL_ID);
  }

  cseq(): Partial<h.CSeq> {
    return this.get(h.CSEQ) ?? {};
  }

  maxForwards(): number | undefined {
    return this.get(h.MAX_FORWARDS);
  }

  routes(): NameAddr[] {
    return this.get(h.ROUTE);
  }

  recordRoutes(): NameAddr[] {
    return this.get(h.RECORD_ROUTE);
  }

  contact(): h.ContactValue {
    return this.get(h.CONTACT);
  }

  // ------------------------------------------------------------ mutations

  #changed(): void {
    this.#cache?.clear();
  }

  /** Inserts a line before the first line of the same header (or at the top): Via, Record-Route. */
  prependHeader(name: string, value: string): void {
    const key = headerKey(name);
    const at = this.#fields.findIndex((f) => f.key === key);
    this.#fields.splice(Math.max(at, 0), 0, { name, key, value: ` ${value}` });
    this.#changed();
  }

  /** Adds a line after the last line of the same header (or at the end). */
  appendHeader(name: string, value: string): void {
    const key = headerKey(name);
    let at = -1;
    this.#fields.forEach((f, i) => {
      if (f.key === key) at = i;
    });
    this.#fields.splice(at < 0 ? this.#fields.length : at + 1, 0, { name, key, value: ` ${value}` });
    this.#changed();
  }

  /** Replaces every line of this header by one line with `value` (where the first one stood). */
  setHeader(name: string, value: string): void {
    const key = headerKey(name);
    const at = this.#fields.findIndex((f) => f.key === key);
    this.removeHeader(key);
    this.#fields.splice(at < 0 ? this.#fields.length : at, 0, { name, key, value: ` ${value}` });
    this.#changed();
  }

  removeHeader(key: string): number {
    const before = this.#fields.length;
    this.#fields = this.#fields.filter((f) => f.key !== key);
    this.#changed();
    return before - this.#fields.length;
  }

  /**
   * Removes the first value of a list header (e.g. the top Route, RFC 3261 §16.4), rewriting its line when
   * it held several values. Returns the removed value's text.
   */
  removeFirstValue(key: string): string | undefined {
    const at = this.#fields.findIndex((f) => f.key === key);
    const field = this.#fields[at];
    if (field === undefined) return undefined;
    const values = this.#guard(() => splitCommas(unfold(field.value)));
    const [first, ...rest] = values;
    if (rest.length === 0) this.#fields.splice(at, 1);
    else this.#fields[at] = { name: field.name, key, value: ` ${rest.join(', ')}` };
    this.#changed();
    return first;
  }

  /** A deep enough copy to mutate independently (fields and start line; the body bytes are shared). */
  clone(): SipMessage {
    return new SipMessage(this.#start, [...this.#fields], this.body, this.#startRaw);
  }
}
