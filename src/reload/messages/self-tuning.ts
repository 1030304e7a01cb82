import { type Infer, struct, u32 } from '../../wire/index.js';
import { MessageExtensionType } from './codes.js';
import { findExtension, type MessageExtension, makeExtension } from './contents.js';

/**
 * RFC 7363 §6.5 (CHORD-SELF-TUNING estimate sharing):
 *   struct { uint32 network_size; uint32 join_rate; uint32 leave_rate; } SelfTuningData;
 * Rates are joins or failures per 24 hours, rounded up (0.123/s -> 10628).
 */
export const selfTuningData = struct({
  networkSize: u32,
  joinRate: u32,
  leaveRate: u32,
});
export type SelfTuningData = Infer<typeof selfTuningData>;

/**
 * RFC 7363 §6.5: Probe requests and their answers carry SelfTuningData in a MessageExtension of type
 * self_tuning_data (0x3, §9.1) whose `critical` MUST be False.
 */
export function selfTuningExtension(data: SelfTuningData): MessageExtension {
  return makeExtension(MessageExtensionType.self_tuning_data, selfTuningData, data, false);
}

export function findSelfTuningData(extensions: readonly MessageExtension[]): SelfTuningData | undefined {
  return findExtension(extensions, MessageExtensionType.self_tuning_data, selfTuningData);
}
