import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bigIntToBytes,
  bytesToBigInt,
  compareBytes,
  concatBytes,
  fromHex,
  toHex,
} from '../../../src/core/bytes.js';
import { ManualClock } from '../../../src/core/clock.js';
import { defineCodes } from '../../../src/core/codes.js';
import { isLocalError, LocalError, ReloadWireError, SipWireError } from '../../../src/core/errors.js';
import { TypedEmitter } from '../../../src/core/events.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { randomInt, SeededRandom } from '../../../src/core/random.js';

describe('bytes', () => {
  it('round-trips hex and big integers', () => {
    assert.equal(toHex(fromHex('00ff10')), '00ff10');
    assert.equal(bytesToBigInt(bigIntToBytes(0x1234n, 4)), 0x1234n);
    assert.throws(() => bigIntToBytes(256n, 1), RangeError);
    assert.deepEqual(concatBytes(fromHex('01'), fromHex('0203')), fromHex('010203'));
    assert.equal(compareBytes(fromHex('01'), fromHex('0100')), -1);
  });
});

describe('codes', () => {
  const T = defineCodes('T', { a: 1, b: 2 });
  it('names known values and stays open to unknown ones', () => {
    assert.equal(T.a, 1);
    assert.equal(T.nameOf(2), 'b');
    assert.equal(T.nameOf(3), undefined);
    assert.equal(T.describe(0x1f), 'unknown(0x1f)');
  });
  it('refuses a table that defines a value twice', () => {
    assert.throws(() => defineCodes('Bad', { a: 1, b: 1 }), /defined twice/);
  });
});

describe('errors', () => {
  it('keeps wire codes and stable local codes', () => {
    const e = new ReloadWireError(0x0c, 'unknown kind');
    assert.equal(e.errorCode, 0x0c);
    assert.equal(new TextDecoder().decode(e.info), 'unknown kind');
    assert.equal(new SipWireError(423, 'Interval Too Brief', [['Min-Expires', '60']]).status, 423);
    const l = new LocalError('ERR_TIMEOUT', 'no answer');
    assert.ok(isLocalError(l, 'ERR_TIMEOUT'));
    assert.ok(!isLocalError(l, 'ERR_CLOSED'));
  });
});

describe('TypedEmitter', () => {
  it('delivers typed payloads and honours once/off', () => {
    const em = new TypedEmitter<{ up: number; down: string }>();
    const got: unknown[] = [];
    const off = em.on('up', (n) => got.push(n));
    em.once('down', (s) => got.push(s));
    em.emit('up', 1);
    em.emit('down', 'x');
    em.emit('down', 'y');
    off();
    em.emit('up', 2);
    assert.deepEqual(got, [1, 'x']);
    assert.equal(em.listenerCount('up'), 0);
  });
});

describe('ManualClock, SeededRandom, MemoryLogger', () => {
  it('moves time forward only', () => {
    const c = new ManualClock(10);
    c.advance(5);
    assert.equal(c.now(), 15);
    assert.throws(() => c.set(1), RangeError);
  });
  it('gives the same sequence for the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const xs = Array.from({ length: 100 }, () => a.u32());
    assert.deepEqual(
      xs,
      Array.from({ length: 100 }, () => b.u32()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 100 }, () => new SeededRandom(43).u32()),
    );
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const k = randomInt(a, 4);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) assert.ok(c > 800 && c < 1200, `uniform-ish: ${counts}`);
  });
  it('records structured log lines with child bindings', () => {
    const log = new MemoryLogger();
    log.child({ node: 'a' }).info({ peer: 'b' }, 'link up');
    assert.deepEqual(log.records, [{ level: 'info', message: 'link up', fields: { node: 'a', peer: 'b' } }]);
  });
});
