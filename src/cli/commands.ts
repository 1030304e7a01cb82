import { type Command, notBuilt } from './command.js';
import { sim } from './sim.js';

/**
 * Every command of DESIGN §4, in the order `--help` lists them. A command that is not built yet is a
 * `notBuilt` entry: it is listed, and running it says so and exits 2.
 */
export const COMMANDS: readonly Command[] = [
  notBuilt(
    'start',
    'zero-config: create or join a local overlay and run a peer',
    'p2psip start [--json] [--overlay NAME] [--create]',
  ),
  notBuilt(
    'overlay create',
    'create an overlay configuration (and CA)',
    'p2psip overlay create --name DOMAIN --out DIR [--bootstrap HOST:PORT]... [--self-signed] [--shared-secret S] [--enrollment-url URL]',
  ),
  notBuilt(
    'overlay update',
    'bump the sequence of an edited configuration and re-sign it',
    'p2psip overlay update --overlay DIR',
  ),
  notBuilt(
    'enrollment serve',
    'serve the configuration, enrolment and bootstrap HTTPS service',
    'p2psip enrollment serve --overlay DIR --listen HOST:PORT [--users FILE]',
  ),
  notBuilt(
    'enrollment add-user',
    'add a user to the enrolment server',
    'p2psip enrollment add-user --overlay DIR --user NAME --password PW',
  ),
  notBuilt(
    'enroll',
    'obtain a certificate and the configuration from an enrolment server',
    'p2psip enroll --config URL|FILE --user NAME --password PW --out DIR [--insecure-trust]',
  ),
  notBuilt(
    'peer',
    'run a RELOAD peer (and optionally a SIP adapter)',
    'p2psip peer --identity DIR [--listen HOST:PORT] [--sip HOST:PORT] [--control HOST:PORT] [--data DIR] [--bootstrap HOST:PORT]... [--tls-keylog FILE] [--log-level L]',
  ),
  notBuilt(
    'users add',
    'add a SIP user to an adapter',
    'p2psip users add --identity DIR --user AOR --password PW',
  ),
  notBuilt('users list', 'list the SIP users of an adapter', 'p2psip users list --identity DIR'),
  notBuilt(
    'users remove',
    'remove a SIP user from an adapter',
    'p2psip users remove --identity DIR --user AOR',
  ),
  notBuilt('status', "show a running peer's state", 'p2psip status [--control HOST:PORT] [--json]'),
  notBuilt(
    'ping',
    'ping a node or the peer responsible for a resource',
    'p2psip ping NODE-ID|RESOURCE [--control HOST:PORT] [--json]',
  ),
  notBuilt(
    'trace',
    'trace the overlay path to a node or resource',
    'p2psip trace NODE-ID|RESOURCE [--control HOST:PORT] [--json]',
  ),
  notBuilt(
    'lookup',
    'show the stored SIP routes of an AOR',
    'p2psip lookup AOR [--control HOST:PORT] [--json]',
  ),
  notBuilt(
    'store',
    'store a value in the overlay',
    'p2psip store --kind ID --resource NAME --value TEXT [--key K] [--lifetime S] [--control HOST:PORT] [--json]',
  ),
  notBuilt(
    'fetch',
    'fetch values from the overlay',
    'p2psip fetch --kind ID --resource NAME [--control HOST:PORT] [--json]',
  ),
  notBuilt(
    'find',
    'find the closest stored resource of a kind',
    'p2psip find --kind ID --resource NAME [--control HOST:PORT] [--json]',
  ),
  notBuilt(
    'stat',
    'show metadata of stored values',
    'p2psip stat --kind ID --resource NAME [--control HOST:PORT] [--json]',
  ),
  sim,
];
