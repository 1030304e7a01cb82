/** The configuration document (RFC 6940 §11.1): parse, write, hash, check. */
export { chordResourceId, overlayHash } from './hashes.js';
export {
  defaultKinds,
  domainAllowed,
  type KindSource,
  registeredKind,
  type SignatureElement,
} from './kinds.js';
export { NEW_OVERLAY_LIFETIME_MS, type NewOverlayOptions, newSelfSignedOverlay } from './new-overlay.js';
export * from './overlay-config.js';
export {
  type ConfigurationDocument,
  type ConfigurationEntry,
  type ConfigurationSource,
  type LoadedConfiguration,
  parseConfigurationEntry,
  parseOverlayConfig,
  readConfigurationDocument,
} from './parse.js';
export { checkSupported, isExpired, unsupportedFeatures } from './supported.js';
export { isOverlayName } from './values.js';
export { configurationElement, kindElement, overlayDocument, writeOverlayConfig } from './write.js';
