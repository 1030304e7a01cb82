import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { kindId, resourceIdFromHex } from '../../../../src/core/ids.js';
import {
  decodeForwarded,
  decodePayload,
  messageSignatureInput,
  messageSignatureInputFor,
  signerIdentity,
  storedDataSignatureInput,
} from '../../../../src/reload/messages/index.js';
import { encode } from '../../../../src/wire/index.js';
import { DUMMY_SIGNATURE } from '../../../support/reload-fixtures.js';
import { readVector } from '../../../support/vectors.js';

const identityHex = '010022' + '0420' + 'b560833d6f787af46113b96aad4dd5b5d1ae00dccc69cf30cc92bed651c56617';

describe('signature inputs', () => {
  it('message input is overlay || transaction_id || MessageContents as received || SignerIdentity (§6.3.4)', () => {
    const bytes = readVector('ping-req.hex');
    const { header, payload } = decodeForwarded(bytes);
    const { contents, contentsBytes, security } = decodePayload(payload);
    const input = messageSignatureInput(
      header.overlay,
      header.transactionId,
      contentsBytes,
      security.signature.identity,
    );
    // The Ping's contents are bytes 56..67 of the vector: code 0017, body <2> 0000, extensions <0>.
    assert.equal(
      toHex(input),
      ['9aa32b8d', '0102030405060708', '0017000000020000', '00000000', identityHex].join(''),
    );
    assert.equal(
      toHex(
        messageSignatureInputFor(header.overlay, header.transactionId, contents, DUMMY_SIGNATURE.identity),
      ),
      toHex(input),
    );
  });

  it('StoredData input uses the raw Resource-ID, the kind and storage_time, and the index zeroed (§7.1)', () => {
    const input = storedDataSignatureInput(
      resourceIdFromHex('45a6'),
      kindId(3),
      0x10n,
      { model: 'array', index: 7, exists: true, value: fromHex('abcd') },
      DUMMY_SIGNATURE.identity,
    );
    assert.equal(
      toHex(input),
      ['45a6', '00000003', '0000000000000010', '00000000', '01', '00000002abcd', identityHex].join(''),
    );
  });

  it('a dictionary entry enters the StoredData input with its key', () => {
    const input = storedDataSignatureInput(
      resourceIdFromHex('00'),
      kindId(1),
      0n,
      { model: 'dictionary', key: fromHex('11'), exists: false, value: new Uint8Array(0) },
      { type: 'none' },
    );
    assert.equal(
      toHex(input),
      '00' + '00000001' + '0000000000000000' + '000111' + '00' + '00000000' + '030000',
    );
    assert.equal(toHex(encode(signerIdentity, { type: 'none' })), '030000');
  });
});
