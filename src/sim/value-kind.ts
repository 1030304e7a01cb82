import { kindId } from '../core/ids.js';
import { defaultKinds } from '../reload/config/kinds.js';
import type { KindDefinition } from '../reload/config/overlay-config.js';
import { FIRST_PRIVATE_KIND_ID } from '../reload/messages/codes.js';
import { NODE_MULTIPLE_MAX_INDEX } from '../reload/storage/access.js';

/**
 * The storage workload's values (storage-workload.ts) are of a private kind with the NODE-MULTIPLE policy
 * (RFC 6940 §7.3.4): the simulated certificates all carry the user name 'sim', so USER-MATCH would give
 * one resource for the whole overlay, and NODE-MATCH one per peer; H(Node-ID ‖ i) gives each storing peer
 * up to 255 resources of its own.
 */
export const SIM_VALUE_KIND: KindDefinition = {
  id: kindId(FIRST_PRIVATE_KIND_ID),
  dataModel: 'single',
  accessPolicy: 'NODE-MULTIPLE',
  maxCount: 1,
  maxSize: 64,
  maxNodeMultiple: NODE_MULTIPLE_MAX_INDEX,
};

/** The kinds a simulated node stores: the defaults plus SIM_VALUE_KIND. */
export function simKinds(): KindDefinition[] {
  return [...defaultKinds(), SIM_VALUE_KIND];
}
