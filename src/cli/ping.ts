import { type CliIo, parseOptions, UsageError } from './command.js';
import { CONTROL_OPTIONS, callControl, controlAddress, report } from './control-client.js';

/**
 * `p2psip ping NODE-ID|RESOURCE`: a RELOAD Ping (RFC 6940 §6.4.2.4) from the running peer to a node (32 hex
 * digits) or to the peer responsible for a resource name. Exit 1 when no answer comes.
 */

interface PingAnswer {
  target: string;
  answeredBy: string;
  rttMs: number;
}

export async function runPing(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, CONTROL_OPTIONS, 1);
  const target = positionals[0];
  if (target === undefined) throw new UsageError('which node or resource? (NODE-ID or RESOURCE)');
  const r = await callControl(controlAddress(values.control), 'POST', '/ping', { target });
  return report(io, 'ping', r, values.json === true, () => {
    const a = r.body as PingAnswer;
    return `answer from ${a.answeredBy} in ${a.rttMs} ms\n`;
  });
}
