import { LocalError } from '../../core/errors.js';
import { CHORD_RESOURCE_ID_LENGTH } from './hashes.js';
import { CONFIG_NS, type OverlayConfig } from './overlay-config.js';

/**
 * What this implementation can join. A document can be valid and still ask for something we lack; RFC 6940
 * §11.1 then says a node "MUST exit the overlay", so the peer checks this before joining.
 */
export const SUPPORTED_TOPOLOGY = 'CHORD-RELOAD';

/** Namespaces a mandatory-extension may name that we implement. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [CONFIG_NS.sip];

/** Everything about `config` that stops us from joining, as one-line reasons; empty when we can. */
export function unsupportedFeatures(config: OverlayConfig): string[] {
  const out: string[] = [];
  if (config.topologyPlugin !== SUPPORTED_TOPOLOGY) {
    out.push(`topology-plugin ${config.topologyPlugin} (only ${SUPPORTED_TOPOLOGY} is implemented)`);
  }
  // CHORD-RELOAD's ring is 2^128 (RFC 6940 §10.2), so its Node-IDs are 16 bytes whatever the base allows.
  if (config.topologyPlugin === SUPPORTED_TOPOLOGY && config.nodeIdLength !== CHORD_RESOURCE_ID_LENGTH) {
    out.push(`node-id-length ${config.nodeIdLength} (CHORD-RELOAD uses 16)`);
  }
  for (const ns of config.mandatoryExtensions) {
    if (!SUPPORTED_EXTENSIONS.includes(ns)) out.push(`mandatory-extension ${ns}`);
  }
  if (!config.linkProtocols.includes('TLS')) {
    out.push(`overlay-link-protocol ${config.linkProtocols.join(', ')} (only TLS is implemented)`);
  }
  return out;
}

/** Throws ERR_BAD_CONFIG naming everything we cannot do. */
export function checkSupported(config: OverlayConfig): void {
  const missing = unsupportedFeatures(config);
  if (missing.length > 0) {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `overlay ${config.instanceName} needs what p2psip lacks: ${missing.join('; ')}`,
    );
  }
}

/** RFC 6940 §11.1 expiration: a stale document should be fetched again (the node keeps working meanwhile). */
export function isExpired(config: OverlayConfig, now: number): boolean {
  return config.expiration !== undefined && now >= config.expiration;
}
