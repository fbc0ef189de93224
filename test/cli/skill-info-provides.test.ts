/**
 * `aerostack skill info @ns/skill[@version]` shows what the version provides (issue 17): each tool
 * with a table of its arguments (nested properties, enums, arrays and defaults shown plainly), the
 * secrets and hosts it declares, its files; an MCP server that has not run yet says when its tools
 * appear; `--json` carries the registry's `provides` answer as it is.
 */
import assert from 'node:assert/strict';
import { signup } from '../helpers/api.js';
import { cliUser, signInAs, type CliUser } from '../helpers/cli.js';
import { publishFolder } from '../helpers/gateway.js';
import { agentSkillFolder, CRM_INPUT_SCHEMA, crmSkillFolder, plainMcpFolder } from '../helpers/provided-skills.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

describe('cli: skill info shows what a skill provides', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let acme: CliUser;

  before(async () => {
    r = await startTestRegistry();
    const token = await signup(r.url, 'acme');
    acme = await cliUser(r.url);
    await signInAs(acme, r.url, 'acme', token);
    await publishFolder(r.url, token, '@acme/crm', '1.0.0', crmSkillFolder('@acme/crm', '1.0.0'));
    const v2 = crmSkillFolder('@acme/crm', '2.0.0');
    await publishFolder(r.url, token, '@acme/crm', '2.0.0', {
      ...v2,
      'aerostack.json': (v2['aerostack.json'] as string).replace('"lookup_contact"', '"find_contact"'),
    });
    await publishFolder(r.url, token, '@acme/plain-mcp', '1.0.0', plainMcpFolder('@acme/plain-mcp', '1.0.0'));
    await publishFolder(r.url, token, '@acme/pdf-forms', '1.0.0', agentSkillFolder('@acme/pdf-forms', '1.0.0'));
  });
  after(async () => {
    await acme?.cleanup();
    await r?.close();
  });

  const section = (stdout: string) => stdout.slice(stdout.indexOf('Provides ('));

  it('a tool with its arguments table, secrets, hosts and files; @version picks the version', async () => {
    const res = await acme.run(['skill', 'info', '@acme/crm@1.0.0']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      section(res.stdout),
      [
        'Provides (1.0.0):',
        '',
        'Tool lookup_contact',
        '  Look up a CRM contact: run it',
        '  ARGUMENT      TYPE                     REQUIRED  DESCRIPTION',
        "  email         string (email)           yes       The contact's email address",
        '  status        "open" | "won" | "lost"  no        Only deals in this state',
        '  limit         integer                  no        How many deals at most (default: 10)',
        '  address       object                   no        Where the contact is',
        '  address.city  string                   yes       City name',
        '  tags          array of string          no',
        '',
        'Secrets:   CRM_API_KEY — API key of the CRM',
        '           CRM_REGION (optional) — Data region',
        'Network:   api.crm.acme.com:443',
        'Files (3): aerostack.json, index.js, package.json',
        '',
      ].join('\n'),
    );
    const latest = await acme.run(['skill', 'info', '@acme/crm']);
    assert.match(latest.stdout, /^Provides \(2\.0\.0\):\n\nTool find_contact$/m);
  });

  it('--json carries the provides answer', async () => {
    const res = await acme.json(['skill', 'info', '@acme/crm@1.0.0']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.body.provides.tools, [
      { name: 'lookup_contact', description: 'Look up a CRM contact: run it', inputSchema: CRM_INPUT_SCHEMA },
    ]);
    assert.deepEqual(res.body.provides.network, ['api.crm.acme.com:443']);
  });

  it('an MCP server that has not run yet, and an Agent Skill', async () => {
    const mcp = await acme.run(['skill', 'info', '@acme/plain-mcp']);
    assert.equal(mcp.code, 0, mcp.stderr);
    assert.match(
      section(mcp.stdout),
      /^Provides \(1\.0\.0\):\n {2}Tools: listed once the skill has run in a workspace \(its MCP server tells the gateway\)\.\n\nSecrets: {3}none\nNetwork: {3}none\n/,
    );
    const agent = await acme.run(['skill', 'info', '@acme/pdf-forms']);
    assert.equal(agent.code, 0, agent.stderr);
    assert.match(
      section(agent.stdout),
      /^Provides \(1\.0\.0\):\n\nSKILL\.md\n {2}name: pdf-forms\n {2}description: Fill in PDF forms from a JSON answer sheet\.\n {2}\(\d+ lines; shown in full on the skill page\)\n/,
    );
    assert.match(
      agent.stdout,
      /^Files \(5\): SKILL\.md, aerostack\.json, package\.json, references\/fields\.md, scripts\/fill\.py$/m,
    );
  });
});
