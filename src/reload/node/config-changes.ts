import type { OverlayConfig } from '../config/overlay-config.js';

/**
 * Parameters a running node cannot change under its feet: the ring's geometry, the limits its links and
 * transactions were built with, and the link security. RFC 6940 §11.1: a new configuration "may require
 * the node to exit the DHT and rejoin"; the driver decides when. Everything else applies at once: the
 * sequence (in the core), trust (root-cert, bad-node, self-signed rules: X509Verifier.setTrustSettings),
 * kinds and signers (the ConfigUpdates core), bootstrap nodes and servers (read when next used).
 */
const RESTART_PARAMETERS = [
  'topologyPlugin',
  'nodeIdLength',
  'maxMessageSize',
  'initialTtl',
  'reliabilityTimer',
  'linkProtocols',
  'noIce',
  'chord',
  'sharedSecret',
  'replicaCount',
] as const satisfies readonly (keyof OverlayConfig)[];

/** Which of the restart parameters differ between two configurations. */
export function changedParameters(before: OverlayConfig, after: OverlayConfig): string[] {
  return RESTART_PARAMETERS.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
