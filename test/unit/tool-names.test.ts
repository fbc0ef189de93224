import assert from 'node:assert/strict';
import { GATEWAY_TOOL_NAME_RE } from '@aerostack/contract/names.js';
import { assignToolNames, type ToolSource } from '@aerostack/registry/gateway/tool-names.js';

const src = (skill: string, tool: string): ToolSource => {
  const [ns, slug] = skill.slice(1).split('/') as [string, string];
  return { skill, namespace: ns, slug, tool };
};
const named = (sources: ToolSource[]) => {
  const names = assignToolNames(sources);
  return sources.map((s) => names.get(s)!);
};

describe('assignToolNames: <skill>__<tool>, unique, never dropped', () => {
  it('names each tool after its skill', () => {
    assert.deepEqual(named([src('@acme/crm', 'find_customer'), src('@acme/crm', 'add_note')]), [
      'crm__find_customer',
      'crm__add_note',
    ]);
  });

  it('same slug in two namespaces: the first by full name keeps the short name, the other gets its namespace', () => {
    const a = src('@acme/tools', 'x');
    const b = src('@bob/tools', 'x');
    assert.deepEqual(named([b, a]), ['bob_tools__x', 'tools__x']);
    assert.deepEqual(named([a, b]), ['tools__x', 'bob_tools__x'], 'the order given does not matter');
  });

  it('what MCP clients accept: other characters become "_", long names are cut with a hash, and stay unique', () => {
    const long = 'a'.repeat(70);
    const names = named([src('@acme/my.skill', 'run'), src('@acme/x', `${long}1`), src('@acme/x', `${long}2`)]);
    for (const n of names) assert.match(n, GATEWAY_TOOL_NAME_RE);
    assert.equal(names[0], 'my_skill__run');
    assert.notEqual(names[1], names[2]);
    assert.equal(names[1]!.length, 64);
  });

  it('a third collision still gets a name of its own', () => {
    const names = named([src('@a/t', 'x'), src('@b/t', 'x'), src('@b/t', 'x')]);
    assert.equal(new Set(names).size, 3);
  });
});
