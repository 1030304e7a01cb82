import { type Infer, struct, u8 } from '../../wire/index.js';
import { ipAddressPort } from './common.js';

/**
 * RFC 6940 §9 (the value of a TURN-SERVICE kind, SINGLE model, NODE-MULTIPLE policy):
 *   struct { uint8 iteration; IpAddressPort server_address; } TurnServer;
 * iteration is the d (1..turn-density) of the Resource Name Node-ID || d it is stored under.
 */
export const turnServer = struct({
  iteration: u8,
  serverAddress: ipAddressPort,
});
export type TurnServer = Infer<typeof turnServer>;
