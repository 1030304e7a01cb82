import { type CliIo, parseOptions, UsageError } from './command.js';
import { CONTROL_OPTIONS, callControl, controlAddress, report } from './control-client.js';

/**
 * `p2psip trace NODE-ID|RESOURCE`: the overlay path from the running peer to a node or to the peer
 * responsible for a resource, hop by hop (RFC 7851 PathTrack). Exit 1 when a hop fails.
 */

interface TraceAnswer {
  target: string;
  hops: Array<{ nodeId: string; rttMs: number }>;
}

function human(a: TraceAnswer): string {
  const width = String(a.hops.length).length;
  return a.hops.map((h, i) => `${String(i + 1).padStart(width)}  ${h.nodeId}  ${h.rttMs} ms\n`).join('');
}

export async function runTrace(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, CONTROL_OPTIONS, 1);
  const target = positionals[0];
  if (target === undefined) throw new UsageError('which node or resource? (NODE-ID or RESOURCE)');
  const r = await callControl(controlAddress(values.control), 'POST', '/trace', { target });
  return report(io, 'trace', r, values.json === true, () => human(r.body as TraceAnswer));
}
