import { type Command, lazy } from './command.js';
import { enrollCommand } from './enroll.js';
import { enrollmentAddUser } from './enrollment-add-user.js';
import { enrollmentServe } from './enrollment-serve.js';
import { overlayCreate } from './overlay-create.js';
import { overlayUpdate } from './overlay-update.js';

/**
 * Every command of DESIGN §4, in the order `--help` lists them.
 */
export const COMMANDS: readonly Command[] = [
  lazy(
    'start',
    'zero-config: join the overlay found on the LAN (or create one) and run a peer until Ctrl-C',
    'p2psip start [--json] [--overlay NAME] [--create] [--listen HOST:PORT] [--control HOST:PORT] [--sip HOST:PORT] [--user NAME] [--no-sip] [--bootstrap HOST:PORT]... [--bootstrap-server URL]... [--no-lan] [--log-level L]',
    async () => (await import('./start.js')).runStart,
  ),
  overlayCreate,
  overlayUpdate,
  enrollmentServe,
  enrollmentAddUser,
  enrollCommand,
  lazy(
    'peer',
    'run a RELOAD peer until SIGINT/SIGTERM, with --sip the registrar and proxy of SIP phones',
    'p2psip peer --identity DIR [--listen HOST:PORT] [--advertise HOST[:PORT]] [--control HOST:PORT] [--data DIR] [--bootstrap HOST:PORT]... [--bootstrap-server URL]... [--lan] [--sip HOST:PORT [--sip-tls-port PORT] [--sip-app HOST:PORT] [--sip-digest ALGS]] [--tls-keylog FILE] [--log-level L] [--config-refresh SECONDS] [--no-certificate-publishing]',
    async () => (await import('./peer.js')).runPeer,
  ),
  lazy(
    'users add',
    'add SIP users to an adapter (HA1 and a per-user certificate)',
    'p2psip users add --identity DIR (--user AOR --password PW | --from FILE)',
    async () => (await import('./users.js')).runUsersAdd,
  ),
  lazy(
    'users list',
    'list the SIP users of an adapter',
    'p2psip users list --identity DIR [--json]',
    async () => (await import('./users.js')).runUsersList,
  ),
  lazy(
    'users remove',
    'remove a SIP user from an adapter',
    'p2psip users remove --identity DIR --user AOR',
    async () => (await import('./users.js')).runUsersRemove,
  ),
  lazy(
    'status',
    "show a running peer's state",
    'p2psip status [--control HOST:PORT] [--json]',
    async () => (await import('./status.js')).runStatus,
  ),
  lazy(
    'ping',
    'ping a node or the peer responsible for a resource',
    'p2psip ping NODE-ID|RESOURCE [--control HOST:PORT] [--json]',
    async () => (await import('./ping.js')).runPing,
  ),
  lazy(
    'trace',
    'trace the overlay path to a node or resource',
    'p2psip trace NODE-ID|RESOURCE [--control HOST:PORT] [--json]',
    async () => (await import('./trace.js')).runTrace,
  ),
  lazy(
    'lookup',
    'show the stored SIP routes of an AOR',
    'p2psip lookup AOR [--control HOST:PORT] [--json]',
    async () => (await import('./lookup.js')).runLookup,
  ),
  lazy(
    'store',
    'store a value in the overlay, signed by the peer',
    'p2psip store --kind ID --resource NAME|--resource-hex HEX (--value TEXT|--value-hex HEX|--delete) [--key K|--key-hex HEX] [--index N] [--lifetime S] [--generation G] [--control HOST:PORT] [--json]',
    async () => (await import('./store.js')).runStore,
  ),
  lazy(
    'fetch',
    'fetch and verify values from the overlay',
    'p2psip fetch --kind ID --resource NAME|--resource-hex HEX [--key K|--key-hex HEX]... [--index N|N-M]... [--generation G] [--control HOST:PORT] [--json]',
    async () => (await import('./fetch.js')).runFetch,
  ),
  lazy(
    'find',
    'find the closest stored resource of each kind',
    'p2psip find --kind ID [--kind ID]... --resource NAME|--resource-hex HEX [--control HOST:PORT] [--json]',
    async () => (await import('./find.js')).runFind,
  ),
  lazy(
    'stat',
    'show metadata of stored values (sizes, hashes, times)',
    'p2psip stat --kind ID --resource NAME|--resource-hex HEX [--key K|--key-hex HEX]... [--index N|N-M]... [--generation G] [--control HOST:PORT] [--json]',
    async () => (await import('./stat.js')).runStat,
  ),
  lazy(
    'sim',
    'simulate a CHORD-RELOAD overlay on a virtual clock',
    'p2psip sim --nodes N [--seed S] [--fail FRACTION] [--churn MEDIAN_SESSION [--departure kill|crash|leave]] [--duration D] [--lookups N] [--values N] [--json]',
    async () => (await import('./sim.js')).runSim,
  ),
];
