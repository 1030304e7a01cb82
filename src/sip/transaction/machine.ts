import { LocalError } from '../../core/errors.js';

/**
 * Explicit states with guarded transitions (style-study §6.6): each machine lists its legal edges, and
 * any other edge is a programming error that throws instead of silently corrupting the transaction.
 */
export class StateMachine<S extends string> {
  #state: S;
  readonly #edges: Readonly<Record<S, readonly S[]>>;
  readonly #name: string;

  constructor(name: string, initial: S, edges: Readonly<Record<S, readonly S[]>>) {
    this.#name = name;
    this.#state = initial;
    this.#edges = edges;
  }

  get state(): S {
    return this.#state;
  }

  to(next: S): void {
    if (!this.#edges[this.#state].includes(next)) {
      throw new LocalError('ERR_STATE', `${this.#name}: illegal transition ${this.#state} → ${next}`);
    }
    this.#state = next;
  }
}
