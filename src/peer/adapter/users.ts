import type { DigestAlgorithm } from '../../sip/auth/digest.js';
import { type Aor, aorDomain, aorUser } from './aor.js';

/**
 * The SIP users an adapter serves (`p2psip users add|list|remove`). Passwords are never kept: only HA1
 * per algorithm for the realm, which is the AOR's domain (RFC 3261 §22.1 suggests the domain).
 */
export interface SipUser {
  readonly aor: Aor;
  readonly realm: string;
  /** HA1 = H(username:realm:password) per digest algorithm (RFC 7616 §3.4.2), hex. */
  readonly ha1: Readonly<Partial<Record<DigestAlgorithm, string>>>;
}

export interface UserDirectory {
  /** The user whose AOR this is, if this adapter serves it. */
  byAor(aor: Aor): SipUser | undefined;
  all(): readonly SipUser[];
}

export class MemoryUserDirectory implements UserDirectory {
  readonly #users = new Map<Aor, SipUser>();

  constructor(users: readonly SipUser[] = []) {
    for (const u of users) this.#users.set(u.aor, u);
  }

  byAor(aor: Aor): SipUser | undefined {
    return this.#users.get(aor);
  }

  all(): readonly SipUser[] {
    return [...this.#users.values()];
  }

  set(user: SipUser): void {
    this.#users.set(user.aor, user);
  }

  delete(aor: Aor): boolean {
    return this.#users.delete(aor);
  }
}

/**
 * The digest username a phone may use for a user: the whole AOR or, as most phones do, its user part
 * (the realm being the AOR's domain).
 */
export function matchesUsername(user: SipUser, username: string): boolean {
  return username === user.aor || (username === aorUser(user.aor) && user.realm === aorDomain(user.aor));
}
