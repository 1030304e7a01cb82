import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { ipFamily } from '../../core/ip.js';
import type { HostPort } from '../../reload/node/attach.js';

/**
 * The address a peer advertises as its passive candidate (RFC 6940 §6.5.1: No-ICE peers offer a host
 * candidate others connect to). It must be a concrete address: a wildcard listener (0.0.0.0, ::) derives
 * one, in this order: an overlay bootstrap node's address that is ours (we are that bootstrap node), the
 * source address the kernel would use toward the first bootstrap node, the first non-loopback address of
 * the family, loopback.
 */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** Every address of this host's interfaces. */
export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.push(a.address);
  }
  return out;
}

/** The local address a datagram to `to` would leave from (a connected UDP socket sends nothing). */
export function sourceAddressToward(to: HostPort): Promise<string | undefined> {
  const family = ipFamily(to.host);
  if (family === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const s = createSocket(family === 6 ? 'udp6' : 'udp4');
    const finish = (address: string | undefined): void => {
      s.close();
      resolve(address);
    };
    s.on('error', () => finish(undefined));
    s.connect(to.port, to.host, () => {
      const a = s.address();
      finish(isWildcard(a.address) ? undefined : a.address);
    });
  });
}

export async function advertisedAddress(bound: HostPort, bootstrap: readonly HostPort[]): Promise<HostPort> {
  if (!isWildcard(bound.host)) return bound;
  const port = bound.port;
  const mine = new Set(localAddresses());
  const self = bootstrap.find((b) => b.port === port && mine.has(b.host));
  if (self !== undefined) return { host: self.host, port };
  const first = bootstrap[0];
  const toward = first === undefined ? undefined : await sourceAddressToward(first);
  if (toward !== undefined) return { host: toward, port };
  const v6 = bound.host === '::';
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      // A link-local IPv6 address needs a zone to be dialled: useless as a candidate.
      if (!a.internal && a.family === (v6 ? 'IPv6' : 'IPv4') && !a.address.startsWith('fe80:')) {
        return { host: a.address, port };
      }
    }
  }
  return { host: v6 ? '::1' : '127.0.0.1', port };
}
