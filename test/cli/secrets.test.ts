/**
 * `aerostack workspace secret …` and `skill install --allow-network`, end to end with the BUILT
 * binary against an in-process registry: the value comes only from stdin (or a prompt), is never
 * printed back, and only owners and admins set it; a skill that declares network hosts goes into a
 * workspace only with the installer's consent, and `workspace skills` shows what was approved.
 */
import assert from 'node:assert/strict';
import { signup } from '../helpers/api.js';
import { cliUser, signInAs, type CliUser } from '../helpers/cli.js';
import { cliExpect } from '../helpers/cli-expect.js';
import { createWorkspace, publishFolder, skillFolder, withManifestFields } from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember } from '../helpers/teams.js';

const WS = 'acme-lab';
const CRM = '@acme/crm';
const VALUE = 'sk-live-9a8b7c6d5e4f3a2b1c0d';

describe('aerostack workspace secret, skill install --allow-network (CLI end to end)', function () {
  this.timeout(60_000);
  const { names, run, prints, fails, json } = cliExpect();
  let r: TestRegistry;
  let acme: CliUser;
  let alice: CliUser;
  const outputs: string[] = [];
  const tokens: Record<string, string> = {};

  before(async () => {
    r = await startTestRegistry();
    for (const name of ['acme', 'alice']) tokens[name] = await signup(r.url, name);
    await addMember(r, 'acme', 'alice');
    await createWorkspace(r.url, tokens.acme!, WS);
    await publishFolder(
      r.url,
      tokens.acme!,
      CRM,
      '1.0.0',
      withManifestFields(skillFolder(CRM, '1.0.0', 'export default async () => ({ content: [] });'), {
        env: [{ name: 'CRM_API_KEY', description: 'The CRM key' }],
        network: ['api.crm.acme.com:443'],
      }),
    );
    [acme, alice] = await Promise.all([cliUser(r.url), cliUser(r.url)]);
    names.set(acme, 'acme').set(alice, 'alice');
    await signInAs(acme, r.url, 'acme', tokens.acme!);
    await signInAs(alice, r.url, 'alice', tokens.alice!);
  });
  after(async () => {
    await Promise.all([acme, alice].map((u) => u?.cleanup()));
    await r?.close();
  });

  /** Runs and keeps what was printed, to search it for the value at the end. */
  const kept = async (u: CliUser, args: string[], input?: string) => {
    const res = await run(u, args, input === undefined ? {} : { input });
    outputs.push(res.stdout, res.stderr);
    return res;
  };

  it('sets a secret from stdin, never from an argument, and says who uses it', async () => {
    const res = await kept(acme, ['workspace', 'secret', 'set', WS, 'CRM_API_KEY'], `${VALUE}\n`);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `✓ Secret CRM_API_KEY set in workspace ${WS}. No installed skill declares it yet.\n`);
    await fails(
      acme,
      ['workspace', 'secret', 'set', WS, 'CRM_API_KEY', VALUE],
      2,
      /^✗ invalid: Unexpected argument: sk-live/,
    );
    await fails(
      acme,
      ['workspace', 'secret', 'set', WS, 'CRM_API_KEY'],
      2,
      `✗ invalid: No value for CRM_API_KEY: pipe it in (printf %s "$VALUE" | aerostack workspace secret set WS CRM_API_KEY) or run it on a terminal`,
    );
    await fails(
      acme,
      ['workspace', 'secret', 'set', WS, 'crm-key'],
      2,
      /^✗ invalid: Invalid secret name "crm-key": use upper-case letters/,
      { input: 'x' },
    );
    await fails(
      alice,
      ['workspace', 'secret', 'set', WS, 'CRM_API_KEY'],
      4,
      `✗ 403: Only the owner and admins of @acme can set or delete secrets of workspace ${WS}`,
      { input: 'stolen' },
    );
  });

  it('installs a skill that declares network only with --allow-network (no terminal to ask on)', async () => {
    await fails(
      acme,
      ['skill', 'install', CRM, '--workspace', WS],
      4,
      `✗ 403: ${CRM}@1.0.0 asks to reach api.crm.acme.com:443. Install it with --allow-network to approve this host`,
    );
    const res = await kept(acme, ['skill', 'install', CRM, '--workspace', WS, '--allow-network']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`✓ Added to workspace ${WS}; it may reach api\\.crm\\.acme\\.com:443\\n$`));
    const listed = await json(alice, ['workspace', 'skills', WS]);
    assert.deepEqual(listed.skills[0].network, ['api.crm.acme.com:443']);
    const day = String(listed.skills[0].installedAt).slice(0, 10);
    await prints(
      alice,
      ['workspace', 'skills', WS],
      [
        'SKILL      VERSION  VISIBILITY  INSTALLED BY  INSTALLED   NETWORK',
        `${CRM}  1.0.0    team        acme          ${day}  api.crm.acme.com:443`,
      ],
    );
  });

  it('lists names, who set them and when, and the skills that use them; a member may list', async () => {
    const listed = await json(alice, ['workspace', 'secret', 'list', WS]);
    const day = String(listed.secrets[0].setAt).slice(0, 10);
    await prints(
      alice,
      ['workspace', 'secret', 'list', WS],
      ['NAME         SET BY  SET         USED BY', `CRM_API_KEY  acme    ${day}  ${CRM}`],
    );
    assert.deepEqual(listed.missing, []);
  });

  it('deletes a secret; the list then says which skill needs it and how to set it', async () => {
    await prints(
      acme,
      ['workspace', 'secret', 'delete', WS, 'CRM_API_KEY'],
      [`✓ Secret CRM_API_KEY deleted from workspace ${WS}.`],
    );
    await fails(
      acme,
      ['workspace', 'secret', 'delete', WS, 'CRM_API_KEY'],
      5,
      `✗ 404: No secret CRM_API_KEY in workspace ${WS}`,
    );
    await prints(
      acme,
      ['workspace', 'secret', 'list', WS],
      [
        'NAME  SET BY  SET  USED BY',
        `! CRM_API_KEY is not set; ${CRM} needs it: aerostack workspace secret set ${WS} CRM_API_KEY`,
      ],
    );
  });

  it('never printed the value', () => {
    assert.ok(outputs.length >= 4);
    assert.deepEqual(
      outputs.filter((o) => o.includes(VALUE)),
      [],
    );
  });
});
