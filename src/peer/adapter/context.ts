import type { Logger } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import type { TimerTable } from '../../core/timer-table.js';
import type { DigestAlgorithm } from '../../sip/auth/digest.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { TransactionManager } from '../../sip/transaction/manager.js';
import type { ServerTransactionHandle } from '../../sip/transaction/types.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import type { BindingStore } from './bindings.js';
import type { AdapterOverlay } from './overlay-port.js';
import type { RegistrarOptions } from './registrar.js';
import type { AdapterStats } from './stats.js';
import type { SelfAddresses } from './targets.js';
import type { UserDirectory } from './users.js';

export interface AdapterOptions extends SelfAddresses {
  readonly registrar?: RegistrarOptions;
  /** Secret for unforgeable digest nonces (≥ 16 bytes, from a cryptographic source). */
  readonly nonceSecret: Uint8Array;
  /** How long before its overlay lifetime runs out a registration is stored again. */
  readonly refreshMargin?: number;
  /** How long (ms) a lookup is reused for more calls to the same AOR; 0 looks up every time. */
  readonly routeCacheTtl?: number;
  /**
   * The digest challenges offered, in this order (default SHA-256 then MD5, RFC 8760 §2.4). Clients that
   * read only the first challenge and know only MD5 (SIPp 3.6, older phones) need MD5 first.
   */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
}

export interface AdapterDeps {
  readonly users: UserDirectory;
  readonly overlay: AdapterOverlay;
  readonly random: Random;
  readonly log: Logger;
}

/** What the registration service and the proxy share with the adapter that composes them. */
export interface AdapterContext {
  readonly opts: AdapterOptions;
  readonly deps: AdapterDeps;
  readonly transactions: TransactionManager;
  readonly bindings: BindingStore;
  readonly stats: AdapterStats;
  /** Named deadlines of the adapter (`refresh:<aor>`, `stray:<branch>`). */
  readonly timers: TimerTable<string>;
  now(): number;
  /** Sends a final or provisional response of our own to a server transaction. */
  respond(
    st: ServerTransactionHandle,
    request: SipMessage,
    status: number,
    reason?: string,
    headers?: ReadonlyArray<readonly [string, string]>,
  ): void;
  /** Moves what the transaction layer produced to the adapter's outputs (after every callback). */
  drain(): void;
  /** A new Via branch of ours for this request (loop-detectable, RFC 3261 §16.6 step 8). */
  branch(req: SipMessage): string;
  /** Whether a message came over an AppAttach connection from another adapter. */
  fromOverlay(source: TransportAddress): boolean;
}
