import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { bytesEqual } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { NodeIdAllocations } from '../../enrollment/allocations.js';
import type { HttpRequest, HttpResponse } from '../../enrollment/http.js';
import { MEDIA } from '../../enrollment/protocol.js';
import { EnrollmentService, type ServedConfiguration } from '../../enrollment/service.js';
import type { UsersFile } from '../../enrollment/users.js';
import { parseOverlayConfig } from '../../reload/config/parse.js';
import { issueServerCertificate } from '../../reload/security/ca.js';
import { certificateToPem } from '../../reload/security/certificate.js';
import { verifyConfigurationDocument } from '../../reload/security/config-signature.js';
import { privateKeyToPem } from '../../reload/security/keys.js';
import {
  ALLOCATIONS_FILE,
  readAllocationsFile,
  readUsersFile,
  writeAllocationsFile,
} from './enrollment-files.js';
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

interface FileState<T> {
  value: T;
  stamp: string;
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

export async function startEnrollmentServer(o: EnrollmentServerOptions): Promise<EnrollmentServerHandle> {
  const log = o.log;
  const configPath = join(o.overlayDir, OVERLAY_FILE);
  const config: FileState<ServedConfiguration> = {
    value: await readServedConfiguration(configPath, undefined),
    stamp: await stamp(configPath),
  };
  const name = config.value.config.instanceName;
  const ca = await loadAuthority(o.overlayDir);
  if (!config.value.config.rootCerts.some((r) => bytesEqual(r, ca.certificate.der))) {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `${configPath} does not list ${o.overlayDir}/ca.crt as a root-cert`,
    );
  }
  const users: FileState<UsersFile> = {
    value: await readUsersFile(o.usersPath),
    stamp: await stamp(o.usersPath),
  };
  const allocationsPath = join(o.overlayDir, ALLOCATIONS_FILE);
  const nodeIdLength = config.value.config.nodeIdLength;
  const allocations = new NodeIdAllocations(
    nodeIdLength,
    await readAllocationsFile(allocationsPath, nodeIdLength),
  );
  // One write at a time: concurrent enrolments must not race on the temporary file.
  let saving: Promise<void> = Promise.resolve();

  const refreshConfig = async (force: boolean): Promise<void> => {
    const now = await stamp(configPath);
    if (!force && now === config.stamp) return;
    config.stamp = now;
    try {
      config.value = await readServedConfiguration(configPath, name);
      log.info({ sequence: config.value.config.sequence }, 'configuration reloaded');
    } catch (e) {
      log.error({ reason: errorMessage(e) }, 'configuration not reloaded: still serving the previous one');
    }
  };
  const refreshUsers = async (): Promise<void> => {
    const now = await stamp(o.usersPath);
    if (now === users.stamp) return;
    users.stamp = now;
    try {
      users.value = await readUsersFile(o.usersPath);
      log.info({ users: Object.keys(users.value.users).length }, 'users reloaded');
    } catch (e) {
      log.error({ reason: errorMessage(e) }, 'users not reloaded: keeping the previous ones');
    }
  };

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
  const hosts = [...new Set([o.host, name, ...enrollmentHosts(config.value)])];
  const tlsCert = await issueServerCertificate(ca, { hosts, now: Date.now(), validityMs: 365 * 86_400_000 });
  const requestTimeout = o.requestTimeoutMs ?? 30_000;
  const server = createServer(
    {
      key: privateKeyToPem(tlsCert.privateKey),
      cert: certificateToPem(tlsCert.certificate),
      handshakeTimeout: Math.min(10_000, requestTimeout),
      headersTimeout: Math.ceil(requestTimeout / 2),
      requestTimeout,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 8 * 1024,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(requestTimeout / 4)),
    },
    (req, res) => {
      void serve(req, res).catch((e: unknown) => {
        log.error({ reason: errorMessage(e) }, 'enrolment service: request failed');
        if (!res.headersSent) reply(res, { status: 500, contentType: MEDIA.text, body: 'internal error\n' });
        else res.destroy();
      });
    },
  );
  server.maxConnections = o.maxConnections ?? 256;
  // headersTimeout only runs once a request has begun: a client that completes TLS and then says nothing
  // would hold its connection for ever. Any connection quiet for that long is dropped (node:http leaves
  // this socket timeout alone unless server.timeout is set, and resets it only between keep-alive requests,
  // where keepAliveTimeout takes over).
  server.on('secureConnection', (socket) => {
    socket.setTimeout(Math.ceil(requestTimeout / 2), () => socket.destroy());
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, res, service.limits.maxBodyBytes);
    if (body === undefined) return;
    const path = pathOf(req.url);
    if (path === undefined) {
      reply(res, { status: 400, contentType: MEDIA.text, body: 'bad request target\n' });
      return;
    }
    await refreshConfig(false);
    if (req.method === 'POST') await refreshUsers();
    const request: HttpRequest = {
      method: req.method ?? 'GET',
      path,
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      body,
      remote: formatHostPort(req.socket.remoteAddress ?? '?', req.socket.remotePort ?? 0),
      now: Date.now(),
    };
    reply(res, await service.handle(request));
  }

  const onHangup = (): void => void refreshConfig(true);
  process.on('SIGHUP', onHangup);
  await listen(server, o.host, o.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  log.info({ listen: formatHostPort(o.host, port), overlay: name, hosts }, 'enrolment service listening');
  return {
    host: o.host,
    port,
    reload: () => refreshConfig(true),
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

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) =>
      reject(new LocalError('ERR_IO', `cannot listen on ${formatHostPort(host, port)}: ${errorMessage(e)}`)),
    );
    server.listen(port, host, () => resolve());
  });
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'https://enrollment.invalid').pathname;
  } catch {
    return undefined;
  }
}

/**
 * The request body, at most `max` bytes. Above that (by Content-Length, or while streaming) the answer is
 * 413 and the connection closes: what was sent so far is dropped chunk by chunk, never accumulated.
 */
function readBody(req: IncomingMessage, res: ServerResponse, max: number): Promise<Uint8Array | undefined> {
  const tooLarge = (): undefined => {
    res.setHeader('Connection', 'close');
    reply(res, { status: 413, contentType: MEDIA.text, body: `request body larger than ${max} bytes\n` });
    res.on('finish', () => req.socket.destroy());
    return undefined;
  };
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) return Promise.resolve(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size < 0) return;
      size += chunk.length;
      if (size > max) {
        size = -1;
        chunks.length = 0;
        resolve(tooLarge());
        return;
      }
      chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    req.on('end', () => {
      if (size < 0) return;
      const out = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      resolve(out);
    });
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, r: HttpResponse): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body);
  res.writeHead(r.status, {
    'Content-Type': r.contentType,
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...r.headers,
  });
  res.end(body);
}
