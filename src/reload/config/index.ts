/** The configuration document (RFC 6940 §11.1): parse, write, hash, check. */
export { FINGERPRINT_HEX_LENGTH, overlayFingerprint } from './fingerprint.js';
export { chordResourceId, overlayHash } from './hashes.js';
export {
  defaultKinds,
  domainAllowed,
  type KindSource,
  registeredKind,
  type SignatureElement,
} from './kinds.js';
export {
  CA_OVERLAY_LIFETIME_MS,
  NEW_OVERLAY_LIFETIME_MS,
  NEW_OVERLAY_MAX_MESSAGE_SIZE,
  type NewCaOverlayOptions,
  type NewOverlayOptions,
  newCaOverlay,
  newSelfSignedOverlay,
} from './new-overlay.js';
export * from './overlay-config.js';
export {
  type ConfigurationDocument,
  type ConfigurationEntry,
  type ConfigurationSource,
  type LoadedConfiguration,
  type ParsedKindBlock,
  parseConfigurationEntry,
  parseKindBlockText,
  parseOverlayConfig,
  readConfigurationDocument,
} from './parse.js';
export { CONFIG_UPDATE_ANY_SEQUENCE, isNewerSequence, nextSequence } from './sequence.js';
export { checkSupported, isExpired, unsupportedFeatures } from './supported.js';
export { type PreparedUpdate, prepareConfigurationUpdate, type UpdateOptions } from './update-document.js';
export { isOverlayName } from './values.js';
export {
  configurationElement,
  kindElement,
  overlayDocument,
  signatureElement,
  writeOverlayConfig,
} from './write.js';
