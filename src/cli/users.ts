import { join } from 'node:path';
import { LocalError } from '../core/errors.js';
import {
  loadOrCreateIdentity,
  OVERLAY_FILE,
  readOverlayConfig,
  readText,
} from '../platform/node/identity-files.js';
import {
  addSipUsers,
  issuerFor,
  type NewUser,
  readSipUsers,
  removeSipUser,
  sipUsersPath,
  userCertificateDer,
} from '../platform/node/sip-users-file.js';
import { parseCertificate } from '../reload/security/certificate.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, parseOptions, required, UsageError } from './command.js';
import { lines } from './control-client.js';

/**
 * `p2psip users add|list|remove --identity DIR`: the SIP users an adapter serves (issue #6, decision 0013),
 * in DIR/sip-users.json. `add` stores HA1 per digest algorithm for the realm (the AOR's domain), never the
 * password, and the user's certificate (the node's key and Node-ID, the AOR as user name: made here in a
 * self-signed overlay, issued by the enrolment server to the user's password in one with a CA); a running
 * peer picks the change up by itself. `--from FILE` adds many at once: one `AOR PASSWORD` per line.
 */
const ADD_OPTIONS = {
  identity: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  from: { type: 'string' },
} as const;

/** `AOR PASSWORD` lines; blank lines and `#` comments are skipped. */
export function parseUserLines(text: string, source: string): NewUser[] {
  const out: NewUser[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(\S.*)$/.exec(line);
    if (m === null) throw new LocalError('ERR_BAD_INPUT', `${source}:${i + 1}: want "AOR PASSWORD"`);
    out.push({ aor: m[1] ?? '', password: m[2] ?? '' });
  }
  return out;
}

async function newUsers(values: { user?: string; password?: string; from?: string }): Promise<NewUser[]> {
  if (values.from !== undefined) {
    if (values.user !== undefined || values.password !== undefined)
      throw new UsageError('use either --from FILE or --user AOR --password PW');
    return parseUserLines(await readText(values.from, 'read'), values.from);
  }
  return [{ aor: required(values, 'user'), password: required(values, 'password') }];
}

export async function runUsersAdd(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, ADD_OPTIONS);
  const dir = required(values, 'identity');
  const users = await newUsers(values);
  const { config } = await readOverlayConfig(join(dir, OVERLAY_FILE));
  // The user certificates are over the node's key: make it now in a self-signed overlay if the peer never ran.
  const { identity } = await loadOrCreateIdentity(dir, config);
  const r = await addSipUsers(dir, users, issuerFor(identity, config, Date.now()));
  const say = (verb: string, aors: readonly string[]): void => {
    if (aors.length === 1) io.stdout(`${verb} ${aors[0]}\n`);
    else if (aors.length > 1) io.stdout(`${verb} ${aors.length} users\n`);
  };
  say('added', r.added);
  say('replaced', r.replaced);
  return EXIT_OK;
}

const LIST_OPTIONS = { identity: { type: 'string' }, json: { type: 'boolean' } } as const;

export async function runUsersList(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, LIST_OPTIONS);
  const dir = required(values, 'identity');
  const users = (await readSipUsers(dir)).map((u) => {
    const cert = parseCertificate(userCertificateDer(u));
    return { aor: u.aor, realm: u.realm, certificateExpires: new Date(cert.notAfter).toISOString() };
  });
  if (values.json === true) io.stdout(`${JSON.stringify({ file: sipUsersPath(dir), users })}\n`);
  else if (users.length === 0) io.stdout(`no users in ${sipUsersPath(dir)}\n`);
  else
    io.stdout(
      lines(users.map((u) => [u.aor, `realm ${u.realm}, certificate until ${u.certificateExpires}`])),
    );
  return EXIT_OK;
}

const REMOVE_OPTIONS = { identity: { type: 'string' }, user: { type: 'string' } } as const;

export async function runUsersRemove(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, REMOVE_OPTIONS);
  const dir = required(values, 'identity');
  const aor = required(values, 'user');
  if (!(await removeSipUser(dir, aor))) {
    io.stderr(`p2psip users remove: ${aor} is not a user of ${dir}\n`);
    return EXIT_FAILURE;
  }
  io.stdout(`removed ${aor}\n`);
  return EXIT_OK;
}
