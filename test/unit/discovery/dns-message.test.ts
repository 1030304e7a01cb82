import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, utf8 } from '../../../src/core/bytes.js';
import { decodeDnsMessage, encodeDnsMessage, txtToMap } from '../../../src/discovery/dns-message.js';
import { CodecError } from '../../../src/wire/index.js';

/** RFC 1035 §4.1 messages with the mDNS bits of RFC 6762 §18, read as other responders write them. */
const hex = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''));
const label = (s: string): string => Buffer.from([s.length, ...utf8(s)]).toString('hex');

describe('DNS messages', () => {
  it('reads a compressed mDNS response: PTR, SRV and TXT names pointing back into the message', () => {
    // Header: id 0, flags 8400 (QR, AA), 0 questions, 3 answers.
    const service = `${label('_p2psip')}${label('_tcp')}${label('local')}00`;
    const bytes = hex(
      `0000 8400 0000 0003 0000 0000
       ${service} 000c 0001 00000078 0016 ${label('p2psip-0123456789ab')} c00c
       c02a 0021 8001 00000078 000d 0000 0000 17c4 ${label('host')} c019
       c02a 0010 8001 00000078 000a ${label('txtvers=1')}`,
    );
    const m = decodeDnsMessage(bytes);
    assert.equal(m.flags, 0x8400);
    assert.deepEqual(m.answers[0], {
      name: ['_p2psip', '_tcp', 'local'],
      ttl: 120,
      cacheFlush: false,
      type: 'PTR',
      target: ['p2psip-0123456789ab', '_p2psip', '_tcp', 'local'],
    });
    assert.deepEqual(m.answers[1], {
      name: ['p2psip-0123456789ab', '_p2psip', '_tcp', 'local'],
      ttl: 120,
      cacheFlush: true,
      type: 'SRV',
      priority: 0,
      weight: 0,
      port: 6084,
      target: ['host', 'local'],
    });
    const txt = m.answers[2];
    assert.ok(txt?.type === 'TXT');
    assert.deepEqual([...txtToMap(txt.strings)], [['txtvers', '1']]);
  });

  it('refuses a compression pointer that does not point back (a loop), as a CodecError', () => {
    // One question whose name is a pointer to itself (offset 12).
    assert.throws(() => decodeDnsMessage(hex('0000 0000 0001 0000 0000 0000 c00c 000c 0001')), CodecError);
    // Two pointers to each other.
    assert.throws(
      () => decodeDnsMessage(hex(`0000 0000 0002 0000 0000 0000 c012 000c 0001 c00c 000c 0001`)),
      CodecError,
    );
  });

  it('refuses counts the message cannot hold before reading anything', () => {
    assert.throws(() => decodeDnsMessage(hex('0000 0000 ffff ffff ffff ffff')), CodecError);
  });

  it('writes the cache-flush and unicast-response bits in the class (RFC 6762 §18.12, §18.13)', () => {
    const bytes = encodeDnsMessage({
      id: 7,
      flags: 0,
      questions: [{ name: ['a', 'local'], type: 1, unicastResponse: true }],
      answers: [{ name: ['a', 'local'], type: 'A', address: '10.0.0.1', ttl: 120, cacheFlush: true }],
      authorities: [],
      additionals: [],
    });
    assert.equal(
      Buffer.from(bytes).toString('hex'),
      `0007000000010001000000000161056c6f63616c0000018001` + `0161056c6f63616c00000180010000007800040a000001`,
    );
  });

  it('reads TXT key/value pairs as DNS-SD does: keys without case, the first of a key wins', () => {
    const m = txtToMap([utf8('Overlay=a.b'), utf8('overlay=c.d'), utf8('flag'), utf8('=x')]);
    assert.deepEqual(
      [...m],
      [
        ['overlay', 'a.b'],
        ['flag', ''],
      ],
    );
  });
});
