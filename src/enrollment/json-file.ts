import { LocalError } from '../core/errors.js';

/**
 * The envelope both of the service's files share, `{"version": 1, "users": {...}}`: returns the users
 * object, or throws ERR_BAD_INPUT naming the file.
 */
export function usersObject(text: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LocalError('ERR_BAD_INPUT', `${what}: not JSON`);
  }
  const o = json as { version?: unknown; users?: unknown };
  const ok =
    typeof o === 'object' &&
    o !== null &&
    o.version === 1 &&
    typeof o.users === 'object' &&
    o.users !== null &&
    !Array.isArray(o.users);
  if (!ok) throw new LocalError('ERR_BAD_INPUT', `${what}: want {"version": 1, "users": {...}}`);
  return o.users as Record<string, unknown>;
}
