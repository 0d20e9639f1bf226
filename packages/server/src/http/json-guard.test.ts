import { describe, expect, it } from 'vitest';
import { jsonProblem, MAX_JSON_DEPTH, parseJsonSafely, textProblem } from './json-guard.ts';
import { ProblemError } from './problem.ts';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonProblem', () => {
  it('accepts ordinary JSON, escapes and surrogate pairs included', () => {
    expect(jsonProblem('{"a":[1,{"b":"x\\"y\\\\"}],"c":"\\ud83d\\ude00 😀 \\u00e9"}')).toBe(
      undefined,
    );
    expect(jsonProblem(nested(MAX_JSON_DEPTH))).toBe(undefined);
  });

  it('refuses nesting one level deeper than the maximum', () => {
    expect(jsonProblem(nested(MAX_JSON_DEPTH + 1))).toMatch(/deeper than 64/);
    expect(jsonProblem(`{"a":${'{"b":'.repeat(70)}1${'}'.repeat(70)}}`)).toMatch(/deeper/);
  });

  it('counts brackets inside strings as text, not nesting', () => {
    expect(jsonProblem(JSON.stringify({ s: '['.repeat(500) }))).toBe(undefined);
  });

  it('refuses an escaped NUL in a value or a key, and a raw one', () => {
    expect(jsonProblem('{"a":"x\\u0000"}')).toMatch(/NUL/);
    expect(jsonProblem('{"k\\u0000":1}')).toMatch(/NUL/);
    expect(jsonProblem('{"a":"x\u0000"}')).toMatch(/NUL/);
  });

  it('does not mistake an escaped backslash before u0000 for a NUL', () => {
    expect(jsonProblem('{"a":"\\\\u0000"}')).toBe(undefined);
  });

  it('refuses unpaired surrogates, escaped or raw', () => {
    expect(jsonProblem('{"a":"\\ud800"}')).toMatch(/surrogate/);
    expect(jsonProblem('{"a":"\\udc00\\ud800"}')).toMatch(/surrogate/);
    expect(jsonProblem('{"a":"\\ud800\\\\udc00"}')).toMatch(/surrogate/);
    expect(jsonProblem('{"a":"\ud800"}')).toMatch(/surrogate/);
  });
});

describe('parseJsonSafely', () => {
  it('answers a 10,000-deep body with a 400, not a stack overflow', () => {
    for (const text of [nested(10_000), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)]) {
      const error = (() => {
        try {
          parseJsonSafely(text);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).status).toBe(400);
    }
  });

  it('answers junk with a 400 and parses the rest', () => {
    expect(() => parseJsonSafely('{"a":')).toThrow(ProblemError);
    expect(parseJsonSafely('{"a":[1]}')).toEqual({ a: [1] });
  });
});

describe('textProblem', () => {
  it('refuses NUL and lone surrogates in a plain string', () => {
    expect(textProblem('a\u0000b')).toMatch(/NUL/);
    expect(textProblem('a\udc00')).toMatch(/surrogate/);
    expect(textProblem('Blue hat 😀')).toBe(undefined);
  });
});
