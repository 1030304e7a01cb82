import { enroll } from '../platform/node/enroll.js';
import { type CliIo, type Command, EXIT_OK, parseOptions, required } from './command.js';

/**
 * `p2psip enroll`: a certificate and the configuration from the overlay's enrolment server (RFC 6940 §11.3),
 * written to DIR/node.key, DIR/node.crt and DIR/overlay.xml for `p2psip peer --identity DIR`.
 */
const USAGE =
  'p2psip enroll --config URL|FILE --user NAME --password PW --out DIR [--ca FILE] [--insecure-trust]';

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, {
    config: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    out: { type: 'string' },
    ca: { type: 'string' },
    'insecure-trust': { type: 'boolean' },
  } as const);
  const r = await enroll({
    config: required(values, 'config'),
    user: required(values, 'user'),
    password: required(values, 'password'),
    out: required(values, 'out'),
    insecureTrust: values['insecure-trust'] === true,
    ...(values.ca === undefined ? {} : { caFile: values.ca }),
  });
  if (r.trustedOnFirstUse !== undefined) {
    io.stderr(
      `p2psip enroll: trusting root-cert SHA-256 ${r.trustedOnFirstUse} on first use (--insecure-trust)\n`,
    );
  }
  io.stdout(
    `enrolled in ${r.overlay} as ${r.userName}, Node-ID ${r.nodeId}${r.keyReused ? ' (existing key)' : ''}: ${r.files.join(' ')}\n`,
  );
  return EXIT_OK;
}

export const enrollCommand: Command = {
  name: 'enroll',
  summary: 'obtain a certificate and the configuration from an enrolment server',
  usage: USAGE,
  run,
};
