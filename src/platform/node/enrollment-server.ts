import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { bytesEqual } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { NodeIdAllocations } from '../../enrollment/allocations.js';
import type { HttpRequest } from '../../enrollment/http.js';
import { MEDIA } from '../../enrollment/protocol.js';
import { EnrollmentService, type ServedConfiguration } from '../../enrollment/service.js';
import type { UsersFile } from '../../enrollment/users.js';
import { parseOverlayConfig } from '../../reload/config/parse.js';
import { type CertificateAuthority, issueServerCertificate } from '../../reload/security/ca.js';
import { certificateToPem } from '../../reload/security/certificate.js';
import { verifyConfigurationDocument } from '../../reload/security/config-signature.js';
import { privateKeyToPem } from '../../reload/security/keys.js';
import {
  ALLOCATIONS_FILE,
  readAllocationsFile,
  readUsersFile,
  writeAllocationsFile,
} from './enrollment-files.js';
import { listen, pathOf, readBody, reply } from './enrollment-http.js';
import { OVERLAY_FILE } from './identity-files.js';
import { loadAuthority, readOptional } from './overlay-authority.js';

/**
 * `p2psip enrollment serve`: the EnrollmentService behind node:https. This file owns what a hostile client
 * can abuse: TLS handshake, header and request timeouts (a client trickling bytes is cut off), header and
 * body size limits (a large body is refused with 413 without being read into memory), a connection cap,
 * and the files (overlay.xml and users.json re-read when they change, overlay.xml also on SIGHUP).
 */
export interface EnrollmentServerOptions {
  readonly overlayDir: string;
  readonly host: string;
  readonly port: number;
  readonly usersPath: string;
  readonly log: Logger;
  /** Whole-request limit (headers and body), ms; headers alone get half of it. Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly maxConnections?: number;
}

export interface EnrollmentServerHandle {
  readonly host: string;
  readonly port: number;
  /** Re-reads overlay.xml now (SIGHUP does the same). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A file the service serves from and re-reads when its modification time, size or inode change. A new
 * version that does not load is logged and the previous one kept.
 */
class WatchedFile<T> {
  #value: T;
  #stamp: string;

  private constructor(
    readonly path: string,
    value: T,
    stampNow: string,
    private readonly load: (path: string) => Promise<T>,
    private readonly log: Logger,
    private readonly what: string,
  ) {
    this.#value = value;
    this.#stamp = stampNow;
  }

  static async open<T>(path: string, load: (path: string) => Promise<T>, log: Logger, what: string) {
    return new WatchedFile(path, await load(path), await stamp(path), load, log, what);
  }

  get value(): T {
    return this.#value;
  }

  async refresh(force = false): Promise<void> {
    const now = await stamp(this.path);
    if (!force && now === this.#stamp) return;
    this.#stamp = now;
    try {
      this.#value = await this.load(this.path);
      this.log.info({ file: this.path }, `${this.what} reloaded`);
    } catch (e) {
      this.log.error(
        { file: this.path, reason: errorMessage(e) },
        `${this.what} not reloaded: keeping the previous one`,
      );
    }
  }
}

async function stamp(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}/${s.size}/${s.ino}`;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return 'missing';
    throw e;
  }
}

/** The served document: it must parse, carry a valid signature and configure the same overlay. */
async function readServedConfiguration(
  path: string,
  instanceName: string | undefined,
): Promise<ServedConfiguration> {
  const document = await readOptional(path);
  if (document === undefined) throw new LocalError('ERR_NOT_FOUND', `${path} does not exist`);
  const name = instanceName ?? parseOverlayConfig(document).config.instanceName;
  const v = verifyConfigurationDocument(document, { instanceName: name, now: Date.now() });
  return { document, config: v.config };
}

interface Parts {
  readonly service: EnrollmentService;
  readonly config: WatchedFile<ServedConfiguration>;
  readonly users: WatchedFile<UsersFile>;
  readonly ca: CertificateAuthority;
}

/** The files and the service: overlay.xml, the CA (which must be its root-cert), users and allocations. */
async function assemble(o: EnrollmentServerOptions): Promise<Parts> {
  const log = o.log;
  const configPath = join(o.overlayDir, OVERLAY_FILE);
  const first = await readServedConfiguration(configPath, undefined);
  const name = first.config.instanceName;
  const config = await WatchedFile.open(
    configPath,
    (p) => readServedConfiguration(p, name),
    log,
    'configuration',
  );
  const ca = await loadAuthority(o.overlayDir);
  if (!config.value.config.rootCerts.some((r) => bytesEqual(r, ca.certificate.der))) {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `${configPath} does not list ${o.overlayDir}/ca.crt as a root-cert`,
    );
  }
  const users = await WatchedFile.open(o.usersPath, readUsersFile, log, 'users');
  const allocationsPath = join(o.overlayDir, ALLOCATIONS_FILE);
  const len = config.value.config.nodeIdLength;
  const allocations = new NodeIdAllocations(len, await readAllocationsFile(allocationsPath, len));
  // One write at a time: concurrent enrolments must not race on the temporary file.
  let saving: Promise<void> = Promise.resolve();
  const service = new EnrollmentService({
    ca,
    configuration: () => config.value,
    users: () => users.value,
    allocations,
    saveAllocations: (file) => {
      saving = saving.then(() => writeAllocationsFile(allocationsPath, file));
      return saving;
    },
    log,
  });
  return { service, config, users, ca };
}

/**
 * node:https with every bound a hostile client could abuse: a TLS handshake that never ends
 * (handshakeTimeout), a request head trickled in or never sent after TLS (headersTimeout, checked every
 * connectionsCheckingInterval; the server then closes its side), a body that never ends (requestTimeout),
 * an idle kept-alive connection (keepAliveTimeout), and large headers (maxHeaderSize).
 */
function tlsServer(
  key: string,
  cert: string,
  requestTimeout: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  return createServer(
    {
      key,
      cert,
      handshakeTimeout: Math.min(10_000, requestTimeout),
      headersTimeout: Math.ceil(requestTimeout / 2),
      requestTimeout,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 8 * 1024,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(requestTimeout / 4)),
    },
    handler,
  );
}

async function serve(p: Parts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, res, p.service.limits.maxBodyBytes);
  if (body === undefined) return;
  const path = pathOf(req.url);
  if (path === undefined) {
    reply(res, { status: 400, contentType: MEDIA.text, body: 'bad request target\n' });
    return;
  }
  await p.config.refresh();
  if (req.method === 'POST') await p.users.refresh();
  const request: HttpRequest = {
    method: req.method ?? 'GET',
    path,
    contentType: req.headers['content-type'],
    accept: req.headers.accept,
    body,
    remote: formatHostPort(req.socket.remoteAddress ?? '?', req.socket.remotePort ?? 0),
    now: Date.now(),
  };
  reply(res, await p.service.handle(request));
}

export async function startEnrollmentServer(o: EnrollmentServerOptions): Promise<EnrollmentServerHandle> {
  const log = o.log;
  const parts = await assemble(o);
  const name = parts.config.value.config.instanceName;
  const hosts = [...new Set([o.host, name, ...enrollmentHosts(parts.config.value)])];
  const tls = await issueServerCertificate(parts.ca, {
    hosts,
    now: Date.now(),
    validityMs: 365 * 86_400_000,
  });
  const server = tlsServer(
    privateKeyToPem(tls.privateKey),
    certificateToPem(tls.certificate),
    o.requestTimeoutMs ?? 30_000,
    (req, res) => {
      void serve(parts, req, res).catch((e: unknown) => {
        log.error({ reason: errorMessage(e) }, 'enrolment service: request failed');
        if (!res.headersSent) reply(res, { status: 500, contentType: MEDIA.text, body: 'internal error\n' });
        else res.destroy();
      });
    },
  );
  server.maxConnections = o.maxConnections ?? 256;
  const onHangup = (): void => void parts.config.refresh(true);
  process.on('SIGHUP', onHangup);
  await listen(server, o.host, o.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  log.info({ listen: formatHostPort(o.host, port), overlay: name, hosts }, 'enrolment service listening');
  return {
    host: o.host,
    port,
    reload: () => parts.config.refresh(true),
    close: () =>
      new Promise<void>((resolve) => {
        process.off('SIGHUP', onHangup);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function enrollmentHosts(c: ServedConfiguration): string[] {
  return c.config.enrollmentServers.map((u) => new URL(u).hostname.replace(/^\[(.*)\]$/, '$1'));
}
