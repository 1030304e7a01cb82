import { formatHostPort, parseHostPort } from '../core/ip.js';
import { isEmptyDirectory } from '../platform/node/identity-files.js';
import { createOverlayDirectory } from '../platform/node/overlay-authority.js';
import { type BootstrapNode, CONFIG_DEFAULTS, isOverlayName } from '../reload/config/index.js';
import { type CliIo, type Command, EXIT_OK, parseOptions, required, UsageError } from './command.js';

/**
 * `p2psip overlay create`: a new overlay in DIR (RFC 6940 §11.1). By default a CA overlay: DIR/ca.key and
 * DIR/ca.crt (the overlay CA, the one root-cert), DIR/signer.key and DIR/signer.crt (the configuration
 * signer the CA issued) and DIR/overlay.xml signed by it; nodes enrol with `p2psip enroll`. With
 * --self-signed, peers make their own certificates (§11.3.1) and the signer is self-signed.
 */
const USAGE =
  'p2psip overlay create --name DOMAIN --out DIR [--bootstrap HOST:PORT]... [--enrollment-url URL] [--self-signed] [--shared-secret S] [--force]';

const OPTIONS = {
  name: { type: 'string' },
  out: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  'self-signed': { type: 'boolean' },
  'shared-secret': { type: 'string' },
  'enrollment-url': { type: 'string', multiple: true },
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

/** RFC 6940 §11.1: an enrollment-server "URL MUST be of type https:". */
function enrollmentUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:')
    throw new UsageError(`--enrollment-url ${JSON.stringify(text)}: want an https: URL`);
  return text;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  const name = required(values, 'name');
  const out = required(values, 'out');
  const selfSigned = values['self-signed'] === true;
  const urls = (values['enrollment-url'] ?? []).map(enrollmentUrl);
  if (selfSigned && urls.length > 0) {
    throw new UsageError('--enrollment-url is for CA overlays: a self-signed overlay has no enrolment');
  }
  if (!isOverlayName(name)) throw new UsageError(`--name ${JSON.stringify(name)} is not a DNS name`);
  const bootstrapNodes = (values.bootstrap ?? []).map(bootstrapNode);
  const secret = sharedSecret(values['shared-secret']);
  if (values.force !== true && !(await isEmptyDirectory(out))) {
    throw new UsageError(`${out} is not empty (use --force to replace its overlay files)`);
  }
  const { config, files } = await createOverlayDirectory(out, {
    name,
    bootstrapNodes,
    selfSigned,
    enrollmentServers: urls,
    now: Date.now(),
    ...(secret === undefined ? {} : { sharedSecret: secret }),
  });
  const boot = bootstrapNodes.map((b) => formatHostPort(b.address, b.port)).join(' ') || 'none';
  const mode = selfSigned
    ? `self-signed (${config.selfSignedDigest})`
    : `CA, enrolment at ${urls.join(' ') || 'none'}`;
  io.stdout(
    `created ${files[0]}: overlay ${name}, ${mode}, bootstrap ${boot}, sequence ${config.sequence}\n`,
  );
  io.stdout(`keep private: ${files.filter((f) => f.endsWith('.key')).join(' ')}\n`);
  return EXIT_OK;
}

export const overlayCreate: Command = {
  name: 'overlay create',
  summary: 'create an overlay: its CA (or self-signed), configuration signer and signed overlay.xml',
  usage: USAGE,
  run,
};
