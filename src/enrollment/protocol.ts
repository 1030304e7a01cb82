/**
 * The HTTP vocabulary of the enrolment, configuration and bootstrap service (RFC 6940 §11.2, §11.3): paths,
 * media types, the failure tokens, and our limits.
 */

/** RFC 6940 §11.2: "the URL by appending a path of /.well-known/reload-config" (RFC 8615 well-known URI). */
export const CONFIG_PATH = '/.well-known/reload-config';
/** Where the enrolment POST goes: the enrollment-server URL of the document names one of these paths. */
export const ENROLL_PATHS: readonly string[] = ['/enroll', '/'];
/** Our bootstrap list: GET it as JSON, POST a signed announcement to join it (issue #7 uses it). */
export const BOOTSTRAP_PATH = '/bootstrap';

export const MEDIA = {
  /** RFC 6940 §14.16: the configuration document. */
  config: 'application/p2p-overlay+xml',
  /** RFC 6940 §11.3: the CSR form field. */
  pkcs10: 'application/pkcs10',
  /** RFC 6940 §11.3 (RFC 2585): the one DER certificate of a successful enrolment. */
  pkixCert: 'application/pkix-cert',
  text: 'text/plain; charset=utf-8',
  json: 'application/json',
} as const;

/**
 * RFC 6940 §11.3: "Certificate processing errors SHOULD result in an HTTP return code of 403 Forbidden,
 * along with a body of type text/plain and body that consists of one of the tokens".
 */
export const ENROLLMENT_TOKENS = {
  failed_authentication: 'the user name and password were not accepted',
  username_not_available: 'the user name in the certificate request is not acceptable',
  'Node-IDs_not_available': 'the number of Node-IDs asked for is not available',
  bad_CSR: 'the certificate request is malformed',
} as const;

export type EnrollmentToken = keyof typeof ENROLLMENT_TOKENS;

/** A readable reason for a failure body; an unknown token "SHOULD" be a failure for an unknown reason. */
export function describeToken(body: string): string {
  const token = body.trim();
  const known = (ENROLLMENT_TOKENS as Record<string, string>)[token];
  return known === undefined
    ? `refused for an unknown reason (${JSON.stringify(token.slice(0, 60))})`
    : `${token}: ${known}`;
}

export interface EnrollmentLimits {
  readonly maxBodyBytes: number;
  readonly maxNodeIds: number;
  readonly maxKeysPerUser: number;
  readonly maxConcurrent: number;
  readonly certificateValidityMs: number;
}

export const ENROLLMENT_LIMITS: EnrollmentLimits = Object.freeze({
  /** A PKCS#10 request is about 1 KB; the whole form, with user name and password, fits in 64 KiB. */
  maxBodyBytes: 64 * 1024,
  /** Node-IDs one certificate may carry (the form's `nodeids`). */
  maxNodeIds: 4,
  /** Keys (devices) one user may enrol; each key gets its own Node-IDs. */
  maxKeysPerUser: 8,
  /** Enrolments being checked at once; scrypt is deliberately expensive, so more wait for 503. */
  maxConcurrent: 8,
  certificateValidityMs: 365 * 24 * 3600 * 1000,
});
