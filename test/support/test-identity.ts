import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type NodeId, nodeIdFromHex } from '../../src/core/ids.js';
import type { SignerIdentity } from '../../src/reload/messages/index.js';

/**
 * A throwaway RELOAD identity for tests: an RSA-2048 key and a self-signed X.509 certificate whose SAN
 * carries a reload URI with the Node-ID and an rfc822Name user (RFC 6940 §11.3), so the certificates in
 * test SecurityBlocks are real DER that tools such as tshark can parse.
 */
export interface TestIdentity {
  readonly nodeId: NodeId;
  readonly user: string;
  readonly certificate: Uint8Array;
  /** cert_hash with SHA-256 (RFC 6940 §6.3.4, a certificate with one Node-ID). */
  readonly signer: SignerIdentity;
  /** RSASSA-PKCS1-v1_5 with SHA-256, the mandatory RELOAD signature (§6.3.4). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const subtle = webcrypto.subtle;
type SelfSignedParams = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0];

export async function makeTestIdentity(nodeIdHex: string, user: string): Promise<TestIdentity> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // @peculiar/x509 is typed against the DOM's Crypto; Node's webcrypto is that API under Node's own types.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=p2psip test',
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
    keys: keys as unknown as SelfSignedParams['keys'],
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: `reload://0110${nodeIdHex}@overlay.example.org/` },
        { type: 'email', value: user },
      ]),
    ],
  });
  const certificate = new Uint8Array(cert.rawData);
  return {
    nodeId: nodeIdFromHex(nodeIdHex),
    user,
    certificate,
    signer: {
      type: 'cert_hash',
      hashAlgorithm: 4,
      certificateHash: new Uint8Array(createHash('sha256').update(certificate).digest()),
    },
    sign: async (data) => new Uint8Array(await subtle.sign(alg, keys.privateKey, data)),
  };
}
