import { formatHostPort, parseHostPort } from '../core/ip.js';
import { isEmptyDirectory, writeOverlayConfig } from '../platform/node/identity-files.js';
import {
  type BootstrapNode,
  CONFIG_DEFAULTS,
  isOverlayName,
  newSelfSignedOverlay,
  parseOverlayConfig,
  writeOverlayConfig as renderOverlayConfig,
} from '../reload/config/index.js';
import { type CliIo, type Command, EXIT_OK, parseOptions, required, UsageError } from './command.js';

/**
 * `p2psip overlay create --self-signed`: writes DIR/overlay.xml for a new self-signed overlay (RFC 6940
 * §11.1, §11.3.1). Peers make their own keys and certificates from it. The CA mode (DIR/ca.key, ca.crt and
 * a signed document) is issue #5.
 */
const USAGE =
  'p2psip overlay create --name DOMAIN --out DIR --self-signed [--bootstrap HOST:PORT]... [--shared-secret S] [--force]';

const OPTIONS = {
  name: { type: 'string' },
  out: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  'self-signed': { type: 'boolean' },
  'shared-secret': { type: 'string' },
  'enrollment-url': { type: 'string' },
  force: { type: 'boolean' },
} as const;

function bootstrapNode(text: string): BootstrapNode {
  const hp = parseHostPort(text, CONFIG_DEFAULTS.bootstrapPort);
  if (hp === undefined || hp.port === 0) {
    throw new UsageError(
      `--bootstrap ${JSON.stringify(text)}: want IP:PORT or [IPv6]:PORT (the port defaults to 6084)`,
    );
  }
  return { family: hp.host.includes(':') ? 'ipv6' : 'ipv4', address: hp.host, port: hp.port };
}

function sharedSecret(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // Printable text without surrounding spaces, so the secret reads back exactly from the XML.
  if (!/^\S(?:[^\p{Cc}]*\S)?$/u.test(text)) {
    throw new UsageError('--shared-secret must be printable text without leading or trailing spaces');
  }
  return text;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  const name = required(values, 'name');
  const out = required(values, 'out');
  if (values['self-signed'] !== true) {
    throw new UsageError(
      'only --self-signed overlays can be created yet; the CA mode is not built (issue #5)',
    );
  }
  if (values['enrollment-url'] !== undefined) {
    throw new UsageError('--enrollment-url needs the CA mode, which is not built yet (issue #5)');
  }
  if (!isOverlayName(name)) throw new UsageError(`--name ${JSON.stringify(name)} is not a DNS name`);
  const bootstrapNodes = (values.bootstrap ?? []).map(bootstrapNode);
  const secret = sharedSecret(values['shared-secret']);
  if (values.force !== true && !(await isEmptyDirectory(out))) {
    throw new UsageError(`${out} is not empty (use --force to replace its overlay.xml)`);
  }
  const config = newSelfSignedOverlay({
    name,
    bootstrapNodes,
    now: Date.now(),
    ...(secret === undefined ? {} : { sharedSecret: secret }),
  });
  const xml = renderOverlayConfig(config);
  parseOverlayConfig(xml, name); // what we write must read back; a failure here is a bug, not bad input
  const path = await writeOverlayConfig(out, xml);
  const boot = bootstrapNodes.map((b) => formatHostPort(b.address, b.port)).join(' ') || 'none';
  io.stdout(
    `created ${path}: overlay ${name}, self-signed (${config.selfSignedDigest}), bootstrap ${boot}\n`,
  );
  return EXIT_OK;
}

export const overlayCreate: Command = {
  name: 'overlay create',
  summary: 'create an overlay configuration (self-signed; the CA mode is issue #5)',
  usage: USAGE,
  run,
};
