import { errorMessage } from '../core/errors.js';
import { formatHostPort } from '../core/ip.js';
import type { LogLevel } from '../core/logger.js';
import { DEFAULT_CONTROL } from '../dashboard/control-api.js';
import { startBootstrappedPeer } from '../platform/node/bootstrapped-peer.js';
import type { HttpServerHandle } from '../platform/node/http-server.js';
import { LanHost } from '../platform/node/lan-host.js';
import { createLogger, isLogLevel } from '../platform/node/logger.js';
import type { PeerSipOptions } from '../platform/node/peer-runtime.js';
import { CONFIG_DEFAULTS } from '../reload/config/overlay-config.js';
import type { HostPort } from '../reload/node/attach.js';
import { DIGEST_ALGORITHMS, type DigestAlgorithm, parseAlgorithm } from '../sip/auth/digest.js';
import {
  type CliIo,
  EXIT_FAILURE,
  EXIT_OK,
  parseOptions,
  required,
  stopRequested,
  UsageError,
} from './command.js';
import { startControl } from './control-server.js';
import { bootstrapServerOptions, hostPortOption } from './options.js';

/**
 * `p2psip peer`: runs one RELOAD peer until SIGINT/SIGTERM, then leaves the overlay (RFC 6940 §10.8) and
 * exits 0. Logs are JSON lines on stdout; the record "peer running" names the Node-ID, the advertised
 * listen address and the control API.
 *
 * The listener defaults to 0.0.0.0:6084, every IPv4 interface on the RELOAD port (RFC 6940 §11.4 makes
 * 6084 the bootstrap default), since other peers must reach it; the advertised candidate is derived from
 * it (platform/node/addresses.ts) unless --advertise says otherwise. The control API defaults to
 * 127.0.0.1:6085: it has no authentication, so it stays on loopback unless asked.
 *
 * Bootstrap (platform/node/bootstrapped-peer.ts, decision 0031): the cached peers of --data DIR first, the
 * document's bootstrap nodes and --bootstrap, bootstrap servers (--bootstrap-server and the document's
 * enrollment-servers), and with --lan LAN discovery (DNS-SD over mDNS, decision 0030).
 */
export const DEFAULT_LISTEN: HostPort = { host: '0.0.0.0', port: CONFIG_DEFAULTS.bootstrapPort };

const OPTIONS = {
  identity: { type: 'string' },
  listen: { type: 'string' },
  advertise: { type: 'string' },
  control: { type: 'string' },
  data: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  'bootstrap-server': { type: 'string', multiple: true },
  lan: { type: 'boolean' },
  'tls-keylog': { type: 'string' },
  'log-level': { type: 'string' },
  sip: { type: 'string' },
  'sip-tls-port': { type: 'string' },
  'sip-app': { type: 'string' },
  'sip-digest': { type: 'string' },
  'config-refresh': { type: 'string' },
  'no-certificate-publishing': { type: 'boolean' },
} as const;

const SOFTWARE_VERSION = 'p2psip 0.1.0';

interface PeerArgs {
  readonly identity: string;
  readonly listen: HostPort;
  readonly advertise: { host: string; port?: number } | undefined;
  readonly control: HostPort;
  readonly data: string | undefined;
  readonly bootstrap: HostPort[];
  readonly servers: URL[];
  readonly lan: boolean;
  readonly keylog: string | undefined;
  readonly level: LogLevel;
  readonly sip: PeerSipOptions | undefined;
  /** Seconds between asks for a newer configuration document (0: never); undefined: the default. */
  readonly configRefresh: number | undefined;
  readonly publishCertificate: boolean;
}

/** RFC 3261 §19.1.2: phones expect 5060 for UDP and TCP. */
const SIP_PORT = 5060;

/** `--sip-digest SHA-256,MD5`: the digest algorithms offered, in order. */
function digestOption(text: string | undefined): DigestAlgorithm[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((t) => t.trim());
  const algorithms = names.map((n) => parseAlgorithm(n));
  const bad = names.find((_, i) => algorithms[i] === undefined);
  if (bad !== undefined || names.length === 0)
    throw new UsageError(
      `--sip-digest ${JSON.stringify(text)}: want a list of ${DIGEST_ALGORITHMS.join(', ')}`,
    );
  return algorithms.filter((a): a is DigestAlgorithm => a !== undefined);
}

function sipOptions(values: {
  sip?: string | undefined;
  'sip-tls-port'?: string | undefined;
  'sip-app'?: string | undefined;
  'sip-digest'?: string | undefined;
}): PeerSipOptions | undefined {
  if (values.sip === undefined) {
    if (
      values['sip-tls-port'] !== undefined ||
      values['sip-app'] !== undefined ||
      values['sip-digest'] !== undefined
    )
      throw new UsageError('--sip-tls-port, --sip-app and --sip-digest need --sip');
    return undefined;
  }
  const digest = digestOption(values['sip-digest']);
  const tls = values['sip-tls-port'];
  const tlsPort = tls === undefined ? undefined : Number(tls);
  if (tlsPort !== undefined && !(Number.isInteger(tlsPort) && tlsPort >= 0 && tlsPort <= 65535))
    throw new UsageError(`--sip-tls-port ${JSON.stringify(tls)}: want a port number`);
  const app = values['sip-app'];
  return {
    listen: hostPortOption('sip', values.sip, SIP_PORT),
    ...(tlsPort === undefined ? {} : { tlsPort }),
    ...(app === undefined ? {} : { appListen: hostPortOption('sip-app', app, 0) }),
    ...(digest === undefined ? {} : { digestAlgorithms: digest }),
  };
}

function parse(args: readonly string[]): PeerArgs {
  const { values } = parseOptions(args, OPTIONS);
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level))
    throw new UsageError(`--log-level ${JSON.stringify(level)}: want trace|debug|info|warn|error|fatal`);
  const advertise =
    values.advertise === undefined ? undefined : hostPortOption('advertise', values.advertise, 0);
  return {
    identity: required(values, 'identity'),
    listen:
      values.listen === undefined
        ? DEFAULT_LISTEN
        : hostPortOption('listen', values.listen, CONFIG_DEFAULTS.bootstrapPort),
    advertise:
      advertise === undefined ? undefined : advertise.port === 0 ? { host: advertise.host } : advertise,
    control: values.control === undefined ? DEFAULT_CONTROL : hostPortOption('control', values.control),
    data: values.data,
    bootstrap: (values.bootstrap ?? []).map((b) => {
      const hp = hostPortOption('bootstrap', b, CONFIG_DEFAULTS.bootstrapPort);
      if (hp.port === 0) throw new UsageError(`--bootstrap ${JSON.stringify(b)}: port 0 cannot be dialled`);
      return hp;
    }),
    servers: bootstrapServerOptions(values['bootstrap-server']),
    lan: values.lan === true,
    keylog: values['tls-keylog'],
    level,
    sip: sipOptions(values),
    configRefresh: seconds('config-refresh', values['config-refresh']),
    publishCertificate: values['no-certificate-publishing'] !== true,
  };
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > 2 ** 31 / 1000) {
    throw new UsageError(`--${name} ${JSON.stringify(text)}: want a number of seconds`);
  }
  return n;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const a = parse(args);
  const log = createLogger({ level: a.level });
  const lan = a.lan ? await LanHost.open({ log: log.child({ part: 'lan' }) }) : undefined;
  let running: Awaited<ReturnType<typeof startBootstrappedPeer>>;
  try {
    running = await startBootstrappedPeer({
      identityDir: a.identity,
      listen: a.listen,
      bootstrap: a.bootstrap,
      bootstrapServers: a.servers,
      softwareVersion: SOFTWARE_VERSION,
      log,
      ...(lan === undefined ? {} : { lan }),
      ...(a.advertise === undefined ? {} : { advertise: a.advertise }),
      ...(a.data === undefined ? {} : { dataDir: a.data }),
      ...(a.keylog === undefined ? {} : { keylogPath: a.keylog }),
      ...(a.sip === undefined ? {} : { sip: a.sip }),
      ...(a.configRefresh === undefined ? {} : { configRefreshMs: a.configRefresh * 1000 }),
      publishCertificate: a.publishCertificate,
    });
  } catch (e) {
    await lan?.close();
    throw e;
  }
  const peer = running.peer;
  let control: HttpServerHandle;
  try {
    control = await startControl(peer, a.control, log);
  } catch (e) {
    await running.stop();
    await lan?.close();
    throw e;
  }
  const controlAt = formatHostPort(control.host, control.port);
  log.info(
    {
      nodeId: peer.status().nodeId,
      overlay: peer.config.instanceName,
      listen: formatHostPort(peer.listen.host, peer.listen.port),
      sip: peer.sip?.address ?? null,
      control: controlAt,
      dashboard: `http://${controlAt}/`,
      ...(a.data === undefined ? {} : { data: a.data }),
    },
    'peer running',
  );
  await stopRequested(io.stopSignal);
  try {
    await running.stop();
    await lan?.close();
  } finally {
    await control.close();
  }
  return EXIT_OK;
}

export async function runPeer(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(args, io);
  } catch (e) {
    // The command line was right; whatever failed after parsing it (files, ports) is a runtime failure.
    if (e instanceof UsageError) throw e;
    io.stderr(`p2psip peer: ${errorMessage(e).replace(/\s*\n\s*/g, '; ')}\n`);
    return EXIT_FAILURE;
  }
}
