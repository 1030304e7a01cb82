import { tryFromBase64 } from '../core/bytes.js';
import { LocalError } from '../core/errors.js';
import { isUserName } from '../reload/security/node-certificate.js';
import { usersObject } from './json-file.js';
import { isScryptParameters, type PasswordHash } from './passwords.js';

/**
 * The enrolment server's accounts (users.json): account name → scrypt password hash. Written by
 * `p2psip enrollment add-user`, read (and re-read when it changes) by `p2psip enrollment serve`.
 */
export interface UsersFile {
  readonly version: 1;
  readonly users: Readonly<Record<string, PasswordHash>>;
}

export const EMPTY_USERS: UsersFile = Object.freeze({ version: 1, users: Object.freeze({}) });

/** Accounts in one file; a sanity bound so a hostile file cannot make the server allocate without end. */
export const MAX_USERS = 100_000;

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_INPUT', `users file: ${message}`);
}

/**
 * The user name a certificate carries for an account (RFC 6940 §11.3: one rfc822Name): the account itself
 * when it is already `user@domain`, else `account@overlay`.
 */
export function certificateUserName(account: string, overlay: string): string {
  return account.includes('@') ? account : `${account}@${overlay}`;
}

/**
 * RFC 6940 §11.3: "Enrollment servers SHOULD take care to allow only legal characters in the name (e.g.,
 * no embedded NULs)". An account is usable when its certificate user name is a plain rfc822Name.
 */
export function isAccountName(account: string, overlay: string): boolean {
  return account.length > 0 && account.length <= 128 && isUserName(certificateUserName(account, overlay));
}

function isHash(v: unknown): v is PasswordHash {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  const numbers = ['N', 'r', 'p'].every((k) => Number.isSafeInteger(h[k]));
  return (
    numbers &&
    typeof h.salt === 'string' &&
    typeof h.hash === 'string' &&
    tryFromBase64(h.salt) !== undefined &&
    tryFromBase64(h.hash) !== undefined &&
    isScryptParameters(h as unknown as PasswordHash)
  );
}

export function parseUsersFile(text: string): UsersFile {
  const all = usersObject(text, 'users file');
  const entries = Object.entries(all);
  if (entries.length > MAX_USERS) throw bad(`more than ${MAX_USERS} users`);
  // No prototype: an account named __proto__ stays an account.
  const users: Record<string, PasswordHash> = Object.create(null);
  for (const [name, h] of entries) {
    if (!isHash(h)) throw bad(`the entry of ${JSON.stringify(name)} is not an scrypt hash we accept`);
    users[name] = { salt: h.salt, hash: h.hash, N: h.N, r: h.r, p: h.p };
  }
  return { version: 1, users };
}

export function withUser(file: UsersFile, account: string, hash: PasswordHash): UsersFile {
  return { version: 1, users: { ...file.users, [account]: hash } };
}

export function formatUsersFile(file: UsersFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The account a request names: the account of that name, else, for `user@overlay`, account `user`, whose
 * certificates carry that very name (certificateUserName). An adapter asks with the AOR of the SIP user it
 * serves (docs/decisions/0013-adapter-identities.md), which is `user@overlay` when the AOR's domain is the
 * overlay's name.
 */
export function accountFor(file: UsersFile, name: string, overlay: string): string | undefined {
  if (findUser(file, name) !== undefined) return name;
  const suffix = `@${overlay}`;
  if (!name.endsWith(suffix)) return undefined;
  const short = name.slice(0, -suffix.length);
  return short.includes('@') || findUser(file, short) === undefined ? undefined : short;
}

/** The record of an account; own properties only, so "__proto__" or "toString" are never accounts. */
export function findUser(file: UsersFile, account: string): PasswordHash | undefined {
  return Object.hasOwn(file.users, account) ? file.users[account] : undefined;
}
