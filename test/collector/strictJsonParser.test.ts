import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleApiError } from '../../collector/http/apiErrors.js';
import { MAX_JSON_DEPTH, nestingDeeperThan, PARSED_FIRST_MAX_CHARS, parsedValueProblems, registerStrictJsonParser } from '../../collector/http/strictJsonParser.js';

/** The check character by character, as it was written first: what the indexOf version must agree with. */
function reference(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

describe('nestingDeeperThan', () => {
  // Each row: a text and the limit; the expected answer is stated and the reference must agree.
  const rows: Array<{ name: string; text: string; limit: number; deeper: boolean }> = [
    // Exactly at the limit is allowed; one more is not.
    { name: 'arrays at the limit', text: `${'['.repeat(3)}1${']'.repeat(3)}`, limit: 3, deeper: false },
    { name: 'arrays past the limit', text: `${'['.repeat(4)}1${']'.repeat(4)}`, limit: 3, deeper: true },
    { name: 'objects past the limit', text: '{"a":{"b":{"c":{}}}}', limit: 3, deeper: true },
    // Brackets inside strings do not count.
    { name: 'brackets in a string', text: '{"a":"[[[[{{{{"}', limit: 1, deeper: false },
    // An escaped quote does not end the string; the brackets after it are still inside it.
    { name: 'an escaped quote', text: '{"a":"x\\"[[[["}', limit: 1, deeper: false },
    // An escaped backslash before a quote: the quote ends the string, the brackets after it count.
    { name: 'an escaped backslash then a quote', text: '{"a":"x\\\\",[[[[1]]]]}', limit: 2, deeper: true },
    // Three backslashes: an escaped backslash and an escaped quote; still inside the string.
    { name: 'three backslashes then a quote', text: '{"a":"x\\\\\\"[[[["}', limit: 1, deeper: false },
    // A string that never closes: nothing after its quote counts.
    { name: 'an unterminated string', text: '["abc[[[[', limit: 1, deeper: false },
    // Keys are strings too.
    { name: 'brackets in a key', text: '{"[[[[":1}', limit: 1, deeper: false },
    // Empty text and a bare value.
    { name: 'empty', text: '', limit: 0, deeper: false },
    { name: 'a bare string', text: '"[["', limit: 0, deeper: false },
  ];
  it.each(rows)('$name', ({ text, limit, deeper }) => {
    expect(nestingDeeperThan(text, limit)).toBe(deeper);
    expect(reference(text, limit)).toBe(deeper);
  });

  it('agrees with the character-by-character check on random texts of quotes, backslashes and brackets', () => {
    const alphabet = ['"', '\\', '[', ']', '{', '}', 'a', ',', ':'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 5_000; n++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
      const limit = Math.floor(random() * 4);
      expect(nestingDeeperThan(text, limit), JSON.stringify(text)).toBe(reference(text, limit));
    }
  });
});

describe('parsedValueProblems', () => {
  // Each row: a JSON text, the limit, and the bits expected (1: a key secure-json-parse judges, 2: too deep).
  const rows: Array<{ name: string; text: string; limit: number; problems: number }> = [
    { name: 'arrays at the limit', text: `${'['.repeat(3)}1${']'.repeat(3)}`, limit: 3, problems: 0 },
    { name: 'arrays past the limit', text: `${'['.repeat(4)}1${']'.repeat(4)}`, limit: 3, problems: 2 },
    { name: 'objects past the limit, the innermost empty', text: '{"a":{"b":{"c":{}}}}', limit: 3, problems: 2 },
    // Depth counts containers, not values: scalars inside the last level are fine.
    { name: 'scalars at the last level', text: '{"a":{"b":[1,"x",null,true]}}', limit: 3, problems: 0 },
    { name: 'a bare scalar', text: '"[[[["', limit: 0, problems: 0 },
    { name: 'an empty object at limit 0', text: '{}', limit: 0, problems: 2 },
    // A deep one after a shallow sibling is still found.
    { name: 'deep in the last item', text: '[1,{"a":[]},[[[[1]]]]]', limit: 3, problems: 2 },
    { name: 'a __proto__ key', text: '{"a":[{"__proto__":{}}]}', limit: 8, problems: 1 },
    { name: 'a constructor key', text: '{"constructor":"x"}', limit: 8, problems: 1 },
    // Values spelling those names are not keys.
    { name: 'values spelling the names', text: '{"a":"__proto__","b":["constructor"]}', limit: 8, problems: 0 },
    { name: 'a key and too deep', text: '{"constructor":1,"b":[[[[]]]]}', limit: 3, problems: 3 },
  ];
  it.each(rows)('$name', ({ text, limit, problems }) => {
    expect(parsedValueProblems(JSON.parse(text), limit)).toBe(problems);
  });
});

describe('the strict JSON parser, parsing first or checking the text first', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ bodyLimit: 1024 * 1024 });
    app.setErrorHandler(handleApiError);
    registerStrictJsonParser(app);
    app.post('/echo', async (request) => ({ body: request.body as unknown }));
    await app.ready();
  });
  afterAll(() => app.close());

  const post = async (text: string) => {
    const answer = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: text });
    return { status: answer.statusCode, body: answer.json() as unknown };
  };
  /** The same JSON text made longer than PARSED_FIRST_MAX_CHARS by white space, which JSON ignores: it takes the text-first path. */
  const long = (text: string) => `${text}${' '.repeat(PARSED_FIRST_MAX_CHARS + 1)}`;
  const deep = (levels: number) => `{"a":${'['.repeat(levels - 1)}1${']'.repeat(levels - 1)}}`;

  // Each row: a body and the answer expected; the same body past the length limit must get the same answer.
  const rows: Array<{ name: string; text: string; status: number; code?: string }> = [
    { name: 'a plain object', text: '{"a":[1,{"b":"[[[["}]}', status: 200 },
    { name: 'nested to the limit', text: deep(MAX_JSON_DEPTH), status: 200 },
    { name: 'nested one past the limit', text: deep(MAX_JSON_DEPTH + 1), status: 400, code: 'TRIPLINE_VALIDATION_FAILED' },
    // Too deep and malformed: the depth is what is reported, as it always was.
    { name: 'too deep and malformed', text: `${deep(MAX_JSON_DEPTH + 1)},`, status: 400, code: 'TRIPLINE_VALIDATION_FAILED' },
    { name: 'malformed', text: '{"a":', status: 400, code: 'TRIPLINE_MALFORMED_JSON' },
    { name: 'a __proto__ key', text: '{"a":{"__proto__":{"isAdmin":true}}}', status: 400, code: 'TRIPLINE_MALFORMED_JSON' },
    { name: 'an escaped __proto__ key', text: '{"\\u005f_proto__":{"isAdmin":true}}', status: 400, code: 'TRIPLINE_MALFORMED_JSON' },
    { name: 'a constructor with a prototype', text: '[{"constructor":{"prototype":{"isAdmin":true}}}]', status: 400, code: 'TRIPLINE_MALFORMED_JSON' },
    // secure-json-parse lets a constructor key without a prototype through; so does the parse-first path.
    { name: 'a constructor key without a prototype', text: '{"constructor":"x"}', status: 200 },
    // A byte-order mark: secure-json-parse strips it, JSON.parse refuses it, so the careful path takes it.
    { name: 'a byte-order mark', text: '\ufeff{"a":1}', status: 200 },
    { name: 'a bare number', text: '12', status: 200 },
  ];
  it.each(rows)('$name', async ({ text, status, code }) => {
    const short = await post(text);
    expect(short.status).toBe(status);
    if (code !== undefined) expect(short.body).toMatchObject({ error: { code, path: 'body' } });
    if (status === 200) expect(short.body).toEqual({ body: JSON.parse(text.replace(/^\ufeff/, '')) as unknown });
    expect(await post(long(text))).toEqual(short);
  });

  it('says how deep is too deep on both paths', async () => {
    const message = `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`;
    expect(await post(deep(MAX_JSON_DEPTH + 1))).toMatchObject({ body: { error: { message } } });
    expect(await post(long(deep(MAX_JSON_DEPTH + 1)))).toMatchObject({ body: { error: { message } } });
  });

  it('answers random bodies of keys, prototype names, brackets in strings and nesting about the limit alike on both paths', async () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const keys = ['a', 'b', '__proto__', 'constructor', 'prototype', '[{', '\\u005f_proto__'];
    const value = (levels: number): string => {
      if (levels <= 0 || random() < 0.15) return pick(['1', '"x"', '"[["', 'null', '"constructor"']);
      const items = Array.from({ length: 1 + Math.floor(random() * 2) }, () => value(levels - 1));
      return random() < 0.5 ? `[${items.join(',')}]` : `{${items.map((item) => `"${pick(keys)}":${item}`).join(',')}}`;
    };
    for (let n = 0; n < 300; n++) {
      const text = value(MAX_JSON_DEPTH - 3 + Math.floor(random() * 6));
      // A duplicate key keeps only its last value, so a deep value under a repeated key would be judged differently (below).
      if (/"(\w+)":.*"\1":/.test(text)) continue;
      expect(await post(text), text).toEqual(await post(long(text)));
    }
  });

  it('takes a deep value under a key repeated later as JSON.parse leaves it: dropped, nothing deep kept; the text-first path refuses it', async () => {
    const text = `{"a":${deep(MAX_JSON_DEPTH + 5).slice(5, -1)},"a":1}`;
    expect(await post(text)).toEqual({ status: 200, body: { body: { a: 1 } } });
    expect(await post(long(text))).toMatchObject({ status: 400, body: { error: { code: 'TRIPLINE_VALIDATION_FAILED', path: 'body' } } });
  });
});
