import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8, toHex, utf8 } from '../../../../src/core/bytes.js';
import { CONFIG_DEFAULTS } from '../../../../src/reload/config/overlay-config.js';
import { parseOverlayConfig, readConfigurationDocument } from '../../../../src/reload/config/parse.js';
import { assertLocalError } from '../../../support/errors.js';
import { readVectorFile } from '../../../support/vectors.js';
import { doc, kindDoc, PRIVATE_KIND_BODY } from './support.js';

const text = (b: Uint8Array): string => fromUtf8(b);

describe('RFC 6940 §11.1 example configuration document', () => {
  const bytes = readVectorFile('rfc6940-config.xml');
  const { config, source } = parseOverlayConfig(bytes, 'overlay.example.org');

  it('reads every base, chord and kind value of the example', () => {
    assert.equal(config.instanceName, 'overlay.example.org');
    assert.equal(config.sequence, 22);
    assert.equal(config.expiration, Date.UTC(2002, 9, 10, 7, 0, 0));
    assert.equal(config.topologyPlugin, 'CHORD-RELOAD');
    assert.equal(config.nodeIdLength, 16);
    assert.equal(config.rootCerts.length, 2);
    assert.equal(config.rootCerts[0]?.length, 808);
    assert.equal(text(config.rootCerts[1] ?? new Uint8Array()), 'bad cert\n');
    assert.deepEqual(config.enrollmentServers, ['https://example.org', 'https://example.net']);
    assert.equal(config.selfSignedPermitted, false);
    assert.equal(config.selfSignedDigest, 'sha1');
    assert.deepEqual(config.bootstrapNodes, [
      { family: 'ipv4', address: '192.0.0.1', port: 6084 },
      { family: 'ipv4', address: '192.0.2.2', port: 6084 },
      { family: 'ipv6', address: '2001:db8::1', port: 6084 },
    ]);
    assert.equal(config.turnDensity, 20);
    assert.equal(config.clientsPermitted, false);
    assert.equal(config.noIce, false);
    assert.deepEqual(config.chord, {
      ...CONFIG_DEFAULTS.chord,
      updateInterval: 400,
      pingInterval: 30,
      reactive: true,
    });
    assert.equal(config.sharedSecret, 'password');
    assert.equal(config.maxMessageSize, 4000);
    assert.equal(config.initialTtl, 30);
    assert.equal(config.reliabilityTimer, 3000);
    assert.deepEqual(config.linkProtocols, ['TLS']);
    assert.deepEqual(config.configurationSigners, ['47112162e84c69ba']);
    assert.deepEqual(config.kindSigners, ['47112162e84c69ba', '6eba45d31a900c06']);
    assert.deepEqual(config.badNodes, ['6ebc45d31a900c06', '6ebc45d31a900ca6']);
    assert.deepEqual(config.mandatoryExtensions, ['urn:ietf:params:xml:ns:p2p:config-ext1']);
  });

  it('takes a named kind model and policy from IANA, not from the document', () => {
    assert.deepEqual(config.kinds[0], {
      id: 1,
      name: 'SIP-REGISTRATION',
      dataModel: 'dictionary',
      accessPolicy: 'USER-NODE-MATCH',
      maxCount: 1,
      maxSize: 100,
    });
    assert.deepEqual(config.kinds[1], {
      id: 2000,
      dataModel: 'array',
      accessPolicy: 'NODE-MULTIPLE',
      maxCount: 22,
      maxSize: 4,
      maxNodeMultiple: 3,
    });
  });

  it('keeps the exact bytes of the configuration and kind elements and their signatures', () => {
    const all = text(bytes);
    const start = all.indexOf('<configuration instance-name="overlay.example.org"');
    const end = all.indexOf('</configuration>') + '</configuration>'.length;
    assert.equal(text(source.bytes), all.slice(start, end));
    assert.deepEqual(
      source.signatures.map((s) => text(s.value)),
      ['This is not right!\n'],
    );
    assert.match(
      text(source.kinds[0]?.bytes ?? new Uint8Array()),
      /^<kind name="SIP-REGISTRATION">[\s\S]*<\/kind>$/,
    );
    assert.match(
      text(source.kinds[1]?.bytes ?? new Uint8Array()),
      /^<kind id="2000">[\s\S]*example-kind-extension[\s\S]*<\/kind>$/,
    );
    assert.equal(text(source.kinds[1]?.signature?.value ?? new Uint8Array()), 'This is not right!\n');
  });

  it('lists both configurations and parses the empty one with defaults', () => {
    const d = readConfigurationDocument(bytes);
    assert.deepEqual(
      d.entries.map((e) => [e.instanceName, e.signatures.length]),
      [
        ['overlay.example.org', 1],
        ['other.example.net', 1],
      ],
    );
    const other = parseOverlayConfig(bytes, 'other.example.net').config;
    assert.equal(other.sequence, 0);
    assert.equal(other.expiration, undefined);
    assert.deepEqual(other.kinds, []);
    assert.equal(
      text(parseOverlayConfig(bytes, 'other.example.net').source.bytes).split('\n')[0],
      '<configuration instance-name="other.example.net">',
    );
  });

  it('matches the overlay name without regard to case', () => {
    assert.equal(parseOverlayConfig(bytes, 'Other.Example.NET').config.instanceName, 'other.example.net');
  });

  it('refuses to guess between several configurations, and says when the name is absent', () => {
    assertLocalError(() => parseOverlayConfig(bytes), 'ERR_BAD_CONFIG', /several configurations/);
    assertLocalError(
      () => parseOverlayConfig(bytes, 'nope.example'),
      'ERR_BAD_CONFIG',
      /no configuration for "nope.example"/,
    );
  });
});

describe('defaults (RFC 6940 §11.1, reload-digest §8.3 and §20)', () => {
  it('fills every absent parameter with its default', () => {
    const { config } = parseOverlayConfig(doc(''));
    assert.deepEqual(config, {
      instanceName: 'example.org',
      sequence: 0,
      topologyPlugin: 'CHORD-RELOAD',
      nodeIdLength: 16,
      rootCerts: [],
      enrollmentServers: [],
      selfSignedPermitted: false,
      selfSignedDigest: 'sha1',
      bootstrapNodes: [],
      turnDensity: 1,
      clientsPermitted: true,
      noIce: false,
      chord: {
        updateInterval: 600,
        pingInterval: 3600,
        reactive: true,
        successorCount: 3,
        predecessorCount: 3,
        fingerCount: 16,
      },
      maxMessageSize: 5000,
      initialTtl: 100,
      reliabilityTimer: 3000,
      linkProtocols: ['TLS'],
      configurationSigners: [],
      kindSigners: [],
      badNodes: [],
      mandatoryExtensions: [],
      kinds: [],
      replicaCount: 2,
    });
  });

  it('gives a frozen configuration', () => {
    const { config } = parseOverlayConfig(doc('<bootstrap-node address="10.0.0.1"/>'));
    assert.ok(
      Object.isFrozen(config) && Object.isFrozen(config.bootstrapNodes) && Object.isFrozen(config.chord),
    );
    assert.equal(config.bootstrapNodes[0]?.port, 6084);
  });
});

describe('every element', () => {
  const full = doc(
    [
      '<topology-plugin>CHORD-RELOAD</topology-plugin>',
      '<node-id-length>20</node-id-length>',
      '<root-cert>AAEC</root-cert>',
      '<enrollment-server>https://ca.example.org/enroll</enrollment-server>',
      '<self-signed-permitted digest="sha256">1</self-signed-permitted>',
      '<bootstrap-node address="[::1]" port="1"/>'.replace('[::1]', '::ffff:10.0.0.1'),
      '<turn-density>0</turn-density>',
      '<clients-permitted>0</clients-permitted>',
      '<no-ice>1</no-ice>',
      '<chord:chord-update-interval>60</chord:chord-update-interval>',
      '<chord:chord-ping-interval>120</chord:chord-ping-interval>',
      '<chord:chord-reactive>false</chord:chord-reactive>',
      '<shared-secret>s3cret &amp; more</shared-secret>',
      '<max-message-size>65000</max-message-size>',
      '<initial-ttl>255</initial-ttl>',
      '<overlay-reliability-timer>200</overlay-reliability-timer>',
      '<overlay-link-protocol>TLS</overlay-link-protocol>',
      '<overlay-link-protocol>EXP-PROTOCOL</overlay-link-protocol>',
      `<configuration-signer>${'AB'.repeat(20)}</configuration-signer>`,
      `<kind-signer>${'cd'.repeat(16)}</kind-signer>`,
      `<bad-node>${'ef'.repeat(20)}</bad-node>`,
      '<mandatory-extension>urn:ietf:params:xml:ns:p2p:config-base:sip</mandatory-extension>',
      '<p2psip:successor-count>5</p2psip:successor-count>',
      '<p2psip:predecessor-count>4</p2psip:predecessor-count>',
      '<p2psip:finger-count>128</p2psip:finger-count>',
      '<p2psip:replica-count>5</p2psip:replica-count>',
      '<required-kinds>',
      '<kind-block><kind name="TURN-SERVICE"><max-count>1</max-count><max-size>30</max-size></kind></kind-block>',
      '<kind-block><kind id="4026531842"><data-model>DICTIONARY</data-model><access-control>USER-MATCH</access-control>',
      '<max-count>7</max-count><max-size>70</max-size>',
      '<sip:domain-restriction enable="true"><sip:pattern>dht\\.example\\.com</sip:pattern><sip:pattern>.*\\.my\\.example</sip:pattern></sip:domain-restriction>',
      '</kind></kind-block>',
      '<kind-block><kind name="CERTIFICATE_BY_USER"><max-count>2</max-count><max-size>3</max-size><sip:domain-restriction/></kind></kind-block>',
      '</required-kinds>',
    ].join('\n'),
    ' sequence="65534" expiration="2030-01-01T01:00:00+01:00"',
  );
  const { config } = parseOverlayConfig(full);

  it('reads each parameter with its type', () => {
    assert.equal(config.sequence, 65534);
    assert.equal(config.expiration, Date.UTC(2030, 0, 1, 0, 0, 0));
    assert.equal(config.nodeIdLength, 20);
    assert.deepEqual([...(config.rootCerts[0] ?? [])], [0, 1, 2]);
    assert.deepEqual(config.enrollmentServers, ['https://ca.example.org/enroll']);
    assert.equal(config.selfSignedPermitted, true);
    assert.equal(config.selfSignedDigest, 'sha256');
    assert.deepEqual(config.bootstrapNodes, [{ family: 'ipv6', address: '::ffff:a00:1', port: 1 }]);
    assert.equal(config.turnDensity, 0);
    assert.equal(config.clientsPermitted, false);
    assert.equal(config.noIce, true);
    assert.deepEqual(config.chord, {
      updateInterval: 60,
      pingInterval: 120,
      reactive: false,
      successorCount: 5,
      predecessorCount: 4,
      fingerCount: 128,
    });
    assert.equal(config.sharedSecret, 's3cret & more');
    assert.equal(config.maxMessageSize, 65000);
    assert.equal(config.initialTtl, 255);
    assert.equal(config.reliabilityTimer, 200);
    assert.deepEqual(config.linkProtocols, ['TLS', 'EXP-PROTOCOL']);
    assert.deepEqual(config.configurationSigners, ['ab'.repeat(20)]);
    assert.deepEqual(config.kindSigners, ['cd'.repeat(16)]);
    assert.deepEqual(config.badNodes, ['ef'.repeat(20)]);
    assert.equal(config.replicaCount, 5);
  });

  it('reads kinds by name and by id, NODE-MULTIPLE limits and RFC 7904 domain restrictions', () => {
    assert.deepEqual(config.kinds, [
      {
        id: 2,
        name: 'TURN-SERVICE',
        dataModel: 'single',
        accessPolicy: 'NODE-MULTIPLE',
        maxCount: 1,
        maxSize: 30,
        maxNodeMultiple: 20,
      },
      {
        id: 0xf000_0002,
        dataModel: 'dictionary',
        accessPolicy: 'USER-MATCH',
        maxCount: 7,
        maxSize: 70,
        domainRestriction: { enable: true, patterns: ['dht\\.example\\.com', '.*\\.my\\.example'] },
      },
      {
        id: 0x10,
        name: 'CERTIFICATE_BY_USER',
        dataModel: 'array',
        accessPolicy: 'USER-MATCH',
        maxCount: 2,
        maxSize: 3,
        domainRestriction: { enable: false, patterns: [] },
      },
    ]);
  });

  it('resolves namespaces by URI, whatever the prefix', () => {
    const xml = `<o:overlay xmlns:o="urn:ietf:params:xml:ns:p2p:config-base" xmlns:c="urn:ietf:params:xml:ns:p2p:config-chord">
      <o:configuration instance-name="example.org"><c:chord-ping-interval>7</c:chord-ping-interval>
      <o:no-ice>true</o:no-ice></o:configuration></o:overlay>`;
    const { config: c } = parseOverlayConfig(xml);
    assert.equal(c.chord.pingInterval, 7);
    assert.equal(c.noIce, true);
  });

  it('ignores elements and attributes of foreign namespaces (RFC 6940 §11.1.1 foreign-elements)', () => {
    const { config: c } = parseOverlayConfig(
      doc('<x:thing xmlns:x="urn:example:x"><no-ice>true</no-ice></x:thing>', ' xmlns:y="urn:y" y:a="1"'),
    );
    assert.equal(c.noIce, false);
  });
});

describe('validation errors name the element', () => {
  const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['bad boolean', doc('<no-ice>yes</no-ice>'), /<no-ice>: must be true, false, 1 or 0/],
    [
      'node-id-length too small',
      doc('<node-id-length>15</node-id-length>'),
      /<node-id-length>: must be between 16 and 20/,
    ],
    ['node-id-length too large', doc('<node-id-length>21</node-id-length>'), /between 16 and 20/],
    [
      'not an integer',
      doc('<max-message-size>5k</max-message-size>'),
      /<max-message-size>: must be an integer/,
    ],
    [
      'reliability timer below 200 ms',
      doc('<overlay-reliability-timer>199</overlay-reliability-timer>'),
      /<overlay-reliability-timer>: must be between 200/,
    ],
    ['initial-ttl 0', doc('<initial-ttl>0</initial-ttl>'), /<initial-ttl>/],
    ['turn-density over a byte', doc('<turn-density>256</turn-density>'), /<turn-density>/],
    ['sequence 65535', doc('', ' sequence="65535"'), /<configuration sequence>: must be between 0 and 65534/],
    [
      'bad expiration',
      doc('', ' expiration="tomorrow"'),
      /<configuration expiration>: must be an RFC 3339 date-time/,
    ],
    ['impossible date', doc('', ' expiration="2030-02-30T00:00:00Z"'), /is not a valid date-time/],
    ['bad instance-name', doc('').replace('example.org', 'ex ample'), /instance-name>: must be a DNS name/],
    ['missing instance-name', doc('').replace(' instance-name="example.org"', ''), /needs an instance-name/],
    ['bad base64 root-cert', doc('<root-cert>***</root-cert>'), /<root-cert>: is not base64/],
    [
      'http enrollment server',
      doc('<enrollment-server>http://x.example</enrollment-server>'),
      /<enrollment-server>: must be an https: URL/,
    ],
    [
      'unknown digest',
      doc('<self-signed-permitted digest="md5">true</self-signed-permitted>'),
      /<self-signed-permitted digest>: must be sha1 or sha256/,
    ],
    [
      'digest missing',
      doc('<self-signed-permitted>true</self-signed-permitted>'),
      /digest>: must be sha1 or sha256/,
    ],
    [
      'bootstrap host name',
      doc('<bootstrap-node address="boot.example.org"/>'),
      /<bootstrap-node address>: must be an IPv4 or IPv6 address/,
    ],
    [
      'bootstrap port 0',
      doc('<bootstrap-node address="10.0.0.1" port="0"/>'),
      /<bootstrap-node port>: must be between 1 and 65535/,
    ],
    [
      'chord interval 0',
      doc('<chord:chord-update-interval>0</chord:chord-update-interval>'),
      /<chord:chord-update-interval>/,
    ],
    [
      'two successors',
      doc('<p2psip:successor-count>2</p2psip:successor-count>'),
      /<p2psip:successor-count>: must be between 3/,
    ],
    [
      '15 fingers',
      doc('<p2psip:finger-count>15</p2psip:finger-count>'),
      /<p2psip:finger-count>: must be between 16 and 128/,
    ],
    [
      'more replicas than successors',
      doc('<p2psip:replica-count>4</p2psip:replica-count>'),
      /4 is more than the 3 successors/,
    ],
    [
      'unknown p2psip element',
      doc('<p2psip:ring-size>1</p2psip:ring-size>'),
      /<p2psip:ring-size>: is not a configuration parameter/,
    ],
    [
      'unknown base element',
      doc('<multicast-bootstrap>1</multicast-bootstrap>'),
      /<multicast-bootstrap>: is not a configuration parameter/,
    ],
    ['repeated singleton', doc('<no-ice>1</no-ice><no-ice>1</no-ice>'), /<no-ice>: may appear only once/],
    [
      'unknown configuration attribute',
      doc('', ' version="2"'),
      /<configuration version>: is not an attribute/,
    ],
    ['elements inside a value', doc('<initial-ttl><x/>5</initial-ttl>'), /<initial-ttl>: must hold text/],
    ['bad Node-ID hex', doc('<bad-node>xyz</bad-node>'), /<bad-node>: must be a Node-ID in hexadecimal/],
    [
      'Node-ID longer than node-id-length',
      doc(`<kind-signer>${'00'.repeat(17)}</kind-signer>`),
      /<kind-signer>: is longer than node-id-length/,
    ],
    ['empty shared-secret', doc('<shared-secret> </shared-secret>'), /<shared-secret>: must not be empty/],
    [
      'unknown kind name',
      kindDoc(PRIVATE_KIND_BODY, 'name="NO-SUCH-KIND"'),
      /<kind name>: "NO-SUCH-KIND" is not a registered kind name/,
    ],
    [
      'kind with both name and id',
      kindDoc(PRIVATE_KIND_BODY, 'name="TURN-SERVICE" id="2"'),
      /exactly one of the attributes name and id/,
    ],
    ['Kind-ID 0', kindDoc(PRIVATE_KIND_BODY, 'id="0"'), /<kind id>: must be between 1/],
    [
      'missing max-count',
      kindDoc(
        '<data-model>SINGLE</data-model><access-control>NODE-MATCH</access-control><max-size>1</max-size>',
      ),
      /<kind>: needs <max-count>/,
    ],
    [
      'missing max-size',
      kindDoc(
        '<data-model>SINGLE</data-model><access-control>NODE-MATCH</access-control><max-count>1</max-count>',
      ),
      /<kind>: needs <max-size>/,
    ],
    [
      'unknown data model',
      kindDoc(PRIVATE_KIND_BODY.replace('SINGLE', 'EXP-DATA')),
      /<data-model>: must be one of SINGLE, ARRAY, DICTIONARY/,
    ],
    [
      'unknown access policy',
      kindDoc(PRIVATE_KIND_BODY.replace('NODE-MATCH', 'EXP-MATCH')),
      /<access-control>: must be one of/,
    ],
    [
      'NODE-MULTIPLE without max-node-multiple',
      kindDoc(PRIVATE_KIND_BODY.replace('NODE-MATCH', 'NODE-MULTIPLE')),
      /needs <max-node-multiple>/,
    ],
    [
      'max-node-multiple 0',
      kindDoc(`${PRIVATE_KIND_BODY}<max-node-multiple>0</max-node-multiple>`),
      /<max-node-multiple>: must be between 1/,
    ],
    [
      'kind parameter twice',
      kindDoc(`${PRIVATE_KIND_BODY}<max-size>3</max-size>`),
      /<max-size>: appears twice/,
    ],
    [
      'unknown kind parameter',
      kindDoc(`${PRIVATE_KIND_BODY}<max-age>3</max-age>`),
      /<max-age>: is not a kind parameter/,
    ],
    [
      'bad domain pattern',
      kindDoc(
        `${PRIVATE_KIND_BODY}<sip:domain-restriction enable="true"><sip:pattern>(</sip:pattern></sip:domain-restriction>`,
      ),
      /<sip:pattern>: is not a usable pattern/,
    ],
    [
      'bad enable',
      kindDoc(`${PRIVATE_KIND_BODY}<sip:domain-restriction enable="maybe"/>`),
      /<sip:domain-restriction enable>/,
    ],
    [
      'same Kind-ID twice',
      doc(
        `<required-kinds><kind-block><kind id="5000">${PRIVATE_KIND_BODY}</kind></kind-block><kind-block><kind id="5000">${PRIVATE_KIND_BODY}</kind></kind-block></required-kinds>`,
      ),
      /defines Kind-ID 5000 twice/,
    ],
    [
      'kind-block without kind',
      doc('<required-kinds><kind-block/></required-kinds>'),
      /<kind-block>: needs a <kind>/,
    ],
    [
      'stray element in required-kinds',
      doc('<required-kinds><kind/></required-kinds>'),
      /<kind>: is not allowed in <required-kinds>/,
    ],
    [
      'bad kind-signature',
      kindDoc(PRIVATE_KIND_BODY).replace(
        '</kind></kind-block>',
        '</kind><kind-signature>!</kind-signature></kind-block>',
      ),
      /<kind-signature>: is not base64/,
    ],
  ];
  for (const [name, xml, message] of cases) {
    it(name, () => assertLocalError(() => parseOverlayConfig(xml), 'ERR_BAD_CONFIG', message));
  }
});

describe('the document as XML', () => {
  it('accepts 1 and 0 as booleans and decodes character references', () => {
    const { config } = parseOverlayConfig(
      doc(
        '<no-ice>1</no-ice><chord:chord-reactive>0</chord:chord-reactive><shared-secret>&#x41;&#66;&lt;</shared-secret>',
      ),
    );
    assert.equal(config.noIce, true);
    assert.equal(config.chord.reactive, false);
    assert.equal(config.sharedSecret, 'AB<');
  });

  it('keeps exact bytes across CRLF line ends, a byte order mark and non-ASCII text', () => {
    const inner = '<shared-secret>gr\u00fc\u00dfe \u{1F600}</shared-secret>\r\n<no-ice>true</no-ice>';
    const xml = `\uFEFF${doc(inner).replace(/\n/g, '\r\n')}`;
    const bytes = utf8(xml);
    const { config, source } = parseOverlayConfig(bytes);
    assert.equal(config.sharedSecret, 'gr\u00fc\u00dfe \u{1F600}');
    const start = xml.indexOf('<configuration');
    const end = xml.indexOf('</configuration>') + '</configuration>'.length;
    assert.equal(toHex(source.bytes), toHex(utf8(xml.slice(start, end))));
    assert.ok(text(source.bytes).includes('\r\n'));
  });

  it('pairs each signature with the configuration before it', () => {
    const xml = doc('').replace(
      '</overlay>',
      '<signature algorithm="rsa-sha256">AQID</signature><signature>BA==</signature></overlay>',
    );
    const { source } = parseOverlayConfig(xml);
    assert.deepEqual(
      source.signatures.map((s) => [s.algorithm, [...s.value]]),
      [
        ['rsa-sha256', [1, 2, 3]],
        [undefined, [4]],
      ],
    );
  });

  const bad: ReadonlyArray<readonly [string, string | Uint8Array, RegExp]> = [
    ['not well-formed', '<overlay><configuration></overlay>', /not well-formed XML: .*line 1/],
    ['no root', '   ', /not well-formed XML|exactly one root/],
    ['text after the root', `${doc('')} trailing`, /Extra text at the end|exactly one root element/],
    ['two roots', `${doc('')}<overlay/>`, /Multiple possible root nodes|exactly one root element/],
    [
      'wrong root',
      '<config xmlns="urn:ietf:params:xml:ns:p2p:config-base"/>',
      /the root element must be <overlay>/,
    ],
    [
      'root in no namespace',
      '<overlay><configuration instance-name="a.b"/></overlay>',
      /the root element must be <overlay>/,
    ],
    [
      'no configuration',
      '<overlay xmlns="urn:ietf:params:xml:ns:p2p:config-base"/>',
      /holds no <configuration>/,
    ],
    [
      'signature first',
      '<overlay xmlns="urn:ietf:params:xml:ns:p2p:config-base"><signature>AA==</signature></overlay>',
      /must follow a <configuration>/,
    ],
    ['a DOCTYPE', doc('').replace('?>', '?>\n<!DOCTYPE overlay>'), /must not have a DOCTYPE/],
    [
      'an entity declaration',
      doc('<shared-secret>&x;</shared-secret>').replace('?>', '?>\n<!DOCTYPE overlay [<!ENTITY x "y">]>'),
      /entity declarations are not accepted/,
    ],
    ['an undefined entity', doc('<shared-secret>&nbsp;</shared-secret>'), /undefined entity &nbsp;/],
    ['a reference to a non-character', doc('<shared-secret>&#0;</shared-secret>'), /not an XML character/],
    ['an undeclared prefix', doc('<q:x/>'), /namespace prefix "q" of <q:x> is not declared/],
    ['bytes that are not UTF-8', Uint8Array.of(0x3c, 0xff, 0x3e), /not valid UTF-8/],
  ];
  for (const [name, input, message] of bad) {
    it(`rejects ${name}`, () => assertLocalError(() => parseOverlayConfig(input), 'ERR_BAD_CONFIG', message));
  }
});
