import { MemoryLogger } from '../../src/core/logger.js';
import { type AllocationsFile, NodeIdAllocations } from '../../src/enrollment/allocations.js';
import type { HttpRequest, HttpResponse } from '../../src/enrollment/http.js';
import { buildForm, type FormField } from '../../src/enrollment/multipart.js';
import { type EnrollmentLimits, MEDIA } from '../../src/enrollment/protocol.js';
import { EnrollmentService } from '../../src/enrollment/service.js';
import type { UsersFile } from '../../src/enrollment/users.js';
import { SIGNED_NOW, type SignedOverlay } from './signed-config.js';

/**
 * The sans-I/O enrolment service (src/enrollment/service.ts) in unit tests: requests as its platform would
 * hand them, and a service over a signedOverlay() with its log and saved allocations in memory.
 */
export function request(o: Partial<HttpRequest> & { readonly now: number }): HttpRequest {
  return {
    method: 'GET',
    path: '/',
    contentType: undefined,
    accept: undefined,
    body: new Uint8Array(),
    remote: '127.0.0.1:5000',
    ...o,
  };
}

/** RFC 6940 §11.3: the multipart/form-data POST of an enrolment. */
export function enrolment(
  fields: FormField[],
  now: number,
  accept: string | undefined = MEDIA.pkixCert,
): HttpRequest {
  const form = buildForm(fields, 'test-boundary-0123');
  return request({
    method: 'POST',
    path: '/enroll',
    contentType: form.contentType,
    accept,
    body: form.body,
    now,
  });
}

/** The form fields of an enrolment: user name, password and the CSR (DER). */
export function enrolmentForm(user: string, password: string, csr: Uint8Array): FormField[] {
  return [
    { name: 'username', value: user },
    { name: 'password', value: password },
    { name: 'csr', value: csr, contentType: MEDIA.pkcs10 },
  ];
}

export const bodyText = (r: HttpResponse): string =>
  typeof r.body === 'string' ? r.body : new TextDecoder().decode(r.body);

/** A time at which the certificates of signedOverlay() are valid. */
export const ENROL_NOW = SIGNED_NOW + 86_400_000;
/** Cheap scrypt for tests: the parameters travel with the hash, so the check uses them too. */
export const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export interface ServiceUnderTest {
  readonly service: EnrollmentService;
  readonly log: MemoryLogger;
  /** Every allocations file the service saved, in order. */
  readonly saved: AllocationsFile[];
  readonly document: Uint8Array;
}

/** An EnrollmentService of the overlay `f` with these accounts, its log and saves kept in memory. */
export function serviceFor(
  f: SignedOverlay,
  users: UsersFile,
  o: { allocations?: NodeIdAllocations; limits?: Partial<EnrollmentLimits> } = {},
): ServiceUnderTest {
  const log = new MemoryLogger();
  const saved: AllocationsFile[] = [];
  const document = f.sign(f.config);
  const service = new EnrollmentService({
    ca: f.ca,
    configuration: () => ({ document, config: f.config }),
    users: () => users,
    allocations: o.allocations ?? new NodeIdAllocations(16),
    saveAllocations: async (file) => {
      saved.push(file);
    },
    log,
    ...(o.limits === undefined ? {} : { limits: o.limits }),
  });
  return { service, log, saved, document };
}
