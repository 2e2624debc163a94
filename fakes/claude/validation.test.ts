import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-errors.ts';
import { parseJsonBody, validateMessagesRequest } from './validation.ts';

const valid = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] };

function errorOf(body: unknown): ApiError {
  try {
    validateMessagesRequest(body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('request parser', () => {
  it('accepts a minimal request and resolves the alias', () => {
    expect(validateMessagesRequest(valid).model.id).toBe('claude-haiku-4-5-20251001');
  });

  it('names the missing field', () => {
    for (const field of ['model', 'max_tokens', 'messages'] as const) {
      const { [field]: _removed, ...rest } = valid;
      const error = errorOf(rest);
      expect(error.status).toBe(400);
      expect(error.message).toContain(field);
    }
  });

  it('rejects max_tokens above the model maximum, unknown models and more than 4 breakpoints', () => {
    expect(errorOf({ ...valid, max_tokens: 64_001 }).message).toMatch(/max_tokens: 64001 > 64000/);
    const notFound = errorOf({ ...valid, model: 'claude-nope' });
    expect([notFound.status, notFound.type, notFound.message]).toEqual([404, 'not_found_error', 'model: claude-nope']);
    const block = { type: 'text', text: 'x', cache_control: { type: 'ephemeral' } };
    const tooMany = errorOf({
      ...valid,
      system: [block, block, block],
      messages: [{ role: 'user', content: [block, block] }],
    });
    expect(tooMany.message).toMatch(/maximum of 4 blocks with cache_control.*Found 5/);
  });

  it('rejects wrong types with the field path', () => {
    expect(errorOf({ ...valid, max_tokens: '100' }).message).toMatch(/^max_tokens:/);
    expect(errorOf({ ...valid, messages: [{ role: 'robot', content: 'x' }] }).message).toMatch(/messages\.0\.role/);
    expect(errorOf([valid]).message).toMatch(/JSON object/);
  });

  it('never throws anything but an ApiError, whatever the body (property)', () => {
    const isOk = (run: () => unknown) => {
      try {
        run();
        return true;
      } catch (error) {
        return error instanceof ApiError && error.status >= 400 && error.status < 500;
      }
    };
    fc.assert(
      fc.property(fc.string(), (text) => isOk(() => validateMessagesRequest(parseJsonBody(text)))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => isOk(() => validateMessagesRequest(value))),
      { numRuns: 300 },
    );
    // Near-valid bodies: each field replaced by an arbitrary JSON value.
    const nearValid = fc.record({
      model: fc.oneof(fc.constant('claude-haiku-4-5'), fc.jsonValue()),
      max_tokens: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.jsonValue()),
      messages: fc.oneof(
        fc.array(
          fc.record({
            role: fc.oneof(fc.constantFrom('user', 'assistant'), fc.jsonValue()),
            content: fc.oneof(
              fc.string(),
              fc.array(fc.record({ type: fc.constantFrom('text', 'image', 'x'), text: fc.jsonValue() })),
              fc.jsonValue(),
            ),
          }),
        ),
        fc.jsonValue(),
      ),
      system: fc.oneof(fc.string(), fc.jsonValue()),
    });
    fc.assert(
      fc.property(nearValid, (body) => isOk(() => validateMessagesRequest(body))),
      { numRuns: 500 },
    );
  });
});
