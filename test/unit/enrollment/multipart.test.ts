import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromUtf8, utf8 } from '../../../src/core/bytes.js';
import { buildForm, FormError, formBoundary, parseForm } from '../../../src/enrollment/multipart.js';
import { thrown } from '../../support/thrown.js';
import { propertyRuns } from '../../support/tools.js';

const B = 'XyZ-boundary-42';
const CT = `multipart/form-data; boundary=${B}`;

function body(...lines: string[]): Uint8Array {
  return utf8(lines.join('\r\n'));
}

describe('multipart/form-data (RFC 7578)', () => {
  it('reads the fields of a form as RFC 6940 §11.3 posts it, binary CSR included', () => {
    const csr = Uint8Array.of(0x30, 0x82, 0x01, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff);
    const form = buildForm(
      [
        { name: 'username', value: 'alice' },
        { name: 'password', value: 'pässword' },
        { name: 'csr', value: csr, contentType: 'application/pkcs10', filename: 'node.p10' },
      ],
      B,
    );
    assert.equal(form.contentType, CT);
    const fields = parseForm(form.contentType, form.body);
    assert.equal(fromUtf8(fields.get('username')?.data ?? new Uint8Array()), 'alice');
    assert.equal(fromUtf8(fields.get('password')?.data ?? new Uint8Array()), 'pässword');
    const part = fields.get('csr');
    assert.deepEqual(part?.data, csr);
    assert.equal(part?.contentType, 'application/pkcs10');
    assert.equal(part?.filename, 'node.p10');
    assert.equal(fields.get('username')?.contentType, 'text/plain', 'the default type (RFC 7578 §4.4)');
  });

  it('skips a preamble and an epilogue, accepts transport padding and a quoted boundary', () => {
    const b = body(
      'this is a preamble',
      `--${B}  `,
      'Content-Disposition: form-data; name="a"',
      '',
      'one',
      `--${B}`,
      'content-disposition: FORM-DATA; name=b',
      'Content-Type: Application/PKCS10; charset=binary',
      '',
      'two',
      `--${B}--`,
      'epilogue',
    );
    const fields = parseForm(`multipart/form-data; charset=utf-8; boundary="${B}"`, b);
    assert.equal(fromUtf8(fields.get('a')?.data ?? new Uint8Array()), 'one');
    assert.equal(fromUtf8(fields.get('b')?.data ?? new Uint8Array()), 'two');
    assert.equal(fields.get('b')?.contentType, 'application/pkcs10');
  });

  it('refuses what is not a well-formed form, with a FormError', () => {
    const part = ['Content-Disposition: form-data; name="a"', '', 'x'];
    const cases: [string | undefined, Uint8Array, RegExp][] = [
      ['application/json', body('{}'), /not multipart\/form-data/],
      ['multipart/form-data', body(`--${B}`), /boundary/],
      [`multipart/form-data; boundary=${'x'.repeat(71)}`, body(''), /boundary/],
      [CT, body('no delimiter at all'), /no multipart delimiter/],
      [CT, body(`--${B}`, ...part), /without its close delimiter/],
      [CT, body(`--${B}`, ...part, `--${B}`, ...part, `--${B}--`), /appears twice/],
      [CT, body(`--${B}`, 'Content-Type: text/plain', '', 'x', `--${B}--`), /without Content-Disposition/],
      [CT, body(`--${B}`, 'Content-Disposition: form-data', '', 'x', `--${B}--`), /without a name/],
      [CT, body(`--${B}`, 'Content-Disposition: attachment; name="a"', '', 'x', `--${B}--`), /form-data/],
      [CT, body(`--${B}`, 'Content-Disposition: form-data; name="a"', 'x', `--${B}--`), /blank line/],
      [CT, body(`--${B}`, 'Bad header line', '', 'x', `--${B}--`), /malformed form part header/],
      [CT, body(`--${B}garbage`, ...part, `--${B}--`), /malformed multipart delimiter/],
      [
        CT,
        body(`--${B}`, `Content-Disposition: form-data; name="a"; name="b"`, '', 'x', `--${B}--`),
        /repeats name/,
      ],
    ];
    for (const [type, b, why] of cases) {
      assert.throws(
        () => parseForm(type, b),
        (e: unknown) => e instanceof FormError && why.test(e.message),
      );
    }
  });

  it('bounds the number of parts and the size of part headers', () => {
    const many = buildForm(
      Array.from({ length: 9 }, (_, i) => ({ name: `f${i}`, value: 'x' })),
      B,
    );
    assert.throws(() => parseForm(many.contentType, many.body), /more than 8 form fields/);
    const big = body(
      `--${B}`,
      `Content-Disposition: form-data; name="a"; x="${'y'.repeat(2000)}"`,
      '',
      'v',
      `--${B}--`,
    );
    assert.throws(() => parseForm(CT, big), /headers too large/);
  });

  it('never writes a boundary that occurs in a value', () => {
    assert.throws(() => buildForm([{ name: 'a', value: `x--${B}y` }], B), FormError);
  });

  it('reads back every form it writes, and fails on damaged ones only with FormError', () => {
    const field = fc.record(
      {
        name: fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/),
        value: fc.uint8Array({ maxLength: 200 }),
        contentType: fc.constantFrom(undefined, 'application/pkcs10', 'text/plain'),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(field, { maxLength: 8, selector: (f) => f.name }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (fields, at, byte) => {
          const clean = fields.map((f) =>
            f.contentType === undefined
              ? { name: f.name, value: f.value }
              : { ...f, contentType: f.contentType },
          );
          const form = buildForm(clean, B);
          const got = parseForm(form.contentType, form.body);
          assert.equal(got.size, fields.length);
          for (const f of fields) assert.deepEqual(got.get(f.name)?.data, f.value);
          const damaged = form.body.slice();
          if (damaged.length > 0) damaged[at % damaged.length] = byte;
          const e = thrown(() => parseForm(form.contentType, damaged));
          assert.ok(e === undefined || e instanceof FormError, String(e));
        },
      ),
      { numRuns: propertyRuns() },
    );
  });

  it('takes the boundary from the Content-Type parameters', () => {
    assert.equal(formBoundary('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(formBoundary('Multipart/Form-Data;boundary="a b:c"'), 'a b:c');
  });
});
