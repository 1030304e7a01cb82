import type { SignatureElement } from './kinds.js';
import { CONFIG_NS } from './overlay-config.js';
import { parseConfigurationEntry, readConfigurationDocument } from './parse.js';
import { nextSequence } from './sequence.js';
import { attribute, configError, formatDateTime } from './values.js';
import { signatureElement } from './write.js';
import type { XmlElement } from './xml-tree.js';

/**
 * `p2psip overlay update`: a document edited by hand gets a new sequence (and expiration) and a new
 * signature, and nothing else changes. RFC 6940 §11.1 signs the exact bytes of `<configuration>`, so the
 * edit is made in the text: only the two attributes of the start tag are rewritten and the old
 * `<signature>` elements are dropped. Elements we do not model (foreign namespaces, comments, spacing)
 * survive, which re-serialising an OverlayConfig would lose.
 */
export interface PreparedUpdate {
  readonly instanceName: string;
  readonly previousSequence: number;
  readonly sequence: number;
  /** The new `<configuration>` element, byte for byte what its signature must cover. */
  readonly configuration: string;
  /** The whole document with `signatures` after the new configuration element. */
  withSignatures(signatures: readonly SignatureElement[]): string;
}

export interface UpdateOptions {
  /** Which configuration of the document; needed only when it holds several. */
  readonly instanceName?: string;
  /** Milliseconds since the epoch; absent keeps the document's expiration as it is. */
  readonly expiration?: number;
}

const isBase = (el: XmlElement, name: string): boolean => el.ns === CONFIG_NS.base && el.name === name;

interface StartTagAttribute {
  readonly name: string;
  /** The attribute as written, leading whitespace included. */
  readonly raw: string;
}

/** Splits `<configuration a="1" b='2'>` into its attributes; `end` is the offset just past `>`. */
function startTag(text: string, from: number): { attributes: StartTagAttribute[]; end: number } {
  const name = /^<[^\s/>]+/.exec(text.slice(from));
  if (name === null) throw configError('<configuration>', 'cannot find its start tag');
  const re = /(\s+)([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/y;
  let at = from + name[0].length;
  const attributes: StartTagAttribute[] = [];
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) break;
    attributes.push({ name: m[2] ?? '', raw: m[0] });
    at = re.lastIndex;
  }
  const close = /^\s*>/.exec(text.slice(at));
  if (close === null) throw configError('<configuration>', 'has a start tag we cannot rewrite');
  return { attributes, end: at + close[0].length };
}

function rewriteStartTag(
  text: string,
  el: XmlElement,
  set: ReadonlyMap<string, string>,
): { tag: string; end: number } {
  const { attributes, end } = startTag(text, el.start);
  const head = /^<[^\s/>]+/.exec(text.slice(el.start))?.[0] ?? '<configuration';
  const left = new Map(set);
  const parts = attributes.map((a) => {
    const value = left.get(a.name);
    if (value === undefined) return a.raw;
    left.delete(a.name);
    return `${/^\s+/.exec(a.raw)?.[0] ?? ' '}${a.name}="${value}"`;
  });
  for (const [name, value] of left) parts.push(` ${name}="${value}"`);
  return { tag: `${head}${parts.join('')}>`, end };
}

/** Finds the configuration to update and the signature elements that follow it. */
function locate(root: XmlElement, instanceName: string): { config: XmlElement; last: XmlElement } {
  const children = root.children;
  const i = children.findIndex(
    (c) =>
      isBase(c, 'configuration') &&
      (attribute(c, 'instance-name') ?? '').toLowerCase() === instanceName.toLowerCase(),
  );
  const config = children[i];
  if (config === undefined) throw configError('<overlay>', `has no configuration for ${instanceName}`);
  let last = config;
  for (let j = i + 1; j < children.length; j++) {
    const c = children[j];
    if (c === undefined || !isBase(c, 'signature')) break;
    last = c;
  }
  return { config, last };
}

/** Prepares the update of a document that must parse completely: a broken one is never signed. */
export function prepareConfigurationUpdate(document: string, o: UpdateOptions = {}): PreparedUpdate {
  const doc = readConfigurationDocument(document);
  const entry =
    o.instanceName === undefined
      ? doc.entries.length === 1
        ? doc.entries[0]
        : undefined
      : doc.entries.find((e) => e.instanceName.toLowerCase() === o.instanceName?.toLowerCase());
  if (entry === undefined) {
    const names = doc.entries.map((e) => e.instanceName).join(', ');
    throw configError('<overlay>', `name the configuration to update (it holds ${names})`);
  }
  const { config } = parseConfigurationEntry(doc, entry);
  const text = doc.xml.text;
  const { config: el, last } = locate(doc.xml.root, entry.instanceName);
  const sequence = nextSequence(config.sequence);
  const set = new Map([['sequence', String(sequence)]]);
  if (o.expiration !== undefined) set.set('expiration', formatDateTime(o.expiration));
  const { tag, end } = rewriteStartTag(text, el, set);
  const configuration = `${tag}${text.slice(end, el.end)}`;
  return {
    instanceName: config.instanceName,
    previousSequence: config.sequence,
    sequence,
    configuration,
    withSignatures: (signatures) =>
      [
        text.slice(0, el.start),
        configuration,
        ...signatures.map((s) => `\n${signatureElement('signature', s, '  ')}`),
        text.slice(last.end),
      ].join(''),
  };
}
