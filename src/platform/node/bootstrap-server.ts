import { fromUtf8, utf8 } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import { ipFamily } from '../../core/ip.js';
import { signAnnouncement } from '../../enrollment/announcement.js';
import { BOOTSTRAP_PATH, MEDIA } from '../../enrollment/protocol.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import type { HostPort } from '../../reload/node/attach.js';
import { certificateToPem } from '../../reload/security/certificate.js';
import type { NodeIdentity } from '../../reload/security/identity.js';
import { httpsRequest } from './https-client.js';

/**
 * The client of a bootstrap server (the enrolment service's `/bootstrap`, decision 0024): GET the list of
 * configured and announced peers, POST a signed announcement of ourselves. The server is checked against
 * the overlay's root-certs, as for every request to the enrolment service after the first document.
 */
export const ANNOUNCE_EVERY_MS = 4 * 60_000;
const TIMEOUT_MS = 10_000;

/** Every bootstrap server of the overlay: those given, then the document's enrollment-servers (§11.1). */
export function bootstrapServers(config: OverlayConfig, given: readonly URL[]): URL[] {
  const fromDocument = config.enrollmentServers.map((s) => new URL(BOOTSTRAP_PATH, s));
  const seen = new Set<string>();
  return [...given, ...fromDocument].filter((u) => {
    if (seen.has(u.href)) return false;
    seen.add(u.href);
    return true;
  });
}

function trustOf(config: OverlayConfig): string[] {
  if (config.rootCerts.length === 0) {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `overlay ${config.instanceName} has no root-cert to check a bootstrap server with`,
    );
  }
  return config.rootCerts.map((der) => certificateToPem(der));
}

/** GET /bootstrap: the peers it lists for our overlay. */
export async function fetchBootstrapList(url: URL, config: OverlayConfig): Promise<HostPort[]> {
  const res = await httpsRequest(url, {
    method: 'GET',
    headers: { Accept: MEDIA.json },
    trust: trustOf(config),
    timeoutMs: TIMEOUT_MS,
  });
  if (res.status !== 200) throw new LocalError('ERR_REMOTE', `${url.href} answered ${res.status}`);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(res.body));
  } catch {
    throw new LocalError('ERR_REMOTE', `${url.href} did not answer JSON`);
  }
  const body = json as { overlay?: unknown; nodes?: unknown };
  if (body.overlay !== config.instanceName || !Array.isArray(body.nodes)) {
    throw new LocalError('ERR_REMOTE', `${url.href} did not list peers of ${config.instanceName}`);
  }
  const out: HostPort[] = [];
  for (const n of body.nodes as unknown[]) {
    const { address, port } = (n ?? {}) as { address?: unknown; port?: unknown };
    if (typeof address !== 'string' || ipFamily(address) === undefined) continue;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    out.push({ host: address, port });
  }
  return out;
}

/** POST /bootstrap: a signed announcement that we accept links at `listen` (valid for a few minutes). */
export async function announceToServer(
  url: URL,
  config: OverlayConfig,
  identity: NodeIdentity,
  listen: HostPort,
  now: number,
): Promise<void> {
  const a = signAnnouncement(identity, {
    overlay: config.instanceName,
    address: listen.host,
    port: listen.port,
    time: now,
  });
  const res = await httpsRequest(url, {
    method: 'POST',
    headers: { 'Content-Type': MEDIA.json, Accept: MEDIA.json },
    body: utf8(JSON.stringify(a)),
    trust: trustOf(config),
    timeoutMs: TIMEOUT_MS,
  });
  if (res.status !== 200) {
    const why = new TextDecoder().decode(res.body.subarray(0, 200)).trim();
    throw new LocalError('ERR_REMOTE', `${url.href} refused the announcement: ${res.status} ${why}`);
  }
}
