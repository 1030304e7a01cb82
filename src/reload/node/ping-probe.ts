import { type Random, randomU64 } from '../../core/random.js';
import { type CodecContext, decode, encode } from '../../wire/index.js';
import { ErrorCode } from '../messages/codes.js';
import { pingAns, pingReq } from '../messages/ping.js';
import { type ProbeInformation, probeAns, probeReq } from '../messages/probe.js';
import type { Diagnostics } from './diagnostics.js';
import type { IncomingRequest } from './types.js';

/** The answers of RFC 6940 §6.4.2.4 Ping and §6.4.2.5 Probe, which need only what a node reports of itself. */
export function answerPing(
  req: IncomingRequest,
  ctx: CodecContext,
  diagnostics: Diagnostics,
  random: Random,
): void {
  decode(pingReq, req.body, ctx, 'PingReq');
  // RFC 7851 §4.2: an extended Ping is answered with the diagnostics it asked for.
  const extensions = diagnostics.pingExtensions(req);
  if ('expired' in extensions) {
    req.error(ErrorCode.Error_Message_Expired, 'diagnostics request expired');
    return;
  }
  const body = encode(pingAns, { responseId: randomU64(random), time: BigInt(Math.floor(req.now)) });
  req.answer(body, extensions);
}

/** What a Probe may ask of this node. */
export interface ProbeSource {
  responsiblePpb(): number;
  numResources(): number;
  uptimeSeconds(now: number): number;
}

/** RFC 6940 §6.4.2.5: answer the requested items we know, in the order asked. */
export function answerProbe(req: IncomingRequest, ctx: CodecContext, source: ProbeSource): void {
  const { requestedInfo } = decode(probeReq, req.body, ctx, 'ProbeReq');
  const info: ProbeInformation[] = [];
  for (const t of requestedInfo) {
    if (t === 1) info.push({ type: 'responsible_set', value: source.responsiblePpb() });
    else if (t === 2) info.push({ type: 'num_resources', value: source.numResources() });
    else if (t === 3) info.push({ type: 'uptime', value: source.uptimeSeconds(req.now) });
  }
  if (requestedInfo.length > 0 && info.length === 0) {
    req.error(ErrorCode.Error_Invalid_Message, 'no known probe information type requested');
    return;
  }
  req.answer(encode(probeAns, { probeInfo: info }));
}
