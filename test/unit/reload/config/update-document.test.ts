import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8, utf8 } from '../../../../src/core/bytes.js';
import { readConfigurationDocument } from '../../../../src/reload/config/parse.js';
import { prepareConfigurationUpdate } from '../../../../src/reload/config/update-document.js';
import { assertLocalError } from '../../../support/errors.js';

const NS = 'xmlns="urn:ietf:params:xml:ns:p2p:config-base" xmlns:ext="urn:example:ext"';
const SIG = { value: Uint8Array.of(1, 2, 3, 4) };

/** A document as an operator leaves it after an edit: comments, foreign elements, odd quoting. */
const EDITED = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  `<overlay ${NS}>`,
  `  <configuration instance-name='ov.example.org' sequence = '7' ext:note="a > b">`,
  '    <!-- raised after the outage -->',
  '    <max-message-size>9000</max-message-size>',
  '    <ext:rack>r12</ext:rack>',
  '  </configuration>',
  '  <signature>AAAA</signature>',
  '  <signature>BBBB</signature>',
  '</overlay>',
  '',
].join('\n');

describe('updating a configuration document in place (p2psip overlay update)', () => {
  it('rewrites only the sequence and expiration, keeps every other byte, and replaces the signatures', () => {
    const expiration = Date.UTC(2030, 0, 1);
    const u = prepareConfigurationUpdate(EDITED, { expiration });
    assert.equal(u.previousSequence, 7);
    assert.equal(u.sequence, 8);
    assert.equal(
      u.configuration,
      EDITED.slice(EDITED.indexOf('<configuration'), EDITED.indexOf('</configuration>') + 16)
        .replace(`sequence = '7'`, 'sequence="8"')
        .replace('a > b">', 'a > b" expiration="2030-01-01T00:00:00Z">'),
    );
    const out = u.withSignatures([SIG]);
    const doc = readConfigurationDocument(out);
    const [entry] = doc.entries;
    assert.equal(
      fromUtf8(entry?.bytes ?? new Uint8Array()),
      u.configuration,
      'the signed bytes are in the document',
    );
    assert.deepEqual(
      entry?.signatures.map((s) => [...s.value]),
      [[1, 2, 3, 4]],
      'the old signatures are gone',
    );
    assert.ok(out.includes('<!-- raised after the outage -->'));
    assert.ok(out.includes('<ext:rack>r12</ext:rack>'));
    assert.ok(out.endsWith('</overlay>\n'));
  });

  it('follows 65534 with 0 and gives a document without a sequence the sequence 1', () => {
    const last = EDITED.replace(`sequence = '7'`, `sequence="65534"`);
    assert.equal(prepareConfigurationUpdate(last).sequence, 0);
    const none = EDITED.replace(` sequence = '7'`, '');
    const u = prepareConfigurationUpdate(none);
    assert.equal(u.sequence, 1);
    assert.match(
      u.configuration,
      /^<configuration instance-name='ov\.example\.org' ext:note="a > b" sequence="1">/,
    );
  });

  it('updates the named configuration of several and leaves the others and their signatures alone', () => {
    const two = EDITED.replace(
      '</overlay>',
      `  <configuration instance-name="other.example.org" sequence="3"></configuration>\n  <signature>CCCC</signature>\n</overlay>`,
    );
    assertLocalError(() => prepareConfigurationUpdate(two), 'ERR_BAD_CONFIG', /name the configuration/);
    const out = prepareConfigurationUpdate(two, { instanceName: 'OTHER.example.org' }).withSignatures([SIG]);
    const doc = readConfigurationDocument(utf8(out));
    assert.deepEqual(
      doc.entries.map((e) => [e.instanceName, e.signatures.length]),
      [
        ['ov.example.org', 2],
        ['other.example.org', 1],
      ],
    );
    assert.match(out, /<configuration instance-name="other\.example\.org" sequence="4">/);
  });

  it('refuses a document that does not parse completely', () => {
    assertLocalError(() => prepareConfigurationUpdate(`${EDITED}<x/>`), 'ERR_BAD_CONFIG', /well-formed|root/);
    const badValue = EDITED.replace('<max-message-size>9000', '<max-message-size>nine');
    assertLocalError(() => prepareConfigurationUpdate(badValue), 'ERR_BAD_CONFIG', /max-message-size/);
  });
});
