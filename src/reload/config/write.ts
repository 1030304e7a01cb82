import type { KindId } from '../../core/ids.js';
import { dataModelName } from '../messages/data-model.js';
import type { SignatureElement } from './kinds.js';
import { CONFIG_NS, type KindDefinition, type OverlayConfig } from './overlay-config.js';
import { formatDateTime, toBase64 } from './values.js';

/**
 * OverlayConfig → configuration document text (RFC 6940 §11.1), readable by parse.ts. The output is
 * deterministic, so a signer can sign the exact text of `<configuration>` (configurationElement) or of a
 * `<kind>` (kindElement) and the document embeds that very text.
 */

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

const leaf = (indent: string, name: string, value: string | number | boolean): string =>
  `${indent}<${name}>${escapeText(String(value))}</${name}>`;

/** Base64 in 64-column lines, the way PEM and the RFC's example write certificates. */
function base64Lines(bytes: Uint8Array, indent: string): string {
  const b64 = toBase64(bytes);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(`${indent}${b64.slice(i, i + 64)}`);
  return lines.join('\n');
}

/** `<signature>` or `<kind-signature>` with the base64 SecurityBlock in 64-column lines. */
export function signatureElement(name: string, sig: SignatureElement, indent: string): string {
  const alg = sig.algorithm === undefined ? '' : ` algorithm="${escapeAttribute(sig.algorithm)}"`;
  return `${indent}<${name}${alg}>\n${base64Lines(sig.value, `${indent}  `)}\n${indent}</${name}>`;
}

/** The exact text of one `<kind>` element, as kind-signatures must cover it (RFC 6940 §11.1). */
export function kindElement(kind: KindDefinition, indent = '        '): string {
  const i = `${indent}  `;
  const head =
    kind.name === undefined ? `<kind id="${kind.id}">` : `<kind name="${escapeAttribute(kind.name)}">`;
  const lines = [
    `${indent}${head}`,
    leaf(i, 'data-model', dataModelName(kind.dataModel)),
    leaf(i, 'access-control', kind.accessPolicy),
    leaf(i, 'max-count', kind.maxCount),
    leaf(i, 'max-size', kind.maxSize),
  ];
  if (kind.maxNodeMultiple !== undefined) lines.push(leaf(i, 'max-node-multiple', kind.maxNodeMultiple));
  const dr = kind.domainRestriction;
  if (dr !== undefined) {
    lines.push(`${i}<sip:domain-restriction enable="${dr.enable}">`);
    for (const p of dr.patterns) lines.push(leaf(`${i}  `, 'sip:pattern', p));
    lines.push(`${i}</sip:domain-restriction>`);
  }
  lines.push(`${indent}</kind>`);
  return lines.join('\n').trimStart();
}

export interface WriteOptions {
  /** kind-signatures to embed, by Kind-ID (each over the kindElement text of that kind). */
  readonly kindSignatures?: ReadonlyMap<KindId, SignatureElement>;
}

function parameterLines(c: OverlayConfig): string[] {
  const i = '    ';
  const out = [leaf(i, 'topology-plugin', c.topologyPlugin), leaf(i, 'node-id-length', c.nodeIdLength)];
  for (const cert of c.rootCerts)
    out.push(`${i}<root-cert>\n${base64Lines(cert, `${i}  `)}\n${i}</root-cert>`);
  for (const url of c.enrollmentServers) out.push(leaf(i, 'enrollment-server', url));
  out.push(
    `${i}<self-signed-permitted digest="${c.selfSignedDigest}">${c.selfSignedPermitted}</self-signed-permitted>`,
  );
  for (const b of c.bootstrapNodes) {
    out.push(`${i}<bootstrap-node address="${escapeAttribute(b.address)}" port="${b.port}"/>`);
  }
  out.push(
    leaf(i, 'turn-density', c.turnDensity),
    leaf(i, 'clients-permitted', c.clientsPermitted),
    leaf(i, 'no-ice', c.noIce),
    leaf(i, 'chord:chord-update-interval', c.chord.updateInterval),
    leaf(i, 'chord:chord-ping-interval', c.chord.pingInterval),
    leaf(i, 'chord:chord-reactive', c.chord.reactive),
  );
  if (c.sharedSecret !== undefined) out.push(leaf(i, 'shared-secret', c.sharedSecret));
  out.push(
    leaf(i, 'max-message-size', c.maxMessageSize),
    leaf(i, 'initial-ttl', c.initialTtl),
    leaf(i, 'overlay-reliability-timer', c.reliabilityTimer),
  );
  for (const p of c.linkProtocols) out.push(leaf(i, 'overlay-link-protocol', p));
  for (const n of c.configurationSigners) out.push(leaf(i, 'configuration-signer', n));
  for (const n of c.kindSigners) out.push(leaf(i, 'kind-signer', n));
  for (const n of c.badNodes) out.push(leaf(i, 'bad-node', n));
  for (const ns of c.mandatoryExtensions) out.push(leaf(i, 'mandatory-extension', ns));
  out.push(
    leaf(i, 'p2psip:successor-count', c.chord.successorCount),
    leaf(i, 'p2psip:predecessor-count', c.chord.predecessorCount),
    leaf(i, 'p2psip:finger-count', c.chord.fingerCount),
    leaf(i, 'p2psip:replica-count', c.replicaCount),
  );
  return out;
}

/** The exact text of one `<configuration>` element (what its `<signature>` covers, RFC 6940 §11.1). */
export function configurationElement(c: OverlayConfig, options: WriteOptions = {}): string {
  const expiration = c.expiration === undefined ? '' : ` expiration="${formatDateTime(c.expiration)}"`;
  const lines = [
    `<configuration instance-name="${escapeAttribute(c.instanceName)}" sequence="${c.sequence}"${expiration}>`,
    ...parameterLines(c),
  ];
  if (c.kinds.length > 0) {
    lines.push('    <required-kinds>');
    for (const k of c.kinds) {
      lines.push('      <kind-block>', `        ${kindElement(k)}`);
      const sig = options.kindSignatures?.get(k.id);
      if (sig !== undefined) lines.push(signatureElement('kind-signature', sig, '        '));
      lines.push('      </kind-block>');
    }
    lines.push('    </required-kinds>');
  }
  lines.push('  </configuration>');
  return lines.join('\n');
}

export interface DocumentEntry {
  /** The text of a `<configuration>` element, from configurationElement. */
  readonly configuration: string;
  readonly signatures?: readonly SignatureElement[];
}

/** A whole document: namespaces on `<overlay>`, each configuration followed by its signatures. */
export function overlayDocument(entries: readonly DocumentEntry[]): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<overlay xmlns="${CONFIG_NS.base}" xmlns:chord="${CONFIG_NS.chord}"`,
    `         xmlns:sip="${CONFIG_NS.sip}" xmlns:p2psip="${CONFIG_NS.p2psip}">`,
  ];
  for (const e of entries) {
    parts.push(`  ${e.configuration}`);
    for (const s of e.signatures ?? []) parts.push(signatureElement('signature', s, '  '));
  }
  parts.push('</overlay>', '');
  return parts.join('\n');
}

/** One configuration, optionally signed: the usual case. */
export function writeOverlayConfig(
  c: OverlayConfig,
  signatures: readonly SignatureElement[] = [],
  options: WriteOptions = {},
): string {
  return overlayDocument([{ configuration: configurationElement(c, options), signatures }]);
}
