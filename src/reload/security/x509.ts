import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * The one place that prepares @peculiar/x509: it needs reflect-metadata loaded first (its ASN.1 schemas
 * use decorators) and a WebCrypto provider, which node:crypto supplies. Import `x509` from here, never
 * from the package directly, so the setup always runs first.
 */
// The (key, value) overload types the provider as WebCrypto's `Crypto`, which node:crypto implements.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

export { x509 };
export const subtle = webcrypto.subtle;
