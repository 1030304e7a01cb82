/**
 * What the stack knows of transports (RFC 3261 §18): the kind, whether it is reliable, and addresses.
 * platform/node owns the sockets; it hands the stack datagrams or stream bytes with their source and
 * sends what the stack asks to a destination of this shape.
 */
export type TransportKind = 'udp' | 'tcp' | 'tls';

export interface TransportAddress {
  readonly transport: TransportKind;
  /** An IP literal (IPv6 without brackets) or, for destinations, a host name already resolved by the caller. */
  readonly host: string;
  readonly port: number;
  /**
   * For stream transports: the connection a message arrived on, so a response goes back on it
   * (RFC 3261 §18.2.2). Opaque to the stack.
   */
  readonly connection?: string;
}

/** RFC 3261 §17.1.1.2 / §17.1.2.2: retransmissions and the waiting timers apply to unreliable transports only. */
export function isReliable(t: TransportKind): boolean {
  return t !== 'udp';
}

export function defaultPort(t: TransportKind): number {
  // RFC 3261 §19.1.2: 5060 for sip over UDP/TCP, 5061 for TLS.
  return t === 'tls' ? 5061 : 5060;
}

export function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.transport === b.transport && a.host === b.host && a.port === b.port;
}
