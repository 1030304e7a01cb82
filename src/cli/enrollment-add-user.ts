import { join } from 'node:path';
import { addUser, defaultUsersPath } from '../platform/node/enrollment-files.js';
import { OVERLAY_FILE, readOverlayConfig } from '../platform/node/identity-files.js';
import { type CliIo, type Command, EXIT_OK, parseOptions, required } from './command.js';

/**
 * `p2psip enrollment add-user`: an account of the enrolment server (RFC 6940 §11.3 username/password),
 * stored as an scrypt hash with its own salt in DIR/users.json (or --users FILE), mode 0600. A running
 * server sees the change at its next enrolment.
 */
const USAGE = 'p2psip enrollment add-user --overlay DIR --user NAME --password PW [--users FILE]';

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, {
    overlay: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    users: { type: 'string' },
  } as const);
  const dir = required(values, 'overlay');
  const account = required(values, 'user');
  const password = required(values, 'password');
  const path = values.users ?? defaultUsersPath(dir);
  const { config } = await readOverlayConfig(join(dir, OVERLAY_FILE));
  const replaced = await addUser(path, { account, password, overlay: config.instanceName });
  io.stdout(`${replaced ? 'replaced' : 'added'} user ${account} in ${path}\n`);
  return EXIT_OK;
}

export const enrollmentAddUser: Command = {
  name: 'enrollment add-user',
  summary: 'add a user to the enrolment server',
  usage: USAGE,
  run,
};
