import type { HttpRequest, HttpResponse } from '../../src/enrollment/http.js';
import { buildForm, type FormField } from '../../src/enrollment/multipart.js';
import { MEDIA } from '../../src/enrollment/protocol.js';

/** Requests to the sans-I/O enrolment service (src/enrollment/service.ts) as its platform would hand them. */
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
