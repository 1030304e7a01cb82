import type { AuthValue } from '../message/headers.js';
import { quote } from '../message/scan.js';
import { type DigestAlgorithm, digestResponse, ha1, parseAlgorithm } from './digest.js';

export interface ClientCredentials {
  readonly username: string;
  /** Either the password or its HA1 for the challenge's realm and algorithm. */
  readonly password?: string;
  readonly ha1?: string;
}

export interface AuthorizeInput {
  readonly method: string;
  readonly uri: string;
  /** Client nonce (from the caller's Random) and nonce-count for this nonce. */
  readonly cnonce: string;
  readonly nc: number;
}

/**
 * Client side (RFC 3261 §22.2-22.3, RFC 7616 §3.4): the Authorization / Proxy-Authorization value that
 * answers a Digest challenge, with qop=auth when offered and the RFC 2069 form otherwise. Returns
 * undefined for a challenge it cannot answer (another scheme, an unknown algorithm).
 */
export function authorize(
  challenge: AuthValue,
  creds: ClientCredentials,
  input: AuthorizeInput,
): string | undefined {
  if (challenge.scheme.toLowerCase() !== 'digest') return undefined;
  const p = challenge.params;
  const algorithm: DigestAlgorithm | undefined = parseAlgorithm(p.get('algorithm'));
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (algorithm === undefined || realm === undefined || nonce === undefined) return undefined;
  const stored =
    creds.ha1 ??
    (creds.password !== undefined ? ha1(creds.username, realm, creds.password, algorithm) : undefined);
  if (stored === undefined) return undefined;
  const offered = (p.get('qop') ?? '').split(',').map((q) => q.trim());
  const useQop = offered.includes('auth');
  const nc = input.nc.toString(16).padStart(8, '0');
  const response = digestResponse({
    algorithm,
    ha1: stored,
    method: input.method,
    uri: input.uri,
    nonce,
    ...(useQop ? { qop: 'auth' as const, nc, cnonce: input.cnonce } : {}),
  });
  let v = `Digest username=${quote(creds.username)}, realm=${quote(realm)}, nonce=${quote(nonce)}, uri=${quote(input.uri)}, response=${quote(response)}, algorithm=${algorithm}`;
  if (useQop) v += `, qop=auth, nc=${nc}, cnonce=${quote(input.cnonce)}`;
  const opaque = p.get('opaque');
  if (opaque !== undefined) v += `, opaque=${quote(opaque)}`;
  return v;
}
