import { type CliIo, parseOptions, UsageError } from './command.js';
import { CONTROL_OPTIONS, callControl, controlAddress, report } from './control-client.js';

/**
 * `p2psip lookup AOR`: the SIP-REGISTRATION values stored for an AOR (RFC 7904 §3), fetched by the running
 * peer: one line per adapter the AOR is reachable through. Exit 1 when there is none (DESIGN §4).
 */
interface LookupAnswer {
  aor: string;
  resourceId: string;
  routes: { node: string; destinationList: string[] }[];
  uris: string[];
}

export async function runLookup(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, CONTROL_OPTIONS, 1);
  const aor = positionals[0];
  if (aor === undefined) throw new UsageError('which address of record? (user@domain)');
  const r = await callControl(controlAddress(values.control), 'POST', '/lookup', { aor });
  const json = values.json === true;
  const code = report(io, 'lookup', r, json, () => {
    const a = r.body as LookupAnswer;
    const rows = [
      ...a.routes.map((x) => `route  ${x.node}  via ${x.destinationList.join(' ')}\n`),
      ...a.uris.map((u) => `uri    ${u}\n`),
    ];
    return rows.join('');
  });
  if (code !== 0) return code;
  const a = r.body as LookupAnswer;
  if (a.routes.length + a.uris.length > 0) return code;
  io.stderr(`p2psip lookup: no registration for ${a.aor}\n`);
  return 1;
}
