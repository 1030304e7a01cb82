import { type CliIo, EXIT_OK, parseOptions } from './command.js';
import { CONTROL_OPTIONS, callControl, controlAddress, lines } from './control-client.js';

/** `p2psip status`: a running peer's GET /status (DESIGN §4), as aligned lines or `--json`. */

interface Status {
  nodeId: string;
  overlay: string;
  state: string;
  listen: string;
  sip: string | null;
  predecessors: string[];
  successors: string[];
  fingers: string[];
  links: number;
  storedResources: number;
  storedValues: number;
  registrations: number;
}

function human(s: Status): string {
  const list = (ids: readonly string[]): string => (ids.length === 0 ? '-' : ids.join(' '));
  return lines([
    ['node', s.nodeId],
    ['overlay', s.overlay],
    ['state', s.state],
    ['listen', s.listen],
    ['sip', s.sip ?? '-'],
    ['links', String(s.links)],
    ['successors', list(s.successors)],
    ['predecessors', list(s.predecessors)],
    ['fingers', `${s.fingers.length}`],
    ['stored', `${s.storedResources} resources, ${s.storedValues} values, ${s.registrations} registrations`],
  ]);
}

export async function runStatus(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, CONTROL_OPTIONS);
  const r = await callControl(controlAddress(values.control), 'GET', '/status');
  io.stdout(values.json === true ? `${JSON.stringify(r.body)}\n` : human(r.body as Status));
  return EXIT_OK;
}
