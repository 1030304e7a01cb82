import { scryptSync } from 'node:crypto';
import { LocalError } from '../../core/errors.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';

/**
 * Shared-secret admission (RFC 6940 §13.4, decision 0028): every link of an overlay whose configuration
 * holds a `shared-secret` is TLS 1.2 with an RSA_PSK cipher suite (RFC 4279 §4), keyed from that secret, so a
 * node that does not know it "cannot form TLS connections with any other peer and therefore cannot join the
 * overlay". RSA_PSK keeps the certificates: the server authenticates with its RSA certificate and requests
 * the client's, so each link is still bound to the Node-IDs of both ends (RFC 6940 §6.5.1, §11.3).
 */
export interface LinkPsk {
  /** The pre-shared key both ends derive from the secret. */
  readonly key: Uint8Array;
  /** RFC 4279 §5.1 PSK identity (and the server's identity hint): the overlay's instance-name. */
  readonly identity: string;
}

/** The only suites that combine a PSK with certificates on both ends in TLS 1.2 (RFC 4279 §4, RFC 5487). */
export const RSA_PSK_CIPHERS = [
  'RSA-PSK-AES256-GCM-SHA384',
  'RSA-PSK-AES128-GCM-SHA256',
  'RSA-PSK-CHACHA20-POLY1305',
].join(':');

/**
 * scrypt parameters of the key derivation. RFC 6940 §13.4 warns that TLS-PSK keys made from passwords are
 * open to dictionary attacks (an active attacker posing as a server can test guesses offline); stretching
 * the secret makes each guess cost what a password hash costs. The salt binds the key to the overlay.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;
const SALT_PREFIX = 'p2psip RELOAD TLS-PSK ';

/** The link key of a shared-secret overlay, or undefined when the configuration has no shared secret. */
export function linkPskFor(config: OverlayConfig): LinkPsk | undefined {
  const secret = config.sharedSecret;
  if (secret === undefined) return undefined;
  const key = scryptSync(secret.normalize('NFC'), `${SALT_PREFIX}${config.instanceName}`, KEY_LENGTH, SCRYPT);
  return { key: new Uint8Array(key), identity: config.instanceName };
}

/**
 * RSA_PSK authenticates the TLS server with an RSA key, and every peer is a TLS server to someone (RFC 6940
 * §6.5.1: the Attach requester listens). Throws ERR_BAD_CONFIG for any other key type.
 */
export function checkPskKey(keyType: string | undefined, overlay: string): void {
  if (keyType !== 'rsa') {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `overlay ${overlay} uses a shared secret, whose links (TLS RSA_PSK) need an RSA node key, not ${keyType ?? 'this key'}`,
    );
  }
}
