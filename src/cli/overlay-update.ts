import { isLocalError, LocalError } from '../core/errors.js';
import { updateOverlayDirectory } from '../platform/node/overlay-authority.js';
import { type CliIo, type Command, EXIT_OK, parseOptions, required } from './command.js';

/**
 * `p2psip overlay update --overlay DIR`: after editing DIR/overlay.xml by hand, give it the next sequence
 * and a fresh expiration and sign it again (RFC 6940 §11.1). Peers take it from the configuration server
 * or from each other (ConfigUpdate, §6.5.4).
 */
const USAGE = 'p2psip overlay update --overlay DIR';

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, { overlay: { type: 'string' } } as const);
  const dir = required(values, 'overlay');
  const u = await updateOverlayDirectory(dir, Date.now()).catch((e: unknown) => {
    // A document that does not parse is bad input to this command (exit 2), not a runtime failure.
    throw isLocalError(e, 'ERR_BAD_CONFIG') ? new LocalError('ERR_BAD_INPUT', e.message, { cause: e }) : e;
  });
  io.stdout(
    `updated ${u.path}: overlay ${u.instanceName}, sequence ${u.previousSequence} → ${u.sequence}, signed\n`,
  );
  return EXIT_OK;
}

export const overlayUpdate: Command = {
  name: 'overlay update',
  summary: 'give an edited overlay.xml the next sequence and sign it again',
  usage: USAGE,
  run,
};
