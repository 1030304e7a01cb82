import type { NodeId } from '../../core/ids.js';
import type { Destination } from '../../reload/messages/common.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import type { Aor } from './aor.js';

/**
 * What the adapter needs from the overlay (implemented in src/peer/adapter/reload-overlay.ts on a
 * ReloadNode): the RFC 7904 SIP usage — publish and look up SIP-REGISTRATION values, and open SIP
 * connections to other adapters with AppAttach.
 */
export interface OverlayRoute {
  /** The Node-ID at the end of the route's destination list: the adapter to connect to. */
  readonly node: NodeId;
  readonly destinationList: readonly Destination[];
  /** RFC 7904 §3.1 contact_prefs (RFC 3840 feature parameters), often empty. */
  readonly contactPrefs: string;
}

export type OverlayResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type LookupResult =
  | { readonly ok: true; readonly routes: readonly OverlayRoute[]; readonly uris: readonly string[] }
  | { readonly ok: false; readonly reason: string };

export type ConnectResult =
  | { readonly ok: true; readonly address: TransportAddress }
  | { readonly ok: false; readonly reason: string };

export interface AdapterOverlay {
  readonly localId: NodeId;
  /** Stores (or refreshes) this adapter's registration for the AOR, valid for `lifetime` seconds. */
  publish(aor: Aor, lifetime: number, callback: (r: OverlayResult) => void): void;
  /** Removes this adapter's registration for the AOR (a value with exists = false, RFC 6940 §7.2.?). */
  withdraw(aor: Aor, callback: (r: OverlayResult) => void): void;
  /** Every registration of the AOR (a wildcard dictionary Fetch of SIP-REGISTRATION at H(AOR)). */
  lookup(aor: Aor, callback: (r: LookupResult) => void): void;
  /** A SIP connection to the adapter at the end of a route (AppAttach, application 5060), reused while alive. */
  connect(route: OverlayRoute, callback: (r: ConnectResult) => void): void;
}
