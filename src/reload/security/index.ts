/**
 * Identities and signatures (RFC 6940 §6.3.4, §7.1, §11.3). The simulator's SimulatedSigner is not
 * exported here on purpose: import it from ./simulated.js, which only src/sim may do.
 */
export { DEFAULT_KEY_ALGORITHM, KEY_ALGORITHMS, type KeyAlgorithm } from './algorithms.js';
export {
  type CertificateAuthority,
  createCertificateAuthority,
  createCertificateRequest,
  type IssueIdentityOptions,
  issueIdentity,
  issueNodeCertificate,
  issueServerCertificate,
  loadCertificateAuthority,
  parseCertificateRequest,
  randomNodeId,
  type ServerCertificateOptions,
} from './ca.js';
export {
  type CertificateInfo,
  certificateFromPem,
  certificateToPem,
  parseCertificate,
} from './certificate.js';
export {
  type BlobCheck,
  signBlob,
  signedOverlayDocument,
  type VerifiedConfiguration,
  type VerifiedKind,
  type VerifyConfigurationOptions,
  verifyBlobSignature,
  verifyConfigurationDocument,
  verifyKindBlocks,
  verifyKindSource,
} from './config-signature.js';
export {
  createSelfSignedIdentity,
  identityFromParts,
  type NodeIdentity,
  renewSelfSignedIdentity,
  type SelfSignedOptions,
} from './identity.js';
export { generateKeyPair, type KeyPair, privateKeyFromPem, privateKeyToPem } from './keys.js';
export { type SignedParts, signMessage, verifyMessage } from './message-signing.js';
export { isUserName, selfSignedNodeId, selfSignedNodeIds } from './node-certificate.js';
export { formatNodeUri, type NodeUri, parseNodeUri } from './reload-uri.js';
export { type Signer, X509Signer } from './signer.js';
export {
  checkNodeCertificate,
  type TrustResult,
  type TrustSettings,
  trustSettingsFromConfig,
} from './trust.js';
export { CertificateStore, type VerifiedSigner, type Verifier, X509Verifier } from './verifier.js';
