import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { type Params, paramInt, paramString, parseParams } from './params.ts';

async function parse(contentType: string | undefined, body: Buffer, query = ''): Promise<Params> {
  return parseParams(query, contentType, body);
}

const fieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,19}$/);
// Multipart normalises line breaks inside values (RFC 7578), so values here carry none.
const fieldValue = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((value) => !/[\r\n]/.test(value));
const fields = fc.dictionary(fieldName, fieldValue, { maxKeys: 8 });

describe('request params parser', () => {
  it('reads the same fields from JSON, urlencoded, multipart and the query string', async () => {
    await fc.assert(
      fc.asyncProperty(fields, async (input) => {
        const expected = { ...input };
        const json = await parse('application/json; charset=utf-8', Buffer.from(JSON.stringify(input)));
        const form = await parse(
          'application/x-www-form-urlencoded',
          Buffer.from(new URLSearchParams(input).toString()),
        );
        const query = await parse(undefined, Buffer.alloc(0), new URLSearchParams(input).toString());
        const formData = new FormData();
        for (const [name, value] of Object.entries(input)) formData.append(name, value);
        const request = new Request('http://127.0.0.1/', { method: 'POST', body: formData });
        const multipart = await parse(
          request.headers.get('content-type') ?? undefined,
          Buffer.from(await request.arrayBuffer()),
        );
        for (const parsed of [json, form, query, multipart]) expect({ ...parsed }).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any body with params or a Bot API 400, never another error', async () => {
    const contentType = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        'application/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'multipart/form-data; boundary=xyz',
        'text/plain',
        'application/octet-stream',
      ),
      fc.string({ maxLength: 30 }),
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((text) => new TextEncoder().encode(text)),
      fc.string().map((text) => new TextEncoder().encode(`--xyz\r\n${text}`)),
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, async (type, bytes) => {
        try {
          const params = await parse(type, Buffer.from(bytes));
          expect(typeof params).toBe('object');
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).errorCode).toBe(400);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads integers written as numbers or strings and refuses anything else', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(paramInt({ a: n }, 'a')).toBe(n);
        expect(paramInt({ a: String(n) }, 'a')).toBe(n);
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string().filter((s) => !/^\s*[+-]?\d+\s*$/.test(s) && s !== ''),
          fc.double().filter((d) => !Number.isInteger(d)),
          fc.constant({}),
        ),
        (value) => {
          expect(() => paramInt({ a: value }, 'a')).toThrow(ApiError);
        },
      ),
    );
  });

  it('keeps a field named __proto__ as a plain field', async () => {
    const params = await parse('application/x-www-form-urlencoded', Buffer.from('__proto__=x&text=hi'));
    expect(paramString(params, '__proto__')).toBe('x');
    expect(paramString(params, 'text')).toBe('hi');
    expect(Object.getPrototypeOf(params)).toBeNull();
    const json = await parse('application/json', Buffer.from('{"__proto__":{"text":"injected"},"chat_id":1}'));
    expect(paramString(json, 'text')).toBeUndefined();
  });
});
