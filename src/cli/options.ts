import { parseHostPort } from '../core/ip.js';
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
