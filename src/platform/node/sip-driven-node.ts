import type { NodeId } from '../../core/ids.js';
import type { Adapter, AdapterOutput } from '../../peer/adapter/adapter.js';
import type { NodeOutput } from '../../reload/node/types.js';
import type { ReloadNode } from '../../reload/node.js';
import type { LinkId } from '../../reload/routing/types.js';
import type { AppConnectOutput, SipAppAttach } from '../../usages/sip/app-attach.js';
import type { DrivenNode } from './driver.js';

/**
 * A ReloadNode with the SIP adapter and its AppAttach service riding on it, as one thing the NodeDriver
 * drives: one clock, one timer (the earliest deadline of the three), one place where every input's
 * consequences are carried out. The node's outputs go to its TLS links as before; once it has none left,
 * the adapter's SIP messages and AppAttach's connection requests go to the SIP I/O. They need no order
 * with the link writes, and carrying them out never calls back into the cores.
 */
export interface SipIo {
  send(o: AdapterOutput): void;
  appConnect(o: AppConnectOutput): void;
}

export class SipDrivenNode implements DrivenNode {
  readonly node: ReloadNode;
  readonly adapter: Adapter;
  readonly apps: SipAppAttach;
  readonly #io: SipIo;

  constructor(node: ReloadNode, adapter: Adapter, apps: SipAppAttach, io: SipIo) {
    this.node = node;
    this.adapter = adapter;
    this.apps = apps;
    this.#io = io;
  }

  start(now: number): void {
    this.node.start(now);
  }

  stop(now: number, done: () => void): void {
    this.node.stop(now, done);
  }

  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean {
    return this.node.linkUp(link, peerIds, now);
  }

  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined {
    return this.node.accept(peerIds, now);
  }

  linkData(link: LinkId, bytes: Uint8Array, now: number): void {
    this.node.linkData(link, bytes, now);
  }

  linkClosed(link: LinkId, reason: string, now: number): void {
    this.node.linkClosed(link, reason, now);
  }

  handleTimeout(now: number): void {
    this.node.handleTimeout(now);
    this.apps.handleTimeout(now);
    this.adapter.handleTimeout(now);
  }

  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const d of [this.node.nextDeadline(), this.apps.nextDeadline(), this.adapter.nextDeadline()]) {
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    return min;
  }

  pollOutput(): NodeOutput | undefined {
    const o = this.node.pollOutput();
    if (o !== undefined) return o;
    for (let c = this.apps.pollOutput(); c !== undefined; c = this.apps.pollOutput()) this.#io.appConnect(c);
    for (let s = this.adapter.poll(); s !== undefined; s = this.adapter.poll()) this.#io.send(s);
    return undefined;
  }
}
