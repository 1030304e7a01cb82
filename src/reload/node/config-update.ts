import { bytesEqual } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { type KindId, type NodeId, nodeIdToHex } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { decode, encode } from '../../wire/index.js';
import type { KindDefinition, OverlayConfig } from '../config/overlay-config.js';
import { parseOverlayConfig } from '../config/parse.js';
import { CONFIG_UPDATE_ANY_SEQUENCE, isNewerSequence } from '../config/sequence.js';
import { unsupportedFeatures } from '../config/supported.js';
import { ErrorCode, MessageCode } from '../messages/codes.js';
import type { Destination } from '../messages/common.js';
import { configUpdateAns, configUpdateReq } from '../messages/config-update.js';
import {
  type VerifiedConfiguration,
  verifyConfigurationDocument,
  verifyKindBlocks,
} from '../security/config-signature.js';
import { changedParameters } from './config-changes.js';
import type { MessageTransport } from './message-transport.js';
import { SendLimiter } from './send-limiter.js';
import type { IncomingRequest } from './types.js';

/**
 * ConfigUpdate (RFC 6940 §6.5.4) and configuration sequence handling (§6.3.2.1), sans-I/O. A newer,
 * correctly signed document is installed and handed to the driver (which writes overlay.xml); a node
 * found running an older one gets ours; a node running a newer one makes us tell the driver to fetch it.
 */
export type InstalledConfiguration = Pick<VerifiedConfiguration, 'config' | 'document' | 'kindSigners'>;

export interface ConfigUpdateEvents {
  /**
   * A newer document is in force. The driver stores `document` and applies what the core could not:
   * `restartNeeded` names changed parameters that take effect only when the node restarts, and
   * `unsupported` what we cannot do at all (RFC 6940 §11.1: such a node "MUST exit the overlay").
   */
  installed: {
    readonly config: OverlayConfig;
    readonly document: Uint8Array;
    readonly previousSequence: number;
    /** The node that sent it, undefined when the driver offered it. */
    readonly from: NodeId | undefined;
    readonly restartNeeded: readonly string[];
    readonly unsupported: readonly string[];
  };
  /** The kinds in force changed through a ConfigUpdate of type kind. */
  kinds: { readonly kinds: readonly KindDefinition[]; readonly from: NodeId };
  /**
   * A node runs a newer configuration than ours. RFC 6940 §6.5.4.2: the recovery "is to attempt to
   * retrieve a new Configuration Document, typically by the mechanisms used for initial bootstrapping":
   * the driver fetches it (HTTPS) and calls `offer`.
   */
  outdated: {
    readonly theirs: number;
    readonly ours: number;
    readonly origin: NodeId;
    readonly instanceName: string;
    readonly enrollmentServers: readonly string[];
  };
  /** A ConfigUpdate we refused. */
  rejected: { readonly from: NodeId; readonly errorCode: number; readonly reason: string };
  [event: string]: unknown;
}

export interface ConfigUpdateOptions {
  /** Minimum time between two ConfigUpdates to one node for one sequence (ms); default 30 s. */
  readonly resendInterval?: number;
}

/** Who signed a kind: its kind-signer, or the configuration itself for a kind without a kind-signature. */
const FROM_CONFIGURATION = 'configuration';

interface KnownKind {
  readonly kind: KindDefinition;
  /** A kind-signer's hex Node-ID, or FROM_CONFIGURATION. */
  readonly signer: string;
}

export class ConfigUpdates {
  readonly events = new TypedEmitter<ConfigUpdateEvents>();
  readonly #transport: MessageTransport;
  readonly #log: Logger;
  readonly #pushes: SendLimiter;
  readonly #outdated: SendLimiter;
  #current: InstalledConfiguration;
  /** The kinds in force and who signed each (RFC 6940 §6.5.4.2 refuses a kind from a different signer). */
  #kinds = new Map<KindId, KnownKind>();

  constructor(
    transport: MessageTransport,
    current: InstalledConfiguration,
    log: Logger,
    options: ConfigUpdateOptions = {},
  ) {
    this.#transport = transport;
    this.#log = log;
    this.#current = current;
    const interval = options.resendInterval ?? 30_000;
    this.#pushes = new SendLimiter(interval);
    this.#outdated = new SendLimiter(interval);
    this.#resetKinds(current, new Map());
    transport.setConfigurationSequence(current.config.sequence);
    transport.handle(MessageCode.config_update_req, (req) => this.#onRequest(req));
    transport.responder.events.on('config-mismatch', (e) =>
      this.#onMismatch(e.theirs, e.origin, e.path, e.now),
    );
  }

  get config(): OverlayConfig {
    return this.#current.config;
  }

  get document(): Uint8Array {
    return this.#current.document;
  }

  get kinds(): KindDefinition[] {
    return [...this.#kinds.values()].map((k) => k.kind);
  }

  /**
   * A document that reached the driver another way (fetched over HTTPS after an `outdated` event, or
   * edited by the operator): verified against the one in force, installed and passed on to our links.
   * Throws LocalError ERR_BAD_CONFIG when it is not acceptable.
   */
  offer(document: Uint8Array, now: number): OverlayConfig {
    const v = verifyConfigurationDocument(document, {
      instanceName: this.#current.config.instanceName,
      now,
      previous: this.#current.config,
    });
    this.#install(v, undefined, now);
    return v.config;
  }

  /**
   * Sends our document to `node` (RFC 6940 §6.5.4), at most once per resendInterval for one sequence.
   * `path` is a destination list ending at `node` (default: route to its Node-ID).
   */
  push(node: NodeId, now: number, path: readonly Destination[] = [{ type: 'node', id: node }]): void {
    const seq = this.#current.config.sequence;
    if (!this.#pushes.allow(`${node.toString(16)}/${seq}`, now)) return;
    this.#transport.request(
      {
        destination: path,
        code: MessageCode.config_update_req,
        body: encode(configUpdateReq, { type: 'config', configData: this.#current.document }),
        configurationSequence: CONFIG_UPDATE_ANY_SEQUENCE,
      },
      now,
      (r) => {
        if (!r.ok) this.#log.debug({ node: this.#hex(node), reason: r.reason }, 'ConfigUpdate not taken');
      },
    );
  }

  // ---- receiving -----------------------------------------------------------------------------------

  #onRequest(req: IncomingRequest): void {
    const body = decode(configUpdateReq, req.body, this.#transport.codecContext, 'ConfigUpdateReq');
    if (body.type === 'config') this.#onConfig(req, body.configData);
    else if (body.type === 'kind') this.#onKinds(req, body.kinds);
    else this.#refuse(req, ErrorCode.Error_Invalid_Message, `unknown ConfigUpdateType ${body.code}`);
  }

  /** RFC 6940 §6.5.4.2: processed only if the document's sequence is newer and it is correctly signed. */
  #onConfig(req: IncomingRequest, data: Uint8Array): void {
    const current = this.#current.config;
    // A neighbour passing on what we already run: nothing to do, and nothing wrong.
    if (bytesEqual(data, this.#current.document)) {
      req.answer(encode(configUpdateAns, {}));
      return;
    }
    const offered = this.#peekSequence(data);
    if (offered !== undefined && !isNewerSequence(offered, current.sequence)) {
      this.#refuse(
        req,
        ErrorCode.Error_Config_Too_Old,
        `configuration sequence ${offered} is not newer than ${current.sequence}`,
      );
      return;
    }
    let v: VerifiedConfiguration;
    try {
      v = verifyConfigurationDocument(data, {
        instanceName: current.instanceName,
        now: req.now,
        previous: current,
      });
    } catch (e) {
      if (!(e instanceof LocalError)) throw e;
      this.#refuse(req, ErrorCode.Error_Forbidden, e.message);
      // RFC 6940 §6.5.4.2: a node that "misses enough ConfigUpdates that include key changes" can no
      // longer verify new ones; its recovery is to fetch the document the way it bootstrapped.
      if (offered !== undefined) this.#outdatedBy(offered, req.signer.nodeId, req.now);
      return;
    }
    this.#install(v, req.signer.nodeId, req.now);
    req.answer(encode(configUpdateAns, {}));
  }

  #peekSequence(data: Uint8Array): number | undefined {
    try {
      return parseOverlayConfig(data, this.#current.config.instanceName).config.sequence;
    } catch {
      return undefined;
    }
  }

  /** RFC 6940 §6.5.4.2: kinds signed by a listed kind-signer, not conflicting with another signer's kind. */
  #onKinds(req: IncomingRequest, blocks: readonly Uint8Array[]): void {
    let verified: ReturnType<typeof verifyKindBlocks>;
    try {
      verified = verifyKindBlocks(blocks, this.#current.config, req.now);
    } catch (e) {
      if (!(e instanceof LocalError)) throw e;
      this.#refuse(req, ErrorCode.Error_Forbidden, e.message);
      return;
    }
    for (const { kind, signer } of verified) {
      const known = this.#kinds.get(kind.id);
      if (known !== undefined && known.signer !== signer) {
        this.#refuse(req, ErrorCode.Error_Forbidden, `kind ${kind.id} is defined by ${known.signer}`);
        return;
      }
    }
    for (const { kind, signer } of verified) this.#kinds.set(kind.id, { kind, signer });
    req.answer(encode(configUpdateAns, {}));
    this.events.emit('kinds', { kinds: this.kinds, from: req.signer.nodeId });
  }

  #refuse(req: IncomingRequest, errorCode: number, reason: string): void {
    this.#log.warn({ from: this.#hex(req.signer.nodeId), reason }, 'ConfigUpdate refused');
    req.error(errorCode, reason);
    this.events.emit('rejected', { from: req.signer.nodeId, errorCode, reason });
  }

  /**
   * RFC 6940 §6.3.2.1: "if the configuration file in the request is too old, the node MUST generate a
   * ConfigUpdate message to update the requesting node". A request that is newer than us means we are
   * the one behind.
   */
  #onMismatch(theirs: number, origin: NodeId, path: readonly Destination[], now: number): void {
    const ours = this.#current.config.sequence;
    if (isNewerSequence(ours, theirs)) this.push(origin, now, path);
    else this.#outdatedBy(theirs, origin, now);
  }

  /** Tells the driver (once per sequence and interval) that `origin` runs a newer configuration. */
  #outdatedBy(theirs: number, origin: NodeId, now: number): void {
    const ours = this.#current.config.sequence;
    if (!isNewerSequence(theirs, ours) || !this.#outdated.allow(String(theirs), now)) return;
    this.#log.info({ theirs, ours, origin: this.#hex(origin) }, 'a node runs a newer configuration');
    this.events.emit('outdated', {
      theirs,
      ours,
      origin,
      instanceName: this.#current.config.instanceName,
      enrollmentServers: this.#current.config.enrollmentServers,
    });
  }

  // ---- installing ----------------------------------------------------------------------------------

  #install(v: VerifiedConfiguration, from: NodeId | undefined, now: number): void {
    const previous = this.#current;
    this.#current = v;
    this.#transport.setConfigurationSequence(v.config.sequence);
    this.#resetKinds(v, this.#kinds);
    const restartNeeded = changedParameters(previous.config, v.config);
    const unsupported = unsupportedFeatures(v.config);
    this.#log.info(
      { sequence: v.config.sequence, previous: previous.config.sequence, restartNeeded, unsupported },
      'configuration installed',
    );
    this.events.emit('installed', {
      config: v.config,
      document: v.document,
      previousSequence: previous.config.sequence,
      from,
      restartNeeded,
      unsupported,
    });
    // Pass it on at once rather than waiting for each neighbour's next request (RFC 6940 §6.5.4: "push
    // updated configuration data across the overlay").
    for (const peer of this.#transport.connections.peers()) if (peer !== from) this.push(peer, now);
  }

  /**
   * The kinds of a new document override what we knew (RFC 6940 §11.1); kinds learnt from kind updates
   * stay only while their signer is still a kind-signer.
   */
  #resetKinds(v: InstalledConfiguration, learnt: ReadonlyMap<KindId, KnownKind>): void {
    const next = new Map<KindId, KnownKind>();
    for (const [id, k] of learnt) {
      if (k.signer !== FROM_CONFIGURATION && v.config.kindSigners.includes(k.signer)) next.set(id, k);
    }
    for (const kind of v.config.kinds) {
      next.set(kind.id, { kind, signer: v.kindSigners.get(kind.id) ?? FROM_CONFIGURATION });
    }
    this.#kinds = next;
  }

  #hex(id: NodeId): string {
    return nodeIdToHex(id, this.#current.config.nodeIdLength);
  }
}
