import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../src/cli/command.js';
import { parseDuration } from '../../../src/cli/duration.js';
import { simOptions } from '../../../src/cli/sim.js';

const BIN = fileURLToPath(new URL('../../../../bin/p2psip', import.meta.url));

function p2psip(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('p2psip sim', () => {
  it('prints the DESIGN §4 result object with --json', () => {
    const r = p2psip('sim', '--nodes', '30', '--seed', '3', '--duration', '10s', '--lookups', '50', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of [
      'nodes',
      'lookups',
      'success',
      'timeoutsPerLookup',
      'hops',
      'latencyMs',
      'maintenanceBytesPerNodePerSec',
      'eventsPerSec',
    ]) {
      assert.ok(key in out, key);
    }
    assert.equal(out.nodes, 30);
    assert.equal(out.lookups, 50);
    assert.equal(out.success, 1);
  });

  it('with --values stores that many values first and reports how many were lost at the end', () => {
    const r = p2psip(
      'sim',
      '--nodes',
      '30',
      '--duration',
      '10s',
      '--lookups',
      '20',
      '--values',
      '100',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      storage?: { stored: number; lost: number; underReplicated: number };
    };
    assert.equal(out.storage?.stored, 100);
    assert.equal(out.storage?.lost, 0);
    assert.equal(typeof out.storage?.underReplicated, 'number');
  });

  it('prints a short table without --json, and no progress bar when stdout is not a terminal', () => {
    const r = p2psip('sim', '--nodes', '20', '--fail', '0.25', '--duration', '5s', '--lookups', '20');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^p2psip sim: 20 peers, seed 1; 5 \(25 %\) killed at once/);
    assert.match(r.stdout, /\nsuccess +\d/);
    assert.equal(r.stderr, '');
  });

  it('exits 2 with a one-line reason on bad arguments', () => {
    for (const args of [
      ['--nodes', 'many'],
      ['--nodes', '1'],
      ['--nodes', '10', '--fail', '2'],
      ['--nodes', '10', '--churn', 'soon'],
      ['--nodes', '10', '--fail', '0.5', '--churn', '10m'],
      ['--nodes', '10', '--churn', '10m', '--departure', 'vanish'],
      ['--nodes', '10', '--departure', 'crash'],
      ['--nodes', '10', '--bogus'],
      [],
    ]) {
      const r = p2psip('sim', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^p2psip sim: [^\n]+\n$/);
      assert.equal(r.stdout, '');
    }
  });

  it('reads durations with units, and bare numbers as seconds', () => {
    assert.equal(parseDuration('90s', 'x'), 90_000);
    assert.equal(parseDuration('10m', 'x'), 600_000);
    assert.equal(parseDuration('1.5h', 'x'), 5_400_000);
    assert.equal(parseDuration('250ms', 'x'), 250);
    assert.equal(parseDuration('30', 'x'), 30_000);
    assert.throws(() => parseDuration('0s', 'x'), UsageError);
    assert.throws(() => parseDuration('-5m', 'x'), UsageError);
    assert.deepEqual(simOptions(['--nodes', '100', '--churn', '84s', '--duration', '10m']), {
      nodes: 100,
      json: false,
      seed: 1,
      churn: 84_000,
      duration: 600_000,
    });
    assert.equal(simOptions(['--nodes', '9', '--churn', '5m', '--departure', 'crash']).departure, 'crash');
    assert.equal(simOptions(['--nodes', '9', '--churn', '5m', '--departure', 'leave']).departure, 'leave');
  });
});
