import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8, toHex, utf8 } from '../../../../src/core/bytes.js';
import { kindId } from '../../../../src/core/ids.js';
import { chordResourceId, overlayHash } from '../../../../src/reload/config/hashes.js';
import { domainAllowed, registeredKind } from '../../../../src/reload/config/kinds.js';
import { newSelfSignedOverlay } from '../../../../src/reload/config/new-overlay.js';
import { parseOverlayConfig } from '../../../../src/reload/config/parse.js';
import { checkSupported, isExpired, unsupportedFeatures } from '../../../../src/reload/config/supported.js';
import {
  configurationElement,
  kindElement,
  overlayDocument,
  writeOverlayConfig,
} from '../../../../src/reload/config/write.js';
import { assertLocalError } from '../../../support/errors.js';
import { readVectorFile } from '../../../support/vectors.js';

const NOW = Date.UTC(2025, 0, 1);

describe('hashes', () => {
  it('overlay field: low 32 bits of SHA-1 of the overlay name (RFC 6940 §6.3.2, digest §17.2)', () => {
    assert.equal(overlayHash('overlay.example.org'), 0x9aa32b8d);
  });
  it('CHORD-RELOAD Resource-ID: first 16 bytes of SHA-1 (RFC 6940 §10.2, digest §6.1)', () => {
    assert.equal(toHex(chordResourceId('alice@example.org')), '45a6b241a242c97f0492d382c390dfa3');
    assert.equal(toHex(chordResourceId(utf8('alice@example.org'))), '45a6b241a242c97f0492d382c390dfa3');
  });
});

describe('writer', () => {
  it('writes the RFC example back so that it parses to the same configuration', () => {
    const original = parseOverlayConfig(readVectorFile('rfc6940-config.xml'), 'overlay.example.org').config;
    assert.deepEqual(parseOverlayConfig(writeOverlayConfig(original)).config, original);
  });

  it('keeps configuration and kind text byte-exact, so signatures over them survive', () => {
    const config = newSelfSignedOverlay({ name: 'example.org', bootstrapNodes: [], now: NOW });
    const sip = config.kinds[0];
    assert.ok(sip !== undefined);
    const kindSig = { algorithm: 'rsa-sha256', value: Uint8Array.of(9, 9) };
    const element = configurationElement(config, { kindSignatures: new Map([[sip.id, kindSig]]) });
    const xml = overlayDocument([
      { configuration: element, signatures: [{ value: Uint8Array.of(1, 2, 3) }] },
    ]);
    const { source } = parseOverlayConfig(xml);
    assert.equal(fromUtf8(source.bytes), element);
    assert.equal(fromUtf8(source.kinds[0]?.bytes ?? new Uint8Array()), kindElement(sip));
    assert.deepEqual(source.kinds[0]?.signature, kindSig);
    assert.equal(source.kinds[1]?.signature, undefined);
    assert.deepEqual([...(source.signatures[0]?.value ?? [])], [1, 2, 3]);
  });

  it('escapes markup in text and attributes', () => {
    const config = {
      ...newSelfSignedOverlay({ name: 'example.org', bootstrapNodes: [], now: NOW }),
      sharedSecret: 'a<b>&"c',
    };
    assert.equal(parseOverlayConfig(writeOverlayConfig(config)).config.sharedSecret, 'a<b>&"c');
  });
});

describe('a new self-signed overlay (p2psip overlay create)', () => {
  const config = newSelfSignedOverlay({
    name: 'example.org',
    bootstrapNodes: [{ family: 'ipv4', address: '127.0.0.1', port: 6084 }],
    now: NOW,
  });

  it('is CHORD-RELOAD, No-ICE, 16-byte ids, self-signed with SHA-256, sequence 1, built-in kinds', () => {
    assert.equal(config.topologyPlugin, 'CHORD-RELOAD');
    assert.equal(config.noIce, true);
    assert.equal(config.nodeIdLength, 16);
    assert.equal(config.selfSignedPermitted, true);
    assert.equal(config.selfSignedDigest, 'sha256');
    assert.equal(config.sequence, 1);
    assert.ok((config.expiration ?? 0) > NOW + 19 * 365 * 24 * 3600 * 1000);
    assert.deepEqual(
      config.kinds.map((k) => [k.name, k.id, k.dataModel, k.accessPolicy, k.maxNodeMultiple]),
      [
        ['SIP-REGISTRATION', 0x1, 'dictionary', 'USER-NODE-MATCH', undefined],
        ['TURN-SERVICE', 0x2, 'single', 'NODE-MULTIPLE', 20],
        ['CERTIFICATE_BY_NODE', 0x3, 'array', 'NODE-MATCH', undefined],
        ['CERTIFICATE_BY_USER', 0x10, 'array', 'USER-MATCH', undefined],
      ],
    );
    assert.deepEqual(unsupportedFeatures(config), []);
    assert.equal(isExpired(config, NOW), false);
  });

  it('refuses a name that is not a DNS name', () => {
    assertLocalError(
      () => newSelfSignedOverlay({ name: '-bad-', bootstrapNodes: [], now: NOW }),
      'ERR_BAD_CONFIG',
    );
  });
});

describe('what p2psip supports', () => {
  it('lists everything a configuration asks that we cannot do', () => {
    const base = newSelfSignedOverlay({ name: 'example.org', bootstrapNodes: [], now: NOW });
    const odd = {
      ...base,
      nodeIdLength: 20,
      mandatoryExtensions: ['urn:example:ext', 'urn:ietf:params:xml:ns:p2p:config-base:sip'],
      linkProtocols: ['EXP-PROTOCOL'],
    };
    assert.deepEqual(unsupportedFeatures(odd), [
      'node-id-length 20 (CHORD-RELOAD uses 16)',
      'mandatory-extension urn:example:ext',
      'overlay-link-protocol EXP-PROTOCOL (only TLS is implemented)',
    ]);
    assertLocalError(
      () => checkSupported({ ...base, topologyPlugin: 'EXP-OVERLAY' }),
      'ERR_BAD_CONFIG',
      /topology-plugin EXP-OVERLAY/,
    );
    assert.equal(isExpired({ ...base, expiration: NOW }, NOW), true);
  });
});

describe('RFC 7904 §3.4 domain restriction', () => {
  const sip = registeredKind('SIP-REGISTRATION', 1, 1);
  it('accepts any domain without the element', () => {
    assert.equal(domainAllowed(sip, 'example.org', 'elsewhere.net'), true);
  });
  it('accepts only the overlay domain when enable is false', () => {
    const k = { ...sip, domainRestriction: { enable: false, patterns: [] } };
    assert.equal(domainAllowed(k, 'example.org', 'Example.ORG'), true);
    assert.equal(domainAllowed(k, 'example.org', 'elsewhere.net'), false);
  });
  it('matches whole domains against the patterns when enable is true', () => {
    const k = {
      ...sip,
      domainRestriction: { enable: true, patterns: ['dht\\.example\\.com', '.*\\.my\\.example'] },
    };
    assert.equal(domainAllowed(k, 'example.org', 'dht.example.com'), true);
    assert.equal(domainAllowed(k, 'example.org', 'a.my.example'), true);
    assert.equal(domainAllowed(k, 'example.org', 'dht.example.com.evil'), false);
    assert.equal(domainAllowed(k, 'example.org', 'example.org'), false);
  });
  it('names unregistered kinds clearly', () => {
    assertLocalError(() => registeredKind('NOPE', 1, 1), 'ERR_BAD_CONFIG', /not a registered kind name/);
    assert.equal(kindId(registeredKind('REDIR', 1, 1).id), 0x104);
  });
});
