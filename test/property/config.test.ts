import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/core/bytes.js';
import { isLocalError } from '../../src/core/errors.js';
import { kindId } from '../../src/core/ids.js';
import { formatIPv6, parseIPv6 } from '../../src/core/ip.js';
import type { KindDefinition, OverlayConfig } from '../../src/reload/config/overlay-config.js';
import { parseOverlayConfig } from '../../src/reload/config/parse.js';
import { writeOverlayConfig } from '../../src/reload/config/write.js';
import {
  ACCESS_POLICIES,
  DATA_MODEL_NAMES,
  REGISTERED_KINDS,
  registeredKindById,
} from '../../src/reload/messages/data-model.js';
import { propertyRuns } from '../support/tools.js';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
/** A DNS name whose last label starts with a letter (a numeric one would read as an IPv4 address in a URL). */
const domain = fc
  .tuple(fc.array(label, { maxLength: 3 }), fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/))
  .map(([ls, tld]) => [...ls, tld].join('.'));
function validUrl(u: string): boolean {
  try {
    new URL(u);
    return true;
  } catch {
    return false;
  }
}
const token = fc.stringMatching(/^[A-Z][A-Z0-9_-]{0,15}$/);
/** Text that survives XML: no controls, surrogates or non-characters, no surrounding whitespace. */
const xmlText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => s === s.trim() && s.length > 0 && /^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]*$/u.test(s));
const hexId = (maxBytes: number) => fc.uint8Array({ minLength: 1, maxLength: maxBytes }).map((b) => toHex(b));

const bootstrapNode = fc.oneof(
  fc.record(
    { family: fc.constant('ipv4' as const), address: fc.ipV4(), port: fc.integer({ min: 1, max: 65535 }) },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      family: fc.constant('ipv6' as const),
      address: fc.ipV6().map((a) => formatIPv6(parseIPv6(a) ?? new Uint8Array(16))),
      port: fc.integer({ min: 1, max: 65535 }),
    },
    { noNullPrototype: true },
  ),
);

const domainRestriction = fc.option(
  fc.record(
    {
      enable: fc.boolean(),
      patterns: fc.array(fc.constantFrom('.*', 'dht\\.example\\.com', '[a-z]+\\.my\\.example'), {
        maxLength: 3,
      }),
    },
    { noNullPrototype: true },
  ),
  { nil: undefined },
);

const registered: fc.Arbitrary<KindDefinition> = fc
  .tuple(
    fc.constantFrom(...REGISTERED_KINDS),
    fc.nat(1000),
    fc.nat(100_000),
    fc.integer({ min: 1, max: 1000 }),
    domainRestriction,
  )
  .map(([reg, maxCount, maxSize, multiple, dr]) => ({
    id: kindId(reg.id),
    name: reg.name,
    dataModel: reg.dataModel,
    accessPolicy: reg.accessPolicy,
    maxCount,
    maxSize,
    ...(reg.accessPolicy === 'NODE-MULTIPLE' ? { maxNodeMultiple: multiple } : {}),
    ...(dr === undefined ? {} : { domainRestriction: dr }),
  }));

const privateKind: fc.Arbitrary<KindDefinition> = fc
  .tuple(
    fc.integer({ min: 1, max: 0xffff_ffff }).filter((id) => registeredKindById(id) === undefined),
    fc.constantFrom(...Object.values(DATA_MODEL_NAMES)),
    fc.constantFrom(...ACCESS_POLICIES),
    fc.nat(1000),
    fc.nat(100_000),
    fc.integer({ min: 1, max: 1000 }),
    domainRestriction,
  )
  .map(([id, dataModel, accessPolicy, maxCount, maxSize, multiple, dr]) => ({
    id: kindId(id),
    dataModel,
    accessPolicy,
    maxCount,
    maxSize,
    ...(accessPolicy === 'NODE-MULTIPLE' ? { maxNodeMultiple: multiple } : {}),
    ...(dr === undefined ? {} : { domainRestriction: dr }),
  }));

const kinds = fc.uniqueArray(fc.oneof(registered, privateKind), { maxLength: 5, selector: (k) => k.id });

const config: fc.Arbitrary<OverlayConfig> = fc
  .record(
    {
      instanceName: domain,
      sequence: fc.integer({ min: 0, max: 0xfffe }),
      expiration: fc.option(fc.integer({ min: 0, max: 2 ** 42 }), { nil: undefined }),
      topologyPlugin: fc.oneof(fc.constant('CHORD-RELOAD'), token),
      nodeIdLength: fc.integer({ min: 16, max: 20 }),
      rootCerts: fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 3 }),
      enrollmentServers: fc.array(
        domain
          .map((d) => `https://${d}/enroll`)
          // A label like `xn--a` is an A-label that is not valid punycode: no URL parser takes it (the
          // reader rightly refuses the document), so it is not a document to round-trip.
          .filter(validUrl),
        { maxLength: 2 },
      ),
      selfSignedPermitted: fc.boolean(),
      selfSignedDigest: fc.constantFrom('sha1' as const, 'sha256' as const),
      bootstrapNodes: fc.array(bootstrapNode, { maxLength: 4 }),
      turnDensity: fc.integer({ min: 0, max: 255 }),
      clientsPermitted: fc.boolean(),
      noIce: fc.boolean(),
      chord: fc.record(
        {
          updateInterval: fc.integer({ min: 1, max: 86_400 }),
          pingInterval: fc.integer({ min: 1, max: 86_400 }),
          reactive: fc.boolean(),
          successorCount: fc.integer({ min: 3, max: 32 }),
          predecessorCount: fc.integer({ min: 3, max: 32 }),
          fingerCount: fc.integer({ min: 16, max: 128 }),
        },
        { noNullPrototype: true },
      ),
      sharedSecret: fc.option(xmlText, { nil: undefined }),
      maxMessageSize: fc.integer({ min: 38, max: 0xff_ffff }),
      initialTtl: fc.integer({ min: 1, max: 255 }),
      reliabilityTimer: fc.integer({ min: 200, max: 60_000 }),
      linkProtocols: fc.array(token, { minLength: 1, maxLength: 3 }),
      signers: fc.array(hexId(16), { maxLength: 2 }),
      kindSigners: fc.array(hexId(16), { maxLength: 2 }),
      badNodes: fc.array(hexId(16), { maxLength: 2 }),
      mandatoryExtensions: fc.array(
        token.map((t) => `urn:example:${t}`),
        { maxLength: 2 },
      ),
      kinds,
      replicas: fc.integer({ min: 1, max: 32 }),
    },
    { noNullPrototype: true },
  )
  .map(({ expiration, sharedSecret, signers, replicas, ...c }) => ({
    ...c,
    ...(expiration === undefined ? {} : { expiration }),
    ...(sharedSecret === undefined ? {} : { sharedSecret }),
    configurationSigners: signers,
    replicaCount: Math.min(replicas, c.chord.successorCount),
  }));

describe('configuration document properties', () => {
  it('parse(write(config)) equals config', () => {
    fc.assert(
      fc.property(config, (c) => {
        assert.deepEqual(parseOverlayConfig(writeOverlayConfig(c)).config, c);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('a mutated document parses or fails with ERR_BAD_CONFIG, never anything else', () => {
    const mutated = fc
      .tuple(
        config,
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([c, edits]) => {
        let xml = writeOverlayConfig(c);
        for (const [at, len, insert] of edits) {
          const i = at % (xml.length + 1);
          xml = xml.slice(0, i) + insert + xml.slice(i + len);
        }
        return xml;
      });
    fc.assert(
      fc.property(mutated, (xml) => {
        try {
          parseOverlayConfig(xml);
        } catch (e) {
          assert.ok(isLocalError(e, 'ERR_BAD_CONFIG'), `unexpected ${String(e)}`);
        }
      }),
      { numRuns: propertyRuns() },
    );
  });
});
