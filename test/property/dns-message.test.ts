import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../../src/core/ip.js';
import {
  DNS_TYPE,
  type DnsMessage,
  type DnsRecord,
  decodeDnsMessage,
  encodeDnsMessage,
} from '../../src/discovery/dns-message.js';
import { decodesOrCodecError } from '../support/codec-properties.js';
import { propertyRuns } from '../support/tools.js';

/** DNS messages as mDNS uses them (RFC 1035 §4.1, RFC 6762 §18): round trip, and garbage fails cleanly. */
const label = fc.stringMatching(/^[a-z0-9_-]{1,20}$/);
const name = fc.array(label, { minLength: 1, maxLength: 4 });
const base = { name, ttl: fc.integer({ min: 0, max: 0xffffffff }), cacheFlush: fc.boolean() };
const opts = { noNullPrototype: true } as const;
const typed = new Set<number>([DNS_TYPE.A, DNS_TYPE.AAAA, DNS_TYPE.PTR, DNS_TYPE.SRV, DNS_TYPE.TXT]);

const record: fc.Arbitrary<DnsRecord> = fc.oneof(
  fc.record(
    {
      ...base,
      type: fc.constant('A' as const),
      address: fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIPv4),
    },
    opts,
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('AAAA' as const),
      address: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6),
    },
    opts,
  ),
  fc.record({ ...base, type: fc.constant('PTR' as const), target: name }, opts),
  fc.record(
    {
      ...base,
      type: fc.constant('SRV' as const),
      priority: fc.integer({ min: 0, max: 0xffff }),
      weight: fc.integer({ min: 0, max: 0xffff }),
      port: fc.integer({ min: 0, max: 0xffff }),
      target: name,
    },
    opts,
  ),
  fc.record(
    {
      ...base,
      type: fc.constant('TXT' as const),
      strings: fc.array(fc.uint8Array({ maxLength: 255 }), { minLength: 1, maxLength: 4 }),
    },
    opts,
  ),
  fc
    .record(
      {
        ...base,
        type: fc.constant('other' as const),
        code: fc.integer({ min: 0, max: 0xffff }),
        rrClass: fc.integer({ min: 1, max: 0x7fff }),
        data: fc.uint8Array({ maxLength: 40 }),
      },
      opts,
    )
    .filter((r) => r.rrClass !== 1 || !typed.has(r.code)),
);

const message: fc.Arbitrary<DnsMessage> = fc.record(
  {
    id: fc.integer({ min: 0, max: 0xffff }),
    flags: fc.integer({ min: 0, max: 0xffff }),
    questions: fc.array(
      fc.record({ name, type: fc.integer({ min: 0, max: 0xffff }), unicastResponse: fc.boolean() }, opts),
      { maxLength: 3 },
    ),
    answers: fc.array(record, { maxLength: 4 }),
    authorities: fc.array(record, { maxLength: 2 }),
    additionals: fc.array(record, { maxLength: 3 }),
  },
  opts,
);

describe('DNS message properties', () => {
  it('decode(encode(m)) equals m', () => {
    fc.assert(
      fc.property(message, (m) => {
        assert.deepEqual(decodeDnsMessage(encodeDnsMessage(m)), m);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('random bytes, and damaged messages, decode to a stable value or throw only CodecError', () => {
    const format = { encode: encodeDnsMessage, decode: decodeDnsMessage };
    const damaged = fc.tuple(message, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, at, v]) => {
      const b = encodeDnsMessage(m);
      if (b.length > 0) b[at % b.length] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), damaged), (bytes) =>
        decodesOrCodecError(format, bytes),
      ),
      { numRuns: propertyRuns() },
    );
  });
});
