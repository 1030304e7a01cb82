import { parseHostPort } from '../core/ip.js';
import { BOOTSTRAP_PATH } from '../enrollment/protocol.js';
import type { HostPort } from '../reload/node/attach.js';
import { UsageError } from './command.js';

/** `--NAME HOST:PORT` (or HOST alone with `defaultPort`) as an address, or a one-line UsageError. */
export function hostPortOption(name: string, text: string, defaultPort?: number): HostPort {
  const hp = parseHostPort(text, defaultPort);
  if (hp === undefined) {
    throw new UsageError(`--${name} ${JSON.stringify(text)}: want IP:PORT or [IPv6]:PORT`);
  }
  return hp;
}

/**
 * `--bootstrap-server URL`: an https base URL of an enrolment service (its /bootstrap list, decision 0024),
 * or the full URL of the list.
 */
export function bootstrapServerOptions(texts: readonly string[] | undefined): URL[] {
  return (texts ?? []).map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`--bootstrap-server ${JSON.stringify(text)} is not a URL`);
    }
    if (url.protocol !== 'https:') throw new UsageError(`--bootstrap-server ${text}: want an https: URL`);
    return url.pathname === '' || url.pathname === '/' ? new URL(BOOTSTRAP_PATH, url) : url;
  });
}
