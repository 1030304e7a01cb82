import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../src/core/logger.js';
import { SeededRandom } from '../../src/core/random.js';
import { LanDiscovery } from '../../src/discovery/lan-discovery.js';
import { BEACON } from '../support/beacon.js';
import { hexdump } from '../support/hexdump.js';
import { requireTool } from '../support/tools.js';

/**
 * Wireshark's mDNS dissector (tshark) reads what LAN discovery sends, as any DNS-SD browser on the link
 * would: the announcement (PTR, SRV, TXT and A records with the cache-flush bits of RFC 6762 §10.2), the
 * browse query, and the goodbye (TTL 0), all on UDP port 5353, with no malformed packet.
 */

const FIELDS = [
  'dns.flags.response',
  'dns.qry.name',
  'dns.qry.type',
  'dns.ptr.domain_name',
  'dns.srv.port',
  'dns.srv.target',
  'dns.txt',
  'dns.a',
  'dns.resp.ttl',
  'dns.resp.cache_flush',
  '_ws.malformed',
];

describe('LAN discovery packets against tshark', () => {
  let dir = '';
  let rows: Record<string, string>[] = [];

  before(() => {
    const tshark = requireTool('tshark');
    const text2pcap = requireTool('text2pcap');
    dir = mkdtempSync(join(tmpdir(), 'p2psip-mdns-'));
    const d = new LanDiscovery({ log: nullLogger, random: new SeededRandom(1) });
    d.start(0);
    d.advertise(BEACON, 0);
    const packets: Uint8Array[] = [];
    // The first announcement goes out at once, the browse query 20-120 ms later; then a goodbye.
    for (let t = 0; t <= 200; t += 10) {
      d.handleTimeout(t);
      for (let p = d.pollOutput(); p !== undefined; p = d.pollOutput()) packets.push(p.bytes);
    }
    d.stop();
    for (let p = d.pollOutput(); p !== undefined; p = d.pollOutput()) packets.push(p.bytes);
    writeFileSync(join(dir, 'mdns.txt'), packets.map(hexdump).join(''));
    execFileSync(text2pcap, ['-q', '-u', '5353,5353', join(dir, 'mdns.txt'), join(dir, 'mdns.pcap')]);
    const out = execFileSync(
      tshark,
      [
        '-r',
        join(dir, 'mdns.pcap'),
        '-T',
        'fields',
        '-E',
        'aggregator=|',
        ...FIELDS.flatMap((f) => ['-e', f]),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    rows = out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => Object.fromEntries(line.split('\t').map((v, i) => [FIELDS[i] ?? '', v])));
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads the announcement as a DNS-SD service instance of _p2psip._tcp', () => {
    const a = rows[0] ?? {};
    assert.equal(a['dns.flags.response'], '1');
    assert.equal(a['dns.ptr.domain_name'], 'p2psip-0a1b2c3d4e5f._p2psip._tcp.local');
    assert.equal(a['dns.srv.port'], '6084');
    assert.equal(a['dns.srv.target'], 'p2psip-0a1b2c3d4e5f.local');
    assert.deepEqual(a['dns.txt']?.split('|'), [
      'txtvers=1',
      'overlay=local.p2psip',
      'fp=317499ef98052c2f19b91d957299f1ac',
      'state=joined',
      'node=0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      'cfg=40123',
    ]);
    assert.equal(a['dns.a'], '10.77.0.2');
    assert.equal(a['dns.resp.ttl'], '120|120|120|120');
    // The shared PTR has no cache-flush bit; the unique SRV, TXT and A records have it.
    assert.equal(a['dns.resp.cache_flush'], '0|1|1|1');
  });

  it('reads the browse query: a PTR question for _p2psip._tcp.local', () => {
    const q = rows[1] ?? {};
    assert.equal(q['dns.flags.response'], '0');
    assert.equal(q['dns.qry.name'], '_p2psip._tcp.local');
    assert.equal(q['dns.qry.type'], '12');
  });

  it('reads the goodbye: the same records with TTL 0; no packet is malformed', () => {
    const g = rows[2] ?? {};
    assert.equal(g['dns.ptr.domain_name'], 'p2psip-0a1b2c3d4e5f._p2psip._tcp.local');
    assert.equal(g['dns.resp.ttl'], '0|0|0|0');
    assert.equal(rows.length, 3);
    for (const r of rows) assert.equal(r['_ws.malformed'] ?? '', '');
  });
});
