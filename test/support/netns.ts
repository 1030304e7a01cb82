import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { requireTool } from './tools.js';

/**
 * A LAN made of network namespaces (reference/real-peers.md §7): one namespace holding a bridge, and N host
 * namespaces, each with one veth `eth0` (10.77.0.(i+2)/24) whose other end is a port of that bridge. No veth
 * end is in the root namespace, so nothing a test sends can leave the machine, multicast included. Every
 * name carries the test process's PID, so parallel runs never meet; `destroy()` deletes the namespaces
 * (their veths and bridge go with them), and an exit handler does it too if a test dies first.
 */
export interface NetnsHost {
  readonly ns: string;
  readonly address: string;
}

export interface NetnsLan {
  readonly hosts: readonly NetnsHost[];
  /** Runs a command to completion inside a host's namespace; throws with its stderr on failure. */
  exec(host: NetnsHost, command: string, args: readonly string[], input?: string): string;
  /** Starts a long-running command inside a host's namespace (the child is the command itself). */
  spawn(host: NetnsHost, command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess;
  /** Drops every mDNS packet (224.0.0.251) in and out of a host: LAN discovery sees nothing. */
  blockMulticast(host: NetnsHost): void;
  destroy(): void;
}

const live = new Set<string>();
let exitHook = false;

function ip(args: readonly string[]): void {
  execFileSync('ip', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function deleteNamespaces(names: Iterable<string>): void {
  for (const ns of [...names]) {
    try {
      ip(['netns', 'del', ns]);
    } catch {
      // already gone
    }
    live.delete(ns);
  }
}

export function createLan(hostCount: number): NetnsLan {
  requireTool('ip');
  requireTool('nft');
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => deleteNamespaces(live));
  }
  const prefix = `p2pt${process.pid}`;
  const bridge = `${prefix}-br`;
  const mine: string[] = [];
  const add = (ns: string): void => {
    ip(['netns', 'add', ns]);
    live.add(ns);
    mine.push(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  };
  const hosts: NetnsHost[] = [];
  try {
    add(bridge);
    ip(['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', bridge, 'link', 'set', 'br0', 'up']);
    for (let i = 1; i <= hostCount; i++) {
      const ns = `${prefix}-h${i}`;
      const address = `10.77.0.${i + 1}`;
      add(ns);
      ip(['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `h${i}`, 'netns', bridge]);
      ip(['-n', bridge, 'link', 'set', `h${i}`, 'master', 'br0', 'up']);
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      hosts.push({ ns, address });
    }
  } catch (e) {
    deleteNamespaces(mine);
    throw e;
  }
  const exec = (host: NetnsHost, command: string, args: readonly string[], input?: string): string =>
    execFileSync('ip', ['netns', 'exec', host.ns, command, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      ...(input === undefined ? {} : { input }),
    });
  return {
    hosts,
    exec,
    spawn: (host, command, args, env) =>
      spawn('ip', ['netns', 'exec', host.ns, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
    blockMulticast: (host) => {
      exec(
        host,
        'nft',
        ['-f', '-'],
        [
          'table ip p2psip_test {',
          '  chain out { type filter hook output priority 0; ip daddr 224.0.0.251 drop; }',
          '  chain in { type filter hook input priority 0; ip daddr 224.0.0.251 drop; }',
          '}',
        ].join('\n'),
      );
    },
    destroy: () => deleteNamespaces(mine),
  };
}
