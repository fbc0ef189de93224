import assert from 'node:assert/strict';
import { MAX_SCHEMA_BYTES, SchemaCompiler, SchemaError } from '@aerostack/contract/json-schema.js';

const refuses = (c: SchemaCompiler, schema: unknown, why: RegExp) =>
  assert.throws(
    () => c.compile(schema),
    (err: unknown) => err instanceof SchemaError && why.test(err.message),
  );

describe('SchemaCompiler: skill authors’ JSON Schemas, compiled safely', () => {
  const c = new SchemaCompiler();
  const greet = c.compile({
    type: 'object',
    properties: {
      message: { type: 'string' },
      opts: { type: 'object', properties: { times: { type: 'integer', minimum: 1 } } },
    },
    required: ['message'],
    additionalProperties: false,
  });

  it('answers with the first failing path, as a caller would point at it', () => {
    assert.deepEqual(greet({ message: 'hi' }), { valid: true });
    assert.deepEqual(greet({}), { valid: false, error: 'message is required' });
    assert.deepEqual(greet({ message: 42 }), { valid: false, error: 'message must be string' });
    assert.deepEqual(greet({ message: 'x', opts: { times: 0 } }), { valid: false, error: 'opts.times must be >= 1' });
    assert.deepEqual(greet({ message: 'x', extra: true }), { valid: false, error: 'extra is not allowed' });
  });

  it('checks formats and the 2019-09 / 2020-12 drafts named by $schema', () => {
    const email = c.compile({ type: 'object', properties: { to: { type: 'string', format: 'email' } } });
    assert.deepEqual(email({ to: 'a@b.dev' }), { valid: true });
    assert.equal(email({ to: 'not an address' }).valid, false);
    const v2020 = c.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } },
    });
    assert.deepEqual(v2020({ pair: ['a', 1] }), { valid: true });
    assert.deepEqual(v2020({ pair: [1, 'a'] }), { valid: false, error: 'pair.0 must be string' });
  });

  it('runs patterns in linear time: a catastrophic pattern on a hostile string answers at once', () => {
    const v = c.compile({ type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } });
    const t0 = performance.now();
    // With a backtracking engine this takes longer than the age of the universe.
    assert.equal(v({ s: 'a'.repeat(50_000) + '!' }).valid, false);
    assert.ok(performance.now() - t0 < 5000);
    assert.deepEqual(v({ s: 'aaaa' }), { valid: true });
    const keys = c.compile({ type: 'object', patternProperties: { '^(x+x+)+y$': { type: 'number' } } });
    assert.equal(keys({ ['x'.repeat(30_000)]: 'no' }).valid, true);
  });

  it('refuses what it cannot check safely or at all, saying why', () => {
    refuses(
      c,
      { type: 'object', properties: { s: { type: 'string', pattern: '^(a)\\1$' } } },
      /pattern "\^\(a\)\\\\1\$" that cannot be checked in linear time/,
    );
    refuses(
      c,
      { type: 'object', properties: { s: { type: 'string', pattern: '(?=a)a' } } },
      /cannot be checked in linear time/,
    );
    refuses(
      c,
      { type: 'object', properties: { s: { type: 'string', pattern: '(' } } },
      /is not a valid regular expression/,
    );
    refuses(c, { type: 'objekt' }, /^is not a valid JSON Schema: type must be equal to one of the allowed values/);
    refuses(
      c,
      { type: 'object', properties: { x: { $ref: 'https://evil.example/schema.json' } } },
      /\$ref that cannot be resolved: https:\/\/evil/,
    );
    refuses(c, 'object', /must be a JSON Schema object/);
    refuses(c, { type: 'object', description: 'x'.repeat(MAX_SCHEMA_BYTES) }, /is larger than 65536 bytes/);
    let deep: Record<string, unknown> = { type: 'object' };
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { a: deep } };
    refuses(c, deep, /is nested more than 32 levels deep/);
  });

  it('never registers a schema’s $id: two skills may use the same one', () => {
    const a = c.compile({ $id: 'https://acme.dev/input', type: 'object', properties: { a: { type: 'string' } } });
    const b = c.compile({ $id: 'https://acme.dev/input', type: 'object', properties: { a: { type: 'number' } } });
    assert.deepEqual(a({ a: 'x' }), { valid: true });
    assert.deepEqual(b({ a: 1 }), { valid: true });
    assert.equal(b({ a: 'x' }).valid, false);
  });
});
