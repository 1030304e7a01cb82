import { join } from 'node:path';
import { fromUtf8 } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import {
  type AllocationsFile,
  formatAllocationsFile,
  parseAllocationsFile,
} from '../../enrollment/allocations.js';
import { hashPassword, SCRYPT_DEFAULTS, type ScryptParameters } from '../../enrollment/passwords.js';
import {
  EMPTY_USERS,
  formatUsersFile,
  isAccountName,
  parseUsersFile,
  type UsersFile,
  withUser,
} from '../../enrollment/users.js';
import { inFile, writeAtomically } from './identity-files.js';
import { readOptional } from './overlay-authority.js';

/**
 * The enrolment server's own files: users.json (accounts, written by `p2psip enrollment add-user`) and
 * nodeids.json (the Node-IDs given to each user and key, written by the server). Both mode 0600: one
 * holds password hashes, the other who is who on the ring.
 */
export const USERS_FILE = 'users.json';
export const ALLOCATIONS_FILE = 'nodeids.json';

export function defaultUsersPath(overlayDir: string): string {
  return join(overlayDir, USERS_FILE);
}

export async function readUsersFile(path: string): Promise<UsersFile> {
  const bytes = await readOptional(path);
  if (bytes === undefined) return EMPTY_USERS;
  return inFile(path, () => parseUsersFile(fromUtf8(bytes)));
}

/** Adds (or replaces) an account with a fresh salt; returns whether it replaced one. */
export async function addUser(
  path: string,
  o: { account: string; password: string; overlay: string; scrypt?: ScryptParameters },
): Promise<boolean> {
  if (!isAccountName(o.account, o.overlay)) {
    throw new LocalError(
      'ERR_BAD_INPUT',
      `--user ${JSON.stringify(o.account)}: want a name of letters, digits and ._-+ (or user@domain)`,
    );
  }
  if (o.password === '') throw new LocalError('ERR_BAD_INPUT', 'the password must not be empty');
  const file = await readUsersFile(path);
  const replaced = Object.hasOwn(file.users, o.account);
  const hash = await hashPassword(o.password, o.scrypt ?? SCRYPT_DEFAULTS);
  await writeAtomically(path, formatUsersFile(withUser(file, o.account, hash)), 0o600);
  return replaced;
}

export async function readAllocationsFile(
  path: string,
  nodeIdLength: number,
): Promise<AllocationsFile | undefined> {
  const bytes = await readOptional(path);
  if (bytes === undefined) return undefined;
  return inFile(path, () => parseAllocationsFile(fromUtf8(bytes), nodeIdLength));
}

export async function writeAllocationsFile(path: string, file: AllocationsFile): Promise<void> {
  await writeAtomically(path, formatAllocationsFile(file), 0o600);
}
