import type { KindId } from '../../core/ids.js';
import type { KindDefinition } from '../config/overlay-config.js';
import type { ModelOf } from '../messages/data-model.js';

/**
 * The kinds this node stores: exactly those of the overlay configuration (RFC 6940 §11.1 `kind-block`),
 * each with its data model, access policy and limits. Registered kinds (SIP-REGISTRATION, TURN-SERVICE,
 * CERTIFICATE_BY_NODE, CERTIFICATE_BY_USER, ...) arrive here with their IANA model and policy already
 * applied by reload/config. A kind missing from the table is unknown (Error_Unknown_Kind, §7.4.1.2).
 */
export class KindTable {
  readonly #byId = new Map<number, KindDefinition>();
  /** For the codecs: the model of a known kind, undefined for an unknown one. */
  readonly modelOf: ModelOf;

  constructor(definitions: readonly KindDefinition[]) {
    for (const d of definitions) this.#byId.set(d.id, d);
    this.modelOf = (kind) => this.#byId.get(kind)?.dataModel;
  }

  get(kind: KindId): KindDefinition | undefined {
    return this.#byId.get(kind);
  }

  all(): IterableIterator<KindDefinition> {
    return this.#byId.values();
  }
}
