import { fromUtf8 } from '../core/bytes.js';
import { errorMessage, isLocalError } from '../core/errors.js';
import type { NodeId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { OverlayConfig } from '../reload/config/overlay-config.js';
import { type CertificateAuthority, randomNodeId } from '../reload/security/ca.js';
import { trustSettingsFromConfig } from '../reload/security/trust.js';
import type { AllocationsFile, NodeIdAllocations } from './allocations.js';
import { BootstrapRegistry, parseAnnouncement, verifyAnnouncement } from './announcement.js';
import { handleEnrollment } from './enroll-handler.js';
import type { HttpRequest, HttpResponse } from './http.js';
import {
  BOOTSTRAP_PATH,
  CONFIG_PATH,
  ENROLL_PATHS,
  ENROLLMENT_LIMITS,
  type EnrollmentLimits,
  MEDIA,
} from './protocol.js';
import type { UsersFile } from './users.js';

/**
 * The enrolment, configuration and bootstrap service (DESIGN §1: one HTTPS service), sans-I/O: platform/node
 * owns the TLS listener, the limits on bytes and time, and the files; this class decides every answer.
 *
 *   GET  /.well-known/reload-config   the signed configuration document (RFC 6940 §11.2)
 *   POST /enroll (or /)               a certificate for a CSR (RFC 6940 §11.3)
 *   GET  /bootstrap                   configured and announced bootstrap peers, JSON
 *   POST /bootstrap                   a signed announcement from a peer of the overlay
 */
export interface ServedConfiguration {
  /** The document exactly as stored: its signature covers these bytes. */
  readonly document: Uint8Array;
  readonly config: OverlayConfig;
}

export interface EnrollmentServiceDeps {
  readonly ca: CertificateAuthority;
  /** The document to serve now (the platform re-reads overlay.xml when it changes). */
  readonly configuration: () => ServedConfiguration;
  /** The accounts now (the platform re-reads users.json when it changes). */
  readonly users: () => UsersFile;
  readonly allocations: NodeIdAllocations;
  readonly saveAllocations: (file: AllocationsFile) => Promise<void>;
  readonly log: Logger;
  /** Default: node:crypto random Node-IDs. Tests may pass their own. */
  readonly freshNodeId?: (nodeIdLength: number) => NodeId;
  readonly limits?: Partial<EnrollmentLimits>;
  readonly bootstrap?: BootstrapRegistry;
}

const text = (status: number, body: string, headers?: Record<string, string>): HttpResponse => ({
  status,
  contentType: MEDIA.text,
  body: `${body}\n`,
  ...(headers === undefined ? {} : { headers }),
});

export class EnrollmentService {
  readonly #deps: EnrollmentServiceDeps;
  readonly #limits: EnrollmentLimits;
  readonly #bootstrap: BootstrapRegistry;
  #inFlight = 0;

  constructor(deps: EnrollmentServiceDeps) {
    this.#deps = deps;
    this.#limits = { ...ENROLLMENT_LIMITS, ...deps.limits };
    this.#bootstrap = deps.bootstrap ?? new BootstrapRegistry();
  }

  get limits(): EnrollmentLimits {
    return this.#limits;
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (req.path === CONFIG_PATH) {
      if (!isGet) return text(405, 'method not allowed', { Allow: 'GET, HEAD' });
      return { status: 200, contentType: MEDIA.config, body: this.#deps.configuration().document };
    }
    if (req.path === BOOTSTRAP_PATH) {
      if (isGet) return this.#bootstrapList(req.now);
      if (req.method === 'POST') return this.#announce(req);
      return text(405, 'method not allowed', { Allow: 'GET, HEAD, POST' });
    }
    if (ENROLL_PATHS.includes(req.path)) {
      if (req.method !== 'POST') return text(405, 'method not allowed', { Allow: 'POST' });
      return this.#enroll(req);
    }
    return text(404, 'not found');
  }

  async #enroll(req: HttpRequest): Promise<HttpResponse> {
    // scrypt and certificate signing cost CPU on purpose; a crowd of requests waits at the door instead.
    if (this.#inFlight >= this.#limits.maxConcurrent) return text(503, 'busy', { 'Retry-After': '1' });
    this.#inFlight++;
    try {
      const d = this.#deps;
      return await handleEnrollment(req, {
        ca: d.ca,
        config: () => d.configuration().config,
        users: d.users,
        allocations: d.allocations,
        saveAllocations: d.saveAllocations,
        freshNodeId: d.freshNodeId ?? randomNodeId,
        limits: this.#limits,
        log: d.log,
      });
    } finally {
      this.#inFlight--;
    }
  }

  #bootstrapList(now: number): HttpResponse {
    const config = this.#deps.configuration().config;
    const nodes = [
      ...config.bootstrapNodes.map((b) => ({ address: b.address, port: b.port, source: 'configuration' })),
      ...this.#bootstrap.list(now).map((e) => ({ ...e, source: 'announced' })),
    ];
    const body = JSON.stringify({ overlay: config.instanceName, nodes });
    return { status: 200, contentType: MEDIA.json, body: `${body}\n` };
  }

  #announce(req: HttpRequest): HttpResponse {
    const config = this.#deps.configuration().config;
    const log = this.#deps.log.child({ remote: req.remote });
    try {
      const a = parseAnnouncement(JSON.parse(fromUtf8(req.body)));
      const peer = verifyAnnouncement(a, trustSettingsFromConfig(config), req.now);
      const entry = this.#bootstrap.announce(peer, config.nodeIdLength, req.now);
      log.info(
        { nodeId: entry.nodeId, address: entry.address, port: entry.port },
        'bootstrap peer announced',
      );
      return { status: 200, contentType: MEDIA.json, body: `${JSON.stringify(entry)}\n` };
    } catch (e) {
      const forbidden = isLocalError(e, 'ERR_FORBIDDEN') || isLocalError(e, 'ERR_BAD_CERT');
      log.warn({ reason: errorMessage(e) }, 'bootstrap announcement refused');
      return text(forbidden ? 403 : 400, errorMessage(e).split('\n')[0] ?? 'refused');
    }
  }
}
