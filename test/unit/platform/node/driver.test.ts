import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../../../src/core/ids.js';
import { MemoryLogger } from '../../../../src/core/logger.js';
import {
  type DrivenNode,
  type DriverTimers,
  type LinkHost,
  NodeDriver,
} from '../../../../src/platform/node/driver.js';
import type { NodeOutput } from '../../../../src/reload/node/types.js';
import type { LinkId } from '../../../../src/reload/routing/types.js';

/** A node that records its inputs and hands out whatever outputs and deadline the test sets. */
class FakeNode implements DrivenNode {
  deadline: number | undefined;
  readonly outputs: NodeOutput[] = [];
  readonly calls: string[] = [];
  throwIn: string | undefined;
  acceptAs: LinkId = 7 as LinkId;
  #record(call: string, now: number): void {
    this.calls.push(`${call}@${now}`);
    if (this.throwIn === call) throw new Error(`boom in ${call}`);
  }
  start(now: number): void {
    this.#record('start', now);
  }
  stop(now: number, done: () => void): void {
    this.#record('stop', now);
    this.outputs.push({ type: 'close', link: 1 as LinkId, reason: 'node stopped' });
    done();
  }
  pollOutput(): NodeOutput | undefined {
    return this.outputs.shift();
  }
  linkUp(_link: LinkId, _peers: readonly NodeId[], now: number): boolean {
    this.#record('linkUp', now);
    return true;
  }
  accept(_peers: readonly NodeId[], now: number): LinkId | undefined {
    this.#record('accept', now);
    this.outputs.push({ type: 'transmit', link: this.acceptAs, bytes: Uint8Array.of(1) });
    return this.acceptAs;
  }
  linkData(_link: LinkId, _bytes: Uint8Array, now: number): void {
    this.#record('linkData', now);
  }
  linkClosed(_link: LinkId, _reason: string, now: number): void {
    this.#record('linkClosed', now);
  }
  handleTimeout(now: number): void {
    this.#record('handleTimeout', now);
  }
  nextDeadline(): number | undefined {
    return this.deadline;
  }
}

class FakeHost implements LinkHost {
  readonly done: string[] = [];
  connect(link: LinkId, host: string, port: number): void {
    this.done.push(`connect ${link} ${host}:${port}`);
  }
  write(link: LinkId, bytes: Uint8Array): void {
    this.done.push(`write ${link} ${bytes.length}`);
  }
  close(link: LinkId, reason: string): void {
    this.done.push(`close ${link} ${reason}`);
  }
}

/** A manual clock and timer list: `advance` fires due timers, then the deferred after-I/O callbacks. */
class FakeTimers implements DriverTimers {
  now = 0;
  readonly pending = new Map<number, { at: number; callback: () => void }>();
  readonly #afterIo: Array<() => void> = [];
  #next = 1;
  set(callback: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { at: this.now + delayMs, callback });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  afterIo(callback: () => void): void {
    this.#afterIo.push(callback);
  }
  advance(to: number): void {
    this.now = to;
    for (const [id, t] of [...this.pending]) {
      if (t.at <= to) {
        this.pending.delete(id);
        t.callback();
      }
    }
    for (let cb = this.#afterIo.shift(); cb !== undefined; cb = this.#afterIo.shift()) cb();
  }
  get deadlines(): number[] {
    return [...this.pending.values()].map((t) => t.at);
  }
}

function setup() {
  const node = new FakeNode();
  const host = new FakeHost();
  const timers = new FakeTimers();
  const log = new MemoryLogger();
  const driver = new NodeDriver(node, host, { log, timers, clock: () => timers.now });
  return { node, host, timers, log, driver };
}

describe('NodeDriver', () => {
  it('keeps exactly one timer, at the node’s next deadline, re-armed after every input', () => {
    const { node, timers, driver } = setup();
    node.deadline = 1000;
    driver.start();
    assert.deepEqual(timers.deadlines, [1000]);
    node.deadline = 400;
    driver.data(1 as LinkId, Uint8Array.of(0));
    assert.deepEqual(timers.deadlines, [400]);
    node.deadline = 400;
    driver.data(1 as LinkId, Uint8Array.of(0));
    assert.deepEqual(timers.deadlines, [400]);
  });

  it('calls handleTimeout with the time at which the timer fired, then re-arms', () => {
    const { node, timers, driver } = setup();
    node.deadline = 250;
    driver.start();
    node.deadline = 900;
    timers.advance(260);
    assert.deepEqual(node.calls, ['start@0', 'handleTimeout@260']);
    assert.deepEqual(timers.deadlines, [900]);
  });

  it('sets no timer while the node has no deadline', () => {
    const { timers, driver } = setup();
    driver.start();
    assert.deepEqual(timers.deadlines, []);
    assert.equal(driver.armedFor, undefined);
  });

  it('carries out the node’s outputs in order', () => {
    const { node, host, driver } = setup();
    node.outputs.push(
      { type: 'connect', link: 2 as LinkId, host: '127.0.0.1', port: 6084, expected: undefined },
      { type: 'transmit', link: 2 as LinkId, bytes: new Uint8Array(9) },
      { type: 'close', link: 3 as LinkId, reason: 'done' },
    );
    driver.start();
    assert.deepEqual(host.done, ['connect 2 127.0.0.1:6084', 'write 2 9', 'close 3 done']);
  });

  it('carries out what the node wrote to an accepted link only after the host has bound it', async () => {
    const { host, driver } = setup();
    assert.equal(driver.accepted([5n as NodeId]), 7);
    assert.deepEqual(host.done, []);
    await Promise.resolve();
    assert.deepEqual(host.done, ['write 7 1']);
  });

  it('logs and counts an exception from the node instead of throwing, and keeps driving', () => {
    const { node, host, log, driver } = setup();
    node.throwIn = 'linkData';
    node.outputs.push({ type: 'close', link: 4 as LinkId, reason: 'x' });
    assert.doesNotThrow(() => driver.data(4 as LinkId, Uint8Array.of(0)));
    assert.equal(driver.internalErrors, 1);
    assert.deepEqual(host.done, ['close 4 x']);
    const errors = log.records.filter((r) => r.level === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.fields.during, 'link data');
    node.throwIn = undefined;
    driver.closed(4 as LinkId, 'gone');
    assert.equal(driver.internalErrors, 1);
    assert.equal(node.calls.at(-1), 'linkClosed@0');
  });

  it('never lets the node see time run backwards', () => {
    const { node, timers, driver } = setup();
    timers.now = 1000;
    driver.start();
    timers.now = 900;
    driver.data(1 as LinkId, Uint8Array.of(0));
    assert.deepEqual(node.calls, ['start@1000', 'linkData@1000']);
  });

  it('stops even when the node throws while leaving', async () => {
    const { node, timers, driver } = setup();
    node.deadline = 5000;
    driver.start();
    node.throwIn = 'stop';
    await driver.stop();
    assert.equal(driver.internalErrors, 1);
    assert.deepEqual(timers.deadlines, []);
  });

  it('stops: the node leaves, its last outputs go out and the timer is gone', async () => {
    const { node, host, timers, driver } = setup();
    node.deadline = 5000;
    driver.start();
    await driver.stop();
    assert.deepEqual(host.done, ['close 1 node stopped']);
    assert.deepEqual(timers.deadlines, []);
  });
});
