import type { Codec } from '../../wire/index.js';
import { overlaySpecific } from './common.js';

/**
 * RFC 6940 §6.4.2.3: "The contents of the UpdateReq message are completely overlay specific. The
 * UpdateAns response is expected to be either success or an error." Both bodies are therefore carried
 * as raw bytes; for CHORD-RELOAD the request is a ChordUpdate (chord.ts) and the answer is empty.
 */
export type UpdateReq = Uint8Array;
export type UpdateAns = Uint8Array;

export const updateReq: Codec<UpdateReq> = overlaySpecific;
export const updateAns: Codec<UpdateAns> = overlaySpecific;
