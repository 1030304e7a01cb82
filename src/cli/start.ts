import { errorMessage, isLocalError } from '../core/errors.js';
import { formatHostPort } from '../core/ip.js';
import { DEFAULT_CONTROL } from '../dashboard/control-api.js';
import type { HttpServerHandle } from '../platform/node/http-server.js';
import { isLogLevel } from '../platform/node/logger.js';
import { homeDirectory } from '../platform/node/start-home.js';
import { PORT_ATTEMPTS, startZeroConfig, type ZeroConfigPeer } from '../platform/node/zero-config.js';
import { CONFIG_DEFAULTS, isOverlayName } from '../reload/config/index.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, parseOptions, stopRequested, UsageError } from './command.js';
import { startControl } from './control-server.js';
import { bootstrapServerOptions, hostPortOption } from './options.js';
import { peersLine, type StartSummary, summaryJson, summaryText } from './start-output.js';

/**
 * `p2psip start` (`npm start`): zero configuration. In the data directory ($P2PSIP_HOME, default ~/.p2psip;
 * layout in platform/node/start-home.ts) it joins the overlay it already knows, or one of its name found on
 * the LAN, or creates a self-signed one (`local.p2psip` unless --overlay). The peer listens for RELOAD on
 * 6084 or the next free port, serves the control API on 127.0.0.1:6085 and SIP on 127.0.0.1:5060 (or the
 * next free ports), with a first SIP user whose password is printed once. Then it prints a summary and runs
 * until Ctrl-C, when it leaves the overlay (RFC 6940 §10.8). Its JSON log goes to the instance's peer.log.
 */
export const DEFAULT_OVERLAY = 'local.p2psip';
const SOFTWARE_VERSION = 'p2psip 0.1.0';
/** How long to wait for the join before printing the summary anyway (saying it is still looking). */
const JOIN_WAIT_MS = 8_000;

const OPTIONS = {
  json: { type: 'boolean' },
  overlay: { type: 'string' },
  create: { type: 'boolean' },
  listen: { type: 'string' },
  control: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  'bootstrap-server': { type: 'string', multiple: true },
  sip: { type: 'string' },
  user: { type: 'string' },
  'no-sip': { type: 'boolean' },
  'no-lan': { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

function parse(args: readonly string[]) {
  const { values } = parseOptions(args, OPTIONS);
  const overlay = values.overlay ?? DEFAULT_OVERLAY;
  if (!isOverlayName(overlay)) throw new UsageError(`--overlay ${JSON.stringify(overlay)} is not a DNS name`);
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level))
    throw new UsageError(`--log-level ${JSON.stringify(level)}: want trace|debug|info|warn|error|fatal`);
  return {
    json: values.json === true,
    overlay,
    create: values.create === true,
    lan: values['no-lan'] !== true,
    listen:
      values.listen === undefined
        ? undefined
        : hostPortOption('listen', values.listen, CONFIG_DEFAULTS.bootstrapPort),
    control: values.control === undefined ? undefined : hostPortOption('control', values.control),
    bootstrap: (values.bootstrap ?? []).map((b) =>
      hostPortOption('bootstrap', b, CONFIG_DEFAULTS.bootstrapPort),
    ),
    servers: bootstrapServerOptions(values['bootstrap-server']),
    sip: sipOption(values),
    level,
  };
}

/** RFC 3261 §19.1.2: phones expect 5060. */
const SIP_PORT = 5060;

function sipOption(values: {
  sip?: string | undefined;
  user?: string | undefined;
  'no-sip'?: boolean | undefined;
}) {
  if (values['no-sip'] === true) {
    if (values.sip !== undefined || values.user !== undefined)
      throw new UsageError('--no-sip: no --sip or --user with it');
    return false as const;
  }
  const user = values.user;
  if (user !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(user)) {
    throw new UsageError(`--user ${JSON.stringify(user)}: letters, digits, '.', '_' and '-' only`);
  }
  return {
    ...(values.sip === undefined ? {} : { listen: hostPortOption('sip', values.sip, SIP_PORT) }),
    ...(user === undefined ? {} : { userName: user }),
  };
}

function waitForJoin(zc: ZeroConfigPeer, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (zc.peer.node.chord.state === 'joined') {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    const off = zc.peer.node.events.on('state', (e) => {
      if (e.state === 'joined') done();
    });
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const a = parse(args);
  const zc = await startZeroConfig({
    home: homeDirectory(io.env),
    overlay: a.overlay,
    create: a.create,
    lan: a.lan,
    bootstrap: a.bootstrap,
    bootstrapServers: a.servers,
    level: a.level,
    softwareVersion: SOFTWARE_VERSION,
    signal: io.stopSignal,
    sip: a.sip,
    ...(a.listen === undefined ? {} : { listen: a.listen }),
  });
  let control: HttpServerHandle;
  try {
    control = await startControl(
      zc.peer,
      a.control ?? DEFAULT_CONTROL,
      zc.log,
      a.control ? 1 : PORT_ATTEMPTS,
    );
  } catch (e) {
    await zc.stop();
    throw e;
  }
  const controlAt = formatHostPort(control.host, control.port);
  const sip = { sip: zc.peer.sip?.address ?? null, ...zc.sipUser };
  await zc.instance.update({
    listen: formatHostPort(zc.peer.listen.host, zc.peer.listen.port),
    control: controlAt,
    sip: sip.sip,
    nodeId: zc.peer.status().nodeId,
  });
  zc.log.info({ control: controlAt, sip: sip.sip }, 'peer running');
  await waitForJoin(zc, JOIN_WAIT_MS, io.stopSignal);
  const summary = (): StartSummary => {
    const st = zc.peer.status();
    return {
      overlay: st.overlay,
      fingerprint: zc.found.fingerprint,
      origin: zc.found.origin,
      nodeId: st.nodeId,
      state: st.state,
      peers: zc.peer.peersInView(),
      listen: st.listen,
      sip: sip.sip,
      control: controlAt,
      ...(sip.user === undefined ? {} : { user: sip.user }),
      ...(sip.password === undefined ? {} : { password: sip.password }),
      instance: zc.instance.index,
      dataDir: zc.instance.dir,
      log: zc.logPath,
    };
  };
  io.stdout(a.json ? summaryJson(summary()) : summaryText(summary()));
  const offUpdates = a.json ? () => undefined : followPeers(zc, io, summary);
  await stopRequested(io.stopSignal);
  offUpdates();
  try {
    await zc.stop();
  } finally {
    await control.close();
  }
  if (!a.json) io.stdout('left the overlay\n');
  return EXIT_OK;
}

/** After the summary, a line whenever the number of peers in view (or the state) changes. */
function followPeers(zc: ZeroConfigPeer, io: CliIo, summary: () => StartSummary): () => void {
  let last = peersLine(summary());
  const report = (): void => {
    const line = peersLine(summary());
    if (line === last) return;
    last = line;
    io.stdout(`  peers      ${line}\n`);
  };
  const offs = [zc.peer.node.events.on('table-changed', report), zc.peer.node.events.on('state', report)];
  return () => {
    for (const off of offs) off();
  };
}

export async function runStart(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // Ctrl-C before the peer ran: nothing to leave.
    if (io.stopSignal.aborted && isLocalError(e, 'ERR_CLOSED')) return EXIT_OK;
    io.stderr(`p2psip start: ${errorMessage(e).replace(/\s*\n\s*/g, '; ')}\n`);
    return EXIT_FAILURE;
  }
}
