import { utf8 } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { type KindId, nodeIdToHex } from '../../core/ids.js';
import { decode, encode } from '../../wire/index.js';
import type { KindSource, SignatureElement } from '../config/kinds.js';
import type { KindDefinition, OverlayConfig } from '../config/overlay-config.js';
import { type LoadedConfiguration, parseKindBlockText, parseOverlayConfig } from '../config/parse.js';
import { isNewerSequence } from '../config/sequence.js';
import { isExpired } from '../config/supported.js';
import { configurationElement, overlayDocument, type WriteOptions } from '../config/write.js';
import { type SecurityBlock, securityBlock } from '../messages/security.js';
import { blobSignatureInput } from '../messages/signature-input.js';
import type { Signer } from './signer.js';
import { type TrustSettings, trustSettingsFromConfig } from './trust.js';
import { type VerifiedSigner, X509Verifier } from './verifier.js';

/**
 * Signed configuration documents (RFC 6940 §11.1): the exact bytes of a `<configuration>` (or `<kind>`)
 * element signed with a standard SecurityBlock, base64 in the `<signature>` (`<kind-signature>`) element
 * after it. The signature input is blob || SignerIdentity (messages/signature-input.ts). Every failure is
 * a LocalError ERR_BAD_CONFIG that says why.
 */

function bad(message: string, cause?: unknown): LocalError {
  return new LocalError('ERR_BAD_CONFIG', message, cause === undefined ? undefined : { cause });
}

/** Signs a blob as a `<signature>`/`<kind-signature>` holds it: the SecurityBlock with our certificate. */
export function signBlob(signer: Signer, blob: Uint8Array): SignatureElement {
  const block: SecurityBlock = {
    certificates: [...signer.certificates],
    signature: signer.sign(blobSignatureInput(blob, signer.identity)),
  };
  return { value: encode(securityBlock, block) };
}

/**
 * A whole document for `config`, its `<configuration>` signed by `signer` (RFC 6940 §11.1). The writer is
 * deterministic, so the signed text is exactly the text the document embeds.
 */
export function signedOverlayDocument(
  config: OverlayConfig,
  signer: Signer,
  options: WriteOptions = {},
): string {
  const configuration = configurationElement(config, options);
  return overlayDocument([{ configuration, signatures: [signBlob(signer, utf8(configuration))] }]);
}

export interface BlobCheck {
  /** What is signed, for messages: `configuration example.org sequence 3`. */
  readonly what: string;
  /** The element that lists who may sign: `configuration-signer` or `kind-signer`. */
  readonly role: string;
  /** Lower-case hex Node-IDs allowed to sign. */
  readonly allowed: readonly string[];
  /** Which certificates can speak for those Node-IDs (root-certs, self-signed rules, bad-node). */
  readonly trust: TrustSettings;
  readonly now: number;
}

/** Accepts the blob when one of `signatures` verifies and its signer is listed; returns the signer. */
export function verifyBlobSignature(
  blob: Uint8Array,
  signatures: readonly SignatureElement[],
  check: BlobCheck,
): VerifiedSigner {
  if (signatures.length === 0) throw bad(`${check.what} is not signed`);
  if (check.allowed.length === 0) throw bad(`${check.what}: no ${check.role} is listed to sign it`);
  const verifier = new X509Verifier(check.trust);
  const reasons: string[] = [];
  for (const sig of signatures) {
    try {
      const block = decode(securityBlock, sig.value, undefined, 'SecurityBlock');
      const input = blobSignatureInput(blob, block.signature.identity);
      const who = verifier.verify(block.signature, input, block.certificates, check.now);
      const hex = nodeIdToHex(who.nodeId, check.trust.nodeIdLength);
      if (check.allowed.includes(hex)) return who;
      reasons.push(`signed by ${hex}, which is not a listed ${check.role}`);
    } catch (e) {
      reasons.push(errorMessage(e));
    }
  }
  throw bad(`${check.what}: signature not accepted (${reasons.join('; ')})`);
}

export interface VerifyConfigurationOptions {
  /** The overlay the document must configure (RFC 6940 §11.2: the instance-name must match). */
  readonly instanceName: string;
  /** Milliseconds since the epoch: certificates and the document's expiration are checked at this time. */
  readonly now: number;
  /**
   * The configuration in force. RFC 6940 §11.1: "Any configuration file MUST be signed by one of the
   * configuration-signer elements from the previous extant configuration", and its sequence must be newer
   * (§6.5.4.2). Absent for a node's first document, which must then be signed by a configuration-signer it
   * lists itself, with a certificate that chains to its own root-cert: that proves integrity, and the
   * caller vouches for the source (a file from the operator, or an HTTPS server it trusts).
   */
  readonly previous?: OverlayConfig;
  /**
   * Accept a first document that carries no signature at all (default false): self-signed overlays made by
   * p2psip before documents were signed. Such an overlay can never take a ConfigUpdate.
   */
  readonly allowUnsigned?: boolean;
}

export interface VerifiedConfiguration extends LoadedConfiguration {
  /** The whole document as received: what to store and to pass on in a ConfigUpdate. */
  readonly document: Uint8Array;
  /** Who signed the configuration; undefined only for an unsigned first document (allowUnsigned). */
  readonly signer: VerifiedSigner | undefined;
  /** For each kind with a kind-signature, the kind-signer that signed it (hex Node-ID). */
  readonly kindSigners: ReadonlyMap<KindId, string>;
}

/** Checks a configuration document: name, sequence, expiration, the configuration and kind signatures. */
export function verifyConfigurationDocument(
  document: Uint8Array,
  o: VerifyConfigurationOptions,
): VerifiedConfiguration {
  const { config, source } = parseOverlayConfig(document, o.instanceName);
  const what = `configuration ${config.instanceName} sequence ${config.sequence}`;
  const previous = o.previous;
  if (previous !== undefined && !isNewerSequence(config.sequence, previous.sequence)) {
    throw bad(`${what} is not newer than the sequence ${previous.sequence} in force`);
  }
  if (isExpired(config, o.now))
    throw bad(`${what} expired at ${new Date(config.expiration ?? 0).toISOString()}`);
  const authority = previous ?? config;
  const unsigned = source.signatures.length === 0 && previous === undefined && o.allowUnsigned === true;
  const signer = unsigned
    ? undefined
    : verifyBlobSignature(source.bytes, source.signatures, {
        what,
        role: 'configuration-signer',
        allowed: authority.configurationSigners,
        trust: trustSettings(authority),
        now: o.now,
      });
  // RFC 6940 §11.1: "kind-block elements MUST be signed by a node listed in the kind-signers block of the
  // current configuration". A kind-block without a kind-signature is covered by the configuration's own
  // signature, which is how p2psip writes its documents.
  const kindSigners = new Map<KindId, string>();
  for (const k of source.kinds) {
    if (k.signature === undefined) continue;
    const who = verifyKindSource(k, config, o.now);
    kindSigners.set(k.id as KindId, who);
  }
  return { config, source, document, signer, kindSigners };
}

function trustSettings(config: OverlayConfig): TrustSettings {
  try {
    return trustSettingsFromConfig(config);
  } catch (e) {
    throw bad(`the configuration's root-cert is not usable: ${errorMessage(e)}`, e);
  }
}

/** Verifies one kind's kind-signature against the kind-signers of `config`; returns the signer's hex Node-ID. */
export function verifyKindSource(source: KindSource, config: OverlayConfig, now: number): string {
  const who = verifyBlobSignature(source.bytes, source.signature === undefined ? [] : [source.signature], {
    what: `kind ${source.id}`,
    role: 'kind-signer',
    allowed: config.kindSigners,
    trust: trustSettings(config),
    now,
  });
  return nodeIdToHex(who.nodeId, config.nodeIdLength);
}

export interface VerifiedKind {
  readonly kind: KindDefinition;
  /** The kind-signer (hex Node-ID). */
  readonly signer: string;
}

/**
 * RFC 6940 §6.5.4.2: a ConfigUpdate of type kind "MUST be processed only if it is correctly digitally
 * signed by an acceptable Kind signer (i.e., one listed in the current configuration file)".
 */
export function verifyKindBlocks(
  blocks: readonly Uint8Array[],
  current: OverlayConfig,
  now: number,
): VerifiedKind[] {
  return blocks.map((bytes, i) => {
    let parsed: ReturnType<typeof parseKindBlockText>;
    try {
      parsed = parseKindBlockText(bytes);
    } catch (e) {
      throw bad(`kind-block ${i + 1}: ${errorMessage(e)}`, e);
    }
    return { kind: parsed.kind, signer: verifyKindSource(parsed.source, current, now) };
  });
}
