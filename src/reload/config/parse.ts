import { type KindSource, parseKind, parseSignatureElement, type SignatureElement } from './kinds.js';
import { CONFIG_NS, type KindDefinition, type OverlayConfig } from './overlay-config.js';
import { buildConfig, groupChildren, key } from './parameters.js';
import { attribute, configError, label } from './values.js';
import { elementBytes, parseXml, type XmlDocument, type XmlElement } from './xml-tree.js';

/**
 * RFC 6940 §11.1: an overlay configuration document holds one or more `<configuration>` elements, each
 * followed by its `<signature>` elements. The signatures cover the exact bytes of the configuration
 * element, so those are kept as found, next to the typed configuration.
 */
export interface ConfigurationEntry {
  readonly instanceName: string;
  /** The exact bytes from `<configuration` through `</configuration>` (RFC 6940 §11.1). */
  readonly bytes: Uint8Array;
  readonly signatures: readonly SignatureElement[];
  readonly element: XmlElement;
}

export interface ConfigurationDocument {
  readonly xml: XmlDocument;
  readonly entries: readonly ConfigurationEntry[];
}

export interface ConfigurationSource {
  readonly bytes: Uint8Array;
  readonly signatures: readonly SignatureElement[];
  /** One per kind-block, in document order. */
  readonly kinds: readonly KindSource[];
}

export interface LoadedConfiguration {
  readonly config: OverlayConfig;
  readonly source: ConfigurationSource;
}

const isBase = (el: XmlElement, name: string): boolean => el.ns === CONFIG_NS.base && el.name === name;

/** Reads the document's shape: which configurations it holds, their bytes and signatures. */
export function readConfigurationDocument(input: Uint8Array | string): ConfigurationDocument {
  const xml = parseXml(input);
  const root = xml.root;
  if (!isBase(root, 'overlay')) {
    throw configError(label(root), `the root element must be <overlay> in namespace ${CONFIG_NS.base}`);
  }
  const entries: ConfigurationEntry[] = [];
  for (const el of root.children) {
    if (isBase(el, 'configuration')) {
      const instanceName = attribute(el, 'instance-name');
      if (instanceName === undefined) throw configError(label(el), 'needs an instance-name attribute');
      entries.push({ instanceName, bytes: elementBytes(xml, el), signatures: [], element: el });
    } else if (isBase(el, 'signature')) {
      const last = entries.pop();
      if (last === undefined) throw configError(label(el), 'must follow a <configuration>');
      entries.push({ ...last, signatures: [...last.signatures, parseSignatureElement(el)] });
    } else if (el.ns === CONFIG_NS.base || el.ns === CONFIG_NS.chord || el.ns === '') {
      throw configError(label(el), 'is not allowed in <overlay> (RFC 6940 §11.1.1)');
    }
  }
  if (entries.length === 0) throw configError('<overlay>', 'holds no <configuration>');
  return { xml, entries };
}

/**
 * Parses the configuration for `instanceName` (RFC 6940 §11.2: a document without it is discarded); with
 * no name, the document must hold exactly one configuration.
 */
export function parseOverlayConfig(input: Uint8Array | string, instanceName?: string): LoadedConfiguration {
  const doc = readConfigurationDocument(input);
  let entry: ConfigurationEntry | undefined;
  if (instanceName === undefined) {
    if (doc.entries.length > 1) {
      const names = doc.entries.map((e) => e.instanceName).join(', ');
      throw configError('<overlay>', `holds several configurations (${names}); name the overlay`);
    }
    entry = doc.entries[0];
  } else {
    // Overlay names are DNS names, so the match ignores case; the document's spelling is what gets hashed.
    const wanted = instanceName.toLowerCase();
    entry = doc.entries.find((e) => e.instanceName.toLowerCase() === wanted);
  }
  if (entry === undefined)
    throw configError('<overlay>', `has no configuration for ${JSON.stringify(instanceName)}`);
  return parseConfigurationEntry(doc, entry);
}

export function parseConfigurationEntry(
  doc: ConfigurationDocument,
  entry: ConfigurationEntry,
): LoadedConfiguration {
  const el = entry.element;
  const children = groupChildren(el);
  const kinds: KindDefinition[] = [];
  const kindSources: KindSource[] = [];
  for (const block of children.get(key(CONFIG_NS.base, 'required-kinds'))?.[0]?.children ?? []) {
    const { kind, source } = parseKindBlock(doc.xml, block);
    if (kinds.some((k) => k.id === kind.id))
      throw configError(label(block), `defines Kind-ID ${kind.id} twice`);
    kinds.push(kind);
    kindSources.push(source);
  }
  const config = buildConfig(el, children, kinds);
  return { config, source: { bytes: entry.bytes, signatures: entry.signatures, kinds: kindSources } };
}

export interface ParsedKindBlock {
  readonly kind: KindDefinition;
  readonly source: KindSource;
}

/**
 * One kind-block on its own, as a ConfigUpdate of type kind carries it (RFC 6940 §6.5.4.1: UTF-8, default
 * namespace config-base). The `<kind>` bytes are kept for its kind-signature.
 */
export function parseKindBlockText(input: Uint8Array | string): ParsedKindBlock {
  const xml = parseXml(input, CONFIG_NS.base);
  return parseKindBlock(xml, xml.root);
}

function parseKindBlock(xml: XmlDocument, block: XmlElement): ParsedKindBlock {
  if (!isBase(block, 'kind-block')) throw configError(label(block), 'is not allowed in <required-kinds>');
  let kindEl: XmlElement | undefined;
  let signature: SignatureElement | undefined;
  for (const c of block.children) {
    if (isBase(c, 'kind') && kindEl === undefined) kindEl = c;
    else if (isBase(c, 'kind-signature') && signature === undefined) signature = parseSignatureElement(c);
    else throw configError(label(c), 'is not allowed in <kind-block> (one <kind>, one <kind-signature>)');
  }
  if (kindEl === undefined) throw configError(label(block), 'needs a <kind>');
  const kind = parseKind(kindEl);
  const bytes = elementBytes(xml, kindEl);
  return {
    kind,
    source: signature === undefined ? { id: kind.id, bytes } : { id: kind.id, bytes, signature },
  };
}
