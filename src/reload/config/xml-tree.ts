import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fromUtf8, utf8 } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';

/**
 * A namespace-resolved element tree over fast-xml-parser's ordered output. fast-xml-parser does the XML
 * (well-formedness, entities, CDATA, CRLF handling) and reports where each element starts and ends in
 * the source; it does not resolve namespace prefixes, which a configuration document needs because any
 * prefix may be bound to the chord or sip namespaces (RFC 6940 §11.1 only fixes the namespace URIs).
 */
export interface XmlAttribute {
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

export interface XmlElement {
  /** Namespace URI, '' for none. */
  readonly ns: string;
  /** Local name (without prefix). */
  readonly name: string;
  /** The name as written, for messages. */
  readonly qname: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** The character data directly inside the element (text and CDATA, comments removed). */
  readonly text: string;
  /** UTF-16 offsets into the document text: the element is text.slice(start, end), tags included. */
  readonly start: number;
  readonly end: number;
}

export interface XmlDocument {
  /** The document as text (a leading byte order mark removed). */
  readonly text: string;
  readonly root: XmlElement;
}

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A character reference must name an XML Char (XML 1.0 §2.2): no NUL, no surrogates, at most U+10FFFF. */
function charRef(code: number, ref: string): string {
  const ok =
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff);
  if (!ok) throw new Error(`character reference &${ref}; is not an XML character`);
  return String.fromCodePoint(code);
}

/**
 * The entity hook we give fast-xml-parser: the five predefined entities and character references
 * (XML 1.0 §4.1, §4.6). Anything else is an undefined entity, a well-formedness error, and so is any
 * DOCTYPE entity: a configuration document has no use for one.
 */
const entityDecoder = {
  setExternalEntities: (): void => {
    // No external entities are ever resolved.
  },
  addInputEntities: (entities: Record<string, string>): void => {
    if (Object.keys(entities).length > 0) throw new Error('entity declarations are not accepted');
  },
  reset: (): void => {
    // Stateless.
  },
  setXmlVersion: (): void => {
    // XML 1.0 and 1.1 share the references we accept.
  },
  decode: (text: string): string =>
    text.replace(/&([^;&\s]*);/g, (_m, ref: string) => {
      if (/^#x[0-9a-fA-F]{1,6}$/.test(ref)) return charRef(Number.parseInt(ref.slice(2), 16), ref);
      if (/^#[0-9]{1,7}$/.test(ref)) return charRef(Number(ref.slice(1)), ref);
      const v = XML_ENTITIES[ref];
      if (v === undefined) throw new Error(`undefined entity &${ref};`);
      return v;
    }),
};

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  captureMetaData: true,
  entityDecoder,
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_CONFIG', message);
}

/** The document's text: UTF-8 is mandatory (RFC 6940 §11.1), invalid bytes are an error, a BOM is dropped. */
export function documentText(input: Uint8Array | string): string {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = fromUtf8(input);
    } catch (e) {
      throw new LocalError('ERR_BAD_CONFIG', 'configuration document is not valid UTF-8', { cause: e });
    }
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** The exact source bytes of an element (RFC 6940 §11.1 signs them with no canonicalisation). */
export function elementBytes(doc: XmlDocument, el: XmlElement): Uint8Array {
  return utf8(doc.text.slice(el.start, el.end));
}

/**
 * Parses a document. `defaultNamespace` is the namespace of unprefixed names where the document declares
 * none: RFC 6940 §6.5.4.1 says a ConfigUpdate's kind-blocks "assume a default namespace of
 * urn:ietf:params:xml:ns:p2p:config-base".
 */
export function parseXml(input: Uint8Array | string, defaultNamespace = ''): XmlDocument {
  const text = documentText(input);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw bad(`configuration document is not well-formed XML: ${msg} (line ${line}, column ${col})`);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (e) {
    throw bad(`configuration document is not acceptable XML: ${errorMessage(e)}`);
  }
  const top = asNodes(nodes);
  const roots = top.filter((n) => elementName(n) !== undefined);
  const stray = top.some((n) => elementName(n) === undefined && !/^\s*$/.test(textOf(n)));
  if (roots.length !== 1 || stray) throw bad('configuration document must hold exactly one root element');
  const root = resolve(
    roots[0] as Node,
    new Map([
      ['xml', XML_NAMESPACE],
      ['', defaultNamespace],
    ]),
  );
  // A DOCTYPE can define entities; a configuration never needs one, so refuse it rather than expand it.
  if (text.slice(0, root.start).includes('<!DOCTYPE'))
    throw bad('configuration document must not have a DOCTYPE');
  return { text, root };
}

type Node = Record<string | symbol, unknown>;

function asNodes(v: unknown): Node[] {
  return Array.isArray(v) ? (v.filter((n) => typeof n === 'object' && n !== null) as Node[]) : [];
}

/** The tag of an element node, undefined for text, CDATA and comments. */
function elementName(n: Node): string | undefined {
  for (const k of Object.keys(n)) if (k !== ':@' && !k.startsWith('#')) return k;
  return undefined;
}

function textOf(n: Node): string {
  const t = n['#text'];
  if (typeof t === 'string') return t;
  const cdata = n['#cdata'];
  if (Array.isArray(cdata)) return asNodes(cdata).map(textOf).join('');
  return '';
}

function splitName(qname: string): [string | undefined, string] {
  const i = qname.indexOf(':');
  return i < 0 ? [undefined, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function lookup(scope: ReadonlyMap<string, string>, prefix: string | undefined, qname: string): string {
  if (prefix === undefined) return scope.get('') ?? '';
  const ns = scope.get(prefix);
  if (ns === undefined) throw bad(`namespace prefix "${prefix}" of <${qname}> is not declared`);
  return ns;
}

function resolve(node: Node, parentScope: ReadonlyMap<string, string>): XmlElement {
  const qname = elementName(node) ?? '';
  const raw = (node[':@'] ?? {}) as Record<string, unknown>;
  const scope = new Map(parentScope);
  const plain: [string, string][] = [];
  for (const [k, v] of Object.entries(raw)) {
    const value = String(v);
    if (k === 'xmlns') scope.set('', value);
    else if (k.startsWith('xmlns:')) scope.set(k.slice(6), value);
    else plain.push([k, value]);
  }
  const [prefix, name] = splitName(qname);
  const attributes = plain.map(([k, value]): XmlAttribute => {
    const [p, local] = splitName(k);
    // Unprefixed attributes are in no namespace (Namespaces in XML §6.2), whatever the default is.
    return { ns: p === undefined ? '' : lookup(scope, p, qname), name: local, value };
  });
  const content = asNodes(node[qname]);
  const children: XmlElement[] = [];
  let text = '';
  for (const c of content) {
    if (elementName(c) !== undefined) children.push(resolve(c, scope));
    else text += textOf(c);
  }
  const meta = node[META] as { startIndex?: number; endIndex?: number } | undefined;
  const start = meta?.startIndex;
  const end = meta?.endIndex;
  if (start === undefined || end === undefined) throw bad(`cannot locate <${qname}> in the document`);
  return { ns: lookup(scope, prefix, qname), name, qname, attributes, children, text, start, end };
}
