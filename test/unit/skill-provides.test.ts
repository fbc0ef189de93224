/**
 * The pieces behind "what a skill provides" that take hostile input: the arguments table of any
 * input schema (contract/tool-arguments.ts), SKILL.md split for display (contract/skill-md.ts) and
 * an MCP server's listing cut to what the registry keeps (registry/domain/packages/skill-provides.ts).
 */
import assert from 'node:assert/strict';
import { PROVIDES_LIMITS } from '@aerostack/contract/limits.js';
import { splitSkillMd } from '@aerostack/contract/skill-md.js';
import { argumentsTable } from '@aerostack/contract/tool-arguments.js';
import { boundTools } from '@aerostack/registry/domain/packages/skill-provides.js';

describe('skill provides: arguments tables, SKILL.md for display, bounded server listings', () => {
  it('shows types plainly: unions, consts, arrays of objects with their properties, and odd schemas', () => {
    const rows = argumentsTable({
      type: 'object',
      properties: {
        id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        mode: { const: 'fast' },
        items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
        anything: true,
        nullable: { type: ['string', 'null'], title: 'A\nmulti-line   title' },
      },
      required: ['id', 42],
    });
    assert.deepEqual(
      rows.map((r) => [r.name, r.type, r.required, r.description]),
      [
        ['id', 'string | integer', true, ''],
        ['mode', '"fast"', false, ''],
        ['items', 'array of object', false, ''],
        ['items[].sku', 'string', true, ''],
        ['anything', 'any', false, ''],
        ['nullable', 'string | null', false, 'A multi-line title'],
      ],
    );
    for (const odd of [null, 'x', [], { type: 'object' }, { properties: [] }])
      assert.deepEqual(argumentsTable(odd), []);
  });

  it('bounds what it shows: long enums, deep nesting, many properties', () => {
    const enumRow = argumentsTable({ properties: { e: { enum: Array.from({ length: 50 }, (_, i) => `v${i}`) } } })[0]!;
    assert.match(enumRow.type, /^"v0" \| "v1" .* \| "v11" \| …$/);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 50; i++) deep = { type: 'object', properties: { n: deep } };
    assert.equal(argumentsTable(deep).length, 4, 'nesting stops at four levels');
    const many = { properties: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`p${i}`, {}])) };
    assert.equal(argumentsTable(many).length, 200);
  });

  it('splits SKILL.md into frontmatter fields and body; an unreadable frontmatter is kept as text, never thrown', () => {
    const ok = splitSkillMd('---\nname: pdf\ndescription: Fill forms\nmetadata:\n  team: ops\n---\n# Body\n');
    assert.deepEqual(ok.fields, [
      ['name', 'pdf'],
      ['description', 'Fill forms'],
      ['metadata', '{"team":"ops"}'],
    ]);
    assert.equal(ok.body, '# Body\n');
    // Anchors and aliases (the "billion laughs") are refused, so a tiny frontmatter cannot expand.
    const bomb = splitSkillMd('---\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n---\nbody');
    assert.equal(bomb.fields, null);
    assert.match(bomb.rawFrontmatter!, /^a: &a/);
    assert.equal(bomb.body, 'body');
    assert.deepEqual(splitSkillMd('# No frontmatter'), {
      fields: null,
      rawFrontmatter: null,
      body: '# No frontmatter',
    });
  });

  it("keeps a hostile server's listing bounded and storable", () => {
    const huge = { type: 'object', properties: { x: { description: 'y'.repeat(PROVIDES_LIMITS.maxSchemaBytes) } } };
    const { tools, truncated } = boundTools([
      { name: 'n'.repeat(500), description: 'd\0\ud800', inputSchema: { type: 'object', ['k\0']: 'v\0' } },
      { name: 'big', inputSchema: huge },
      { name: 42 },
      null,
      ...Array.from({ length: 300 }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' } })),
    ]);
    assert.equal(truncated, true);
    assert.equal(
      tools.length,
      PROVIDES_LIMITS.maxTools - 2,
      'malformed entries count against the limit, and are dropped',
    );
    assert.equal(tools[0]!.name.length, PROVIDES_LIMITS.maxToolNameChars);
    assert.equal(tools[0]!.description, 'd\ufffd');
    assert.deepEqual(tools[0]!.inputSchema, { type: 'object', k: 'v' });
    assert.deepEqual(tools[1], { name: 'big', description: null, inputSchema: null });
    assert.ok(Buffer.byteLength(JSON.stringify(tools)) <= PROVIDES_LIMITS.maxToolsBytes);
  });
});
