import { kindId, type NodeId, nodeIdToBytes } from '../../core/ids.js';
import { KindCode } from '../../reload/messages/codes.js';
import { type SipRegistration, sipRegistration } from '../../reload/messages/sip-registration.js';
import type { ReloadNode } from '../../reload/node.js';
import type { Signer } from '../../reload/security/signer.js';
import type { StoreResult } from '../../reload/storage/client.js';
import type { SipAppAttach } from '../../usages/sip/app-attach.js';
import { CodecError, decode, encode } from '../../wire/index.js';
import type { Aor } from './aor.js';
import type {
  AdapterOverlay,
  ConnectResult,
  LookupResult,
  OverlayResult,
  OverlayRoute,
} from './overlay-port.js';

/**
 * The adapter's overlay on a ReloadNode (RFC 7904): its registrations are SIP-REGISTRATION values at
 * H(AOR), a dictionary entry keyed by this node's Node-ID holding a route to this node (§3), signed with
 * the certificate whose user name is the AOR (USER-NODE-MATCH, docs/decisions/0013-adapter-identities.md);
 * lookups are wildcard fetches; connections to other adapters come from AppAttach (§4).
 */
export interface UserSigners {
  /** The identity of this node whose user name is `aor`, or undefined when the adapter has none. */
  signerFor(aor: Aor): Signer | undefined;
}

const SIP_REGISTRATION = kindId(KindCode.SIP_REGISTRATION);

export class ReloadAdapterOverlay implements AdapterOverlay {
  readonly #node: ReloadNode;
  readonly #apps: SipAppAttach;
  readonly #signers: UserSigners;
  readonly #now: () => number;

  constructor(node: ReloadNode, apps: SipAppAttach, signers: UserSigners, now: () => number) {
    this.#node = node;
    this.#apps = apps;
    this.#signers = signers;
    this.#now = now;
  }

  get localId(): NodeId {
    return this.#node.localId;
  }

  #key(): Uint8Array {
    return nodeIdToBytes(this.localId, this.#node.config.nodeIdLength);
  }

  #store(
    aor: Aor,
    lifetime: number,
    value: Uint8Array,
    exists: boolean,
    callback: (r: OverlayResult) => void,
  ): void {
    const signer = this.#signers.signerFor(aor);
    if (signer === undefined) {
      callback({ ok: false, reason: `no certificate for ${aor} on this adapter` });
      return;
    }
    const done = (r: StoreResult): void => callback(r.ok ? { ok: true } : { ok: false, reason: r.reason });
    this.#node.store(
      SIP_REGISTRATION,
      aor,
      [{ key: this.#key(), value, exists }],
      lifetime,
      this.#now(),
      done,
      {
        signer,
      },
    );
  }

  publish(aor: Aor, lifetime: number, callback: (r: OverlayResult) => void): void {
    // RFC 7904 §3.2: a route whose destination list reaches this peer; no contact preferences.
    const route: SipRegistration = {
      type: 'route',
      contactPrefs: '',
      destinationList: [{ type: 'node', id: this.localId }],
    };
    this.#store(
      aor,
      lifetime,
      encode(sipRegistration, route, this.#node.transport.codecContext),
      true,
      callback,
    );
  }

  withdraw(aor: Aor, callback: (r: OverlayResult) => void): void {
    // RFC 6940 §7.2.?: a deletion is a value with exists = false; it lives as long as what it replaces.
    this.#store(aor, 2 * 3600, new Uint8Array(0), false, callback);
  }

  lookup(aor: Aor, callback: (r: LookupResult) => void): void {
    lookupRegistrations(this.#node, aor, this.#now(), callback);
  }

  connect(route: OverlayRoute, callback: (r: ConnectResult) => void): void {
    this.#apps.open(route.destinationList, this.#now(), (r) => {
      if (!r.ok) {
        callback({ ok: false, reason: r.reason });
        return;
      }
      // Messages go out on the connection itself; host and port only label it.
      callback({
        ok: true,
        address: { transport: 'tls', host: '0.0.0.0', port: 0, connection: r.connection },
      });
    });
  }
}

/**
 * Every registration of an AOR (RFC 7904 §3): a wildcard dictionary Fetch of SIP-REGISTRATION at H(AOR),
 * the routes whose destination list ends at a node and the plain URIs. Deleted, empty and undecodable
 * values are skipped. Any peer can ask (`p2psip lookup`), adapter or not.
 */
export function lookupRegistrations(
  node: ReloadNode,
  aor: Aor,
  now: number,
  callback: (r: LookupResult) => void,
): void {
  node.fetch(SIP_REGISTRATION, aor, {}, now, (r) => {
    if (!r.ok) {
      callback({ ok: false, reason: r.reason });
      return;
    }
    const routes: OverlayRoute[] = [];
    const uris: string[] = [];
    for (const k of r.kinds) {
      for (const v of k.values) {
        if (!v.value.exists || v.value.value.length === 0) continue;
        const reg = decodeRegistration(v.value.value, node);
        if (reg?.type === 'uri') uris.push(reg.uri);
        if (reg?.type !== 'route') continue;
        const last = reg.destinationList[reg.destinationList.length - 1];
        if (last?.type !== 'node') continue;
        routes.push({ node: last.id, destinationList: reg.destinationList, contactPrefs: reg.contactPrefs });
      }
    }
    callback({ ok: true, routes, uris });
  });
}

function decodeRegistration(bytes: Uint8Array, node: ReloadNode): SipRegistration | undefined {
  try {
    return decode(sipRegistration, bytes, node.transport.codecContext, 'SipRegistration');
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    return undefined;
  }
}
