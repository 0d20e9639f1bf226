import { ProblemError } from './problem.ts';

/** Deeper JSON than this is refused: no honest payload nests so far, and walkers recurse. */
export const MAX_JSON_DEPTH = 64;

const BACKSLASH = 0x5c;
const QUOTE = 0x22;

/**
 * Why `text` must not be stored, or undefined when it may be. One pass, no recursion, so a
 * 10,000-deep body costs a loop, not a stack. Refused:
 * - nesting deeper than {@link MAX_JSON_DEPTH};
 * - NUL, raw or escaped (`\u0000`): PostgreSQL's `jsonb` and `text` cannot hold it, so one
 *   stored event would make every `::jsonb` cast over the workspace's events fail;
 * - an unpaired UTF-16 surrogate, raw or escaped (`\ud800`): `jsonb` refuses it the same way.
 *
 * @example jsonProblem('{"a":"\\u0000"}') // 'contains a NUL character'
 */
export function jsonProblem(text: string): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0) return 'contains a NUL character';
    if (isHigh(ch) || isLow(ch)) {
      if (isHigh(ch) && isLow(text.charCodeAt(i + 1))) i++;
      else return 'contains an unpaired surrogate';
      continue;
    }
    if (!inString) {
      if (ch === QUOTE) inString = true;
      else if (ch === 0x5b || ch === 0x7b) {
        if (++depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
      } else if (ch === 0x5d || ch === 0x7d) depth--;
      continue;
    }
    if (ch === QUOTE) inString = false;
    else if (ch === BACKSLASH) {
      if (text.charCodeAt(i + 1) !== 0x75 /* u */) {
        i++; // \" \\ \n ...: the escaped character never ends the string
        continue;
      }
      const unit = hex4(text, i + 2);
      if (unit === 0) return 'contains a NUL character';
      if (isLow(unit)) return 'contains an unpaired surrogate';
      if (isHigh(unit)) {
        const hasLow =
          text.charCodeAt(i + 6) === BACKSLASH &&
          text.charCodeAt(i + 7) === 0x75 &&
          isLow(hex4(text, i + 8));
        if (!hasLow) return 'contains an unpaired surrogate';
        i += 6;
      }
      i += 5;
    }
  }
  return undefined;
}

/**
 * `JSON.parse` behind {@link jsonProblem}: junk, too deep, NUL or lone surrogates → 400.
 *
 * @example const value = parseJsonSafely(await readBodyText(c));
 */
export function parseJsonSafely(text: string, what = 'The request body'): unknown {
  const problem = jsonProblem(text);
  if (problem) throw new ProblemError(400, 'Invalid request', `${what} ${problem}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ProblemError(400, 'Malformed JSON', `${what} is not valid JSON`);
  }
}

/** The same rule for a plain string (a query parameter): no NUL, no lone surrogate. */
export function textProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch === 0) return 'contains a NUL character';
    if (isHigh(ch) && isLow(value.charCodeAt(i + 1))) i++;
    else if (isHigh(ch) || isLow(ch)) return 'contains an unpaired surrogate';
  }
  return undefined;
}

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** The value of four hex digits at `at`, or -1 (JSON.parse then refuses the text anyway). */
function hex4(text: string, at: number): number {
  const digits = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(digits) ? parseInt(digits, 16) : -1;
}
