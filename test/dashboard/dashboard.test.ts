import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { publishBody, request, signup } from '../helpers/api.js';
import { launchBrowser, newContext, screenshot, screenshotAll, signIn as signInAs } from '../helpers/browser.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { joinCodeFrom, type SmtpSink, startMailingRegistry, startSmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'correct horse battery';
const MAILER_HOST = 'api.example.com:443';
const SECRET_VALUE = 'sk-live-9c1e7d0b-never-shown';
const HOSTILE_README = [
  '# CRM skill',
  '',
  'Looks up customers. readme-marker-7f3a',
  '',
  '<script>window.__xss=1</script>',
  '',
  '<img src=x onerror="window.__xss=2">',
  '',
  '[click me](javascript:window.__xss=3) <a href="#" onclick="window.__xss=4">also me</a>',
  '',
  '<iframe src="javascript:window.__xss=5"></iframe>',
].join('\n');

describe('admin dashboard in a real headless Chromium', function () {
  this.timeout(60_000);
  let smtp: SmtpSink;
  let r: TestRegistry;
  let browser: Browser;
  let ownerCtx: BrowserContext;
  let aliceCtx: BrowserContext;
  let anonCtx: BrowserContext;
  let malloryCtx: BrowserContext;
  let owner: Page;
  let acmeToken: string;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  const publish = async (
    name: string,
    version: string,
    visibility: 'public' | 'team' | 'private',
    files: Record<string, string> = {},
    manifest: Record<string, unknown> = {},
  ) => {
    const res = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
      token: acmeToken,
      body: publishBody(name, version, skillTarball(name, version, { files, manifest }), { visibility }),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const nav = (page: Page, tab: string) =>
    page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: tab, exact: true }).click();
  const flash = (page: Page) => page.locator('.flash').first();
  /** The text of one column (by its header) in the row of `rowText` of the table named `table`. */
  const cell = async (page: Page, table: string, rowText: string, column: string) => {
    const t = page.getByRole('table', { name: table });
    const col = (await t.locator('thead th').allTextContents()).indexOf(column);
    assert.ok(col >= 0, `no column ${column} in ${table}`);
    return (await t.locator('tbody tr', { hasText: rowText }).locator('td').nth(col).textContent())?.trim();
  };
  const open = async (ctx: BrowserContext) => {
    const page = await ctx.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return page;
  };
  /** Every visible control has a <label>; then a screenshot for people to look at. */
  const snap = async (page: Page, name: string) => {
    const unlabelled = await page
      .locator('input:not([type=hidden]), select, textarea')
      .evaluateAll((els) =>
        els.filter((e) => !(e as unknown as { labels: unknown[] | null }).labels?.length).map((e) => e.outerHTML),
      );
    assert.deepEqual(unlabelled, [], `unlabelled controls on ${page.url()}`);
    await screenshot(page, name);
  };
  const signIn = (page: Page, username: string) => signInAs(page, username, PASSWORD);

  before(async () => {
    [smtp, browser] = await Promise.all([startSmtpSink(), launchBrowser()]);
    r = await startMailingRegistry(smtp);
    acmeToken = await signup(r.url, 'acme', PASSWORD);
    await signup(r.url, 'mallory', PASSWORD);
    await publish('@acme/crm', '1.0.0', 'team', { 'README.md': HOSTILE_README });
    await publish('@acme/crm', '1.1.0', 'team', { 'README.md': HOSTILE_README });
    await publish('@acme/weather', '2.0.0', 'public');
    await publish('@acme/notes', '0.1.0', 'private');
    [ownerCtx, aliceCtx, anonCtx, malloryCtx] = await Promise.all([
      newContext(browser, r.url),
      newContext(browser, r.url),
      newContext(browser, r.url),
      newContext(browser, r.url),
    ]);
    owner = await open(ownerCtx);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll([ownerCtx, aliceCtx, anonCtx, malloryCtx], `FAILED-${this.currentTest.title}`);
      console.error(`screenshots: ${files.join(', ')}`);
    }
  });

  after(async () => {
    await browser?.close();
    await r?.close();
    await smtp?.close();
  });

  it('the anonymous marketplace shows public skills and never team or private ones', async () => {
    const page = await open(anonCtx);
    const res = await page.goto('/search?q=acme');
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.getByRole('heading', { name: 'Skill marketplace' }).waitFor();
    const hits = page.locator('.hits li');
    assert.deepEqual(await hits.locator('strong').allTextContents(), ['@acme/weather']);
    const text = await page.locator('main').textContent();
    assert.ok(!text?.includes('@acme/crm') && !text?.includes('@acme/notes'), text ?? '');
    // The search box is labelled and works from the keyboard.
    await page.getByLabel('Search skills').fill('crm');
    await page.getByLabel('Search skills').press('Enter');
    await page.waitForURL('**/search?q=crm');
    assert.equal(await page.locator('.hits li').count(), 0);
    await page.goto('/search');
    assert.deepEqual(await page.locator('.hits li strong').allTextContents(), ['@acme/weather']);
    await snap(page, 'tab-marketplace');
    // Keyboard users start at the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
    // A team skill's page asks an anonymous visitor to sign in (the API's 401), without its readme.
    const teamPage = await page.goto('/skills/@acme/crm');
    assert.equal(teamPage?.status(), 401);
    assert.match((await page.locator('main').textContent()) ?? '', /Sign in to access @acme\/crm/);
    assert.equal(await page.locator('#readme').count(), 0);
  });

  it('the owner signs in; the session cookie is HttpOnly and SameSite=Lax', async () => {
    await owner.goto('/');
    await snap(owner, 'tab-signin');
    await owner.getByLabel('Username').fill('acme');
    await owner.getByLabel('Password').fill('wrong password');
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.getByRole('alert').filter({ hasText: 'Incorrect username or password' }).waitFor();
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.waitForURL('**/skills');
    await owner.getByText('Signed in as acme').waitFor();
    const session = (await ownerCtx.cookies()).find((c) => c.name === 'aerostack_session');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.path, '/');
    assert.match(session.value, /^aer_/);
    assert.equal(
      String(await owner.evaluate('document.cookie')).includes('aerostack_session'),
      false,
      'scripts cannot read it',
    );
    // The JSON API ignores the cookie: only Bearer tokens authenticate there.
    assert.equal((await owner.request.get('/-/api/v1/whoami')).status(), 401);
    const mine = owner.locator('table', { hasText: 'Skills in @acme' });
    assert.deepEqual(await mine.locator('tbody tr td:first-child').allTextContents(), [
      '@acme/crm',
      '@acme/notes',
      '@acme/weather',
    ]);
    assert.equal(await mine.locator('tr', { hasText: '@acme/crm' }).locator('.badge').textContent(), 'team');
    assert.equal(await mine.locator('tr', { hasText: '@acme/notes' }).locator('.badge').textContent(), 'private');
    await snap(owner, 'tab-skills');
  });

  it('the owner invites from the Team tab; the invitee signs up from the mailed link in another browser; the owner sees them active', async () => {
    await nav(owner, 'Team');
    await owner.getByRole('heading', { name: 'Team @acme' }).waitFor();
    await owner.getByLabel('Email').fill('alice@acme.test');
    await owner.getByLabel('Role', { exact: true }).selectOption('member');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    assert.equal(await flash(owner).textContent(), 'Invitation sent. Alice will receive an email with a join link.');
    assert.match(
      (await owner
        .locator('table', { hasText: 'Pending invitations' })
        .locator('tr', { hasText: 'alice@acme.test' })
        .textContent()) ?? '',
      /member\s*pending/,
    );

    const { link } = joinCodeFrom(await smtp.next('alice@acme.test'));
    const alice = await open(aliceCtx);
    await alice.goto(link);
    await alice.getByRole('heading', { name: 'Join @acme' }).waitFor();
    await snap(alice, 'tab-join');
    const form = alice.getByRole('form', { name: 'I am new here' });
    assert.equal(await form.getByLabel('Email').inputValue(), 'alice@acme.test');
    await form.getByLabel('Username').fill('alice');
    await form.getByLabel('Password (at least 8 characters)').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign up and join @acme' }).click();
    // Signed up and in, but the address is not proved yet: the page says how, and the link stays usable.
    await alice.getByText('Verify your email before you join @acme').waitFor();
    await alice.getByRole('button', { name: 'Accept and join @acme' }).waitFor();
    const verification = /(https?:\/\/\S+\/verify\/[0-9a-f]{48})/.exec((await smtp.next('alice@acme.test')).text ?? '');
    assert.ok(verification, 'a verification link was mailed');
    await alice.goto(verification[1]!);
    await alice.getByRole('button', { name: 'Verify alice@acme.test' }).click();
    await alice.getByRole('heading', { name: '✓ Your email is verified' }).waitFor();
    await alice.goto(link);
    await alice.getByRole('button', { name: 'Accept and join @acme' }).click();
    await alice.getByRole('heading', { name: '✓ You joined @acme' }).waitFor();
    await alice.getByText('Signed in as alice').waitFor();
    // The link worked once.
    assert.equal((await alice.goto(link))?.status(), 410);

    await owner.reload();
    const row = owner.locator('table', { hasText: 'Members of @acme' }).locator('tr', { hasText: 'alice@acme.test' });
    assert.match((await row.textContent()) ?? '', /alice\s*alice@acme\.test\s*member\s*active\s*\d{4}-\d{2}-\d{2}/);
    assert.equal(await owner.locator('table', { hasText: 'Pending invitations' }).count(), 0);
    await snap(owner, 'tab-team');
  });

  it('the owner creates a workspace, installs a team skill, creates a token (shown once) and revokes it', async () => {
    await ownerCtx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: r.url });
    await nav(owner, 'Workspaces');
    await owner.getByLabel('Name', { exact: true }).fill('acme-team');
    await owner.getByRole('button', { name: 'Create workspace' }).click();
    await owner.waitForURL('**/workspaces/acme-team');
    assert.match((await flash(owner).textContent()) ?? '', /Workspace acme-team created/);
    assert.equal(await owner.locator('#gateway-url').textContent(), `${r.url}/ws/acme-team`);

    await owner.getByLabel('Skill', { exact: true }).fill('@acme/crm');
    assert.equal(await owner.getByLabel('Version, range or tag').inputValue(), 'latest');
    await owner.getByRole('button', { name: 'Install', exact: true }).click();
    assert.equal(await flash(owner).textContent(), '✓ Installed @acme/crm@1.1.0 into acme-team.');
    assert.match(
      (await owner
        .getByRole('table', { name: 'Installed skills' })
        .locator('tr', { hasText: '@acme/crm' })
        .textContent()) ?? '',
      /1\.1\.0\s*team\s*none\s*acme/,
    );

    await owner.getByLabel('Token name').fill('Alice Cursor');
    await owner.getByLabel('For member (optional)').fill('alice');
    await owner.getByRole('button', { name: 'Create token' }).click();
    const token = (await owner.locator('#new-token').textContent()) ?? '';
    assert.match(token, /^mwt_[A-Za-z0-9_-]{43}$/);
    const config = JSON.parse((await owner.locator('#editor-config').textContent()) ?? '');
    assert.deepEqual(config, {
      mcpServers: { 'acme-team': { url: `${r.url}/ws/acme-team`, headers: { Authorization: `Bearer ${token}` } } },
    });
    const copy = owner.getByRole('button', { name: 'Copy token' });
    assert.equal(await copy.isVisible(), true, 'the script reveals the copy buttons');
    await copy.click();
    await owner.getByRole('status').filter({ hasText: 'Copied to the clipboard' }).waitFor();
    assert.equal(await owner.evaluate('navigator.clipboard.readText()'), token);
    await snap(owner, 'tab-workspace-new-token');

    // Shown once: the page never shows it again, only its prefix.
    await owner.goto('/workspaces/acme-team');
    assert.ok(!(await owner.content()).includes(token));
    const tokenRow = owner.locator('tr', { hasText: 'Alice Cursor' });
    assert.match((await tokenRow.textContent()) ?? '', new RegExp(`${token.slice(0, 10)}…\\s*alice.*active`));
    await owner.getByRole('button', { name: 'Revoke token Alice Cursor' }).click();
    assert.equal(await flash(owner).textContent(), '✓ Token revoked. Gateway access with "Alice Cursor" is disabled.');
    assert.match((await tokenRow.textContent()) ?? '', /revoked/);
    const gw = await fetch(`${r.url}/ws/acme-team`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(gw.status, 401, 'the revoked token is refused by the gateway');
    await snap(owner, 'tab-workspace');
    await nav(owner, 'Workspaces');
    assert.match((await owner.locator('tr', { hasText: 'acme-team' }).textContent()) ?? '', /@acme\s*owner\s*1/);
    await snap(owner, 'tab-workspaces');
  });

  it('Workspace Audit lists install, token_created and token_revoked, filters by action and date, and exports CSV', async () => {
    await nav(owner, 'Workspace Audit');
    await owner.waitForURL('**/workspaces/acme-team/audit');
    const actions = await owner
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    for (const a of ['install', 'token_created', 'token_revoked'])
      assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
    assert.deepEqual(actions.slice(0, 3), ['token_revoked', 'token_created', 'install'], 'newest first');
    assert.match(
      (await owner.locator('tr[data-action=install]').textContent()) ?? '',
      /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s*acme@acme\s*@acme\/crm\s*install/,
    );
    await snap(owner, 'tab-audit');

    await owner.getByLabel('Action').selectOption('install');
    await owner.getByRole('button', { name: 'Filter' }).click();
    await owner.waitForURL(/action=install/);
    assert.deepEqual(
      await owner.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action'))),
      ['install'],
    );

    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'acme-team-audit.csv');
    const csv = (await readFile(await download.path(), 'utf8')).trim().split(/\r?\n/);
    assert.equal(csv[0], 'date,user,skill,action,tool,duration_ms,status,detail');
    assert.equal(csv.length, 2);
    assert.match(csv[1]!, /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,acme@acme,@acme\/crm,install,,,,@acme\/crm@1\.1\.0$/);

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await owner.goto(`/workspaces/acme-team/audit?from=${today}&to=${today}&action=token_created`);
    assert.equal(await owner.locator('tr[data-action=token_created]').count(), 1);
    await owner.goto(`/workspaces/acme-team/audit?from=${tomorrow}`);
    await owner.getByText('No events match.').waitFor();
    const all = await owner.request.get('/workspaces/acme-team/audit.csv');
    assert.match(all.headers()['content-type'] ?? '', /^text\/csv/);
    assert.match(await all.text(), /,token_revoked,.*Alice Cursor/);
  });

  it('a skill page renders a hostile README inert, and the owner changes visibility there', async () => {
    const res = await owner.goto('/skills/@acme/crm');
    assert.equal(res?.status(), 200);
    await owner.getByRole('heading', { name: '@acme/crm team' }).waitFor();
    const readme = owner.locator('#readme');
    assert.match((await readme.textContent()) ?? '', /readme-marker-7f3a/);
    await readme.getByRole('heading', { name: 'CRM skill' }).waitFor();
    // Clicking what used to carry script does nothing either.
    await readme.getByText('click me').click();
    await readme.getByText('also me').click();
    assert.equal(await owner.evaluate('typeof window.__xss'), 'undefined');
    assert.equal(await owner.locator('[onerror], [onclick]').count(), 0);
    assert.equal(await readme.locator('script, iframe').count(), 0);
    assert.equal(await readme.locator('a[href^="javascript:"]').count(), 0);
    assert.ok(!/onerror|onclick|window\.__xss=1/.test(await readme.innerHTML()));
    assert.deepEqual(dialogs, []);
    assert.deepEqual(
      await owner.locator('table', { hasText: 'Published' }).locator('tbody td:first-child').allTextContents(),
      ['1.1.0', '1.0.0'],
    );
    assert.match((await owner.locator('table', { hasText: 'Tag' }).textContent()) ?? '', /latest\s*1\.1\.0/);
    await snap(owner, 'tab-skill-page');

    await owner.goto('/skills/@acme/notes');
    await owner.getByLabel('Visibility', { exact: true }).selectOption('team');
    await owner.getByRole('button', { name: 'Change visibility' }).click();
    assert.equal(await flash(owner).textContent(), '✓ @acme/notes is now team.');
    assert.equal(await owner.locator('h1 .badge').textContent(), 'team');
    const api = await request(r.url, 'GET', '/-/v1/search?text=notes');
    assert.equal(api.body.total, 0, 'a team skill stays out of public search');
  });

  it('a non-member cannot open a team skill page (403, no readme); a member can', async () => {
    const mallory = await open(malloryCtx);
    await signIn(mallory, 'mallory');
    const res = await mallory.goto('/skills/@acme/crm');
    assert.equal(res?.status(), 403);
    assert.equal(await mallory.getByRole('alert').textContent(), 'You are not a member of @acme');
    assert.equal(await mallory.locator('#readme').count(), 0);
    assert.ok(!(await mallory.content()).includes('readme-marker-7f3a'));
    assert.equal((await mallory.goto('/workspaces/acme-team'))?.status(), 404);
    assert.equal((await mallory.goto('/workspaces/acme-team/audit.csv').catch(() => null))?.status() ?? 404, 404);
    await mallory.goto('/skills');
    assert.ok(!((await mallory.locator('main').textContent()) ?? '').includes('@acme/crm'));

    const alice = aliceCtx.pages()[0]!;
    assert.equal((await alice.goto('/skills/@acme/crm'))?.status(), 200);
    await alice.locator('#readme').waitFor();
    assert.equal(await alice.locator('form[action$="/visibility"]').count(), 0, 'a member cannot change visibility');
  });

  it('installing a skill that declares network hosts needs the box ticked; the Network column shows them', async () => {
    await publish('@acme/mailer', '1.0.0', 'team', {}, { network: [MAILER_HOST], env: [{ name: 'CRM_API_KEY' }] });
    await owner.goto('/workspaces/acme-team');
    await owner.getByLabel('Skill', { exact: true }).fill('@acme/mailer');
    const box = owner.getByLabel('Allow the network hosts this skill declares');
    assert.equal(await box.isChecked(), false);
    const [refused] = await Promise.all([
      owner.waitForResponse((res) => res.request().method() === 'POST'),
      owner.getByRole('button', { name: 'Install', exact: true }).click(),
    ]);
    assert.equal(refused.status(), 403);
    const alert = owner.getByRole('alert');
    assert.equal(
      await alert.textContent(),
      `@acme/mailer@1.0.0 declares network hosts this workspace has not approved: ${MAILER_HOST}. ` +
        'Tick "Allow the network hosts this skill declares" and install again to approve it.',
    );
    assert.doesNotMatch(
      (await owner.locator('main').textContent()) ?? '',
      /DomainError|\.[cm]?js:\d+/,
      'no stack trace',
    );
    // The form is still filled in: ticking the box is all it takes.
    assert.equal(await owner.getByLabel('Skill', { exact: true }).inputValue(), '@acme/mailer');
    assert.equal(await owner.getByLabel('Version, range or tag').inputValue(), 'latest');
    const installed = owner.getByRole('table', { name: 'Installed skills' });
    assert.equal(await installed.locator('tr', { hasText: '@acme/mailer' }).count(), 0, 'nothing was installed');
    await snap(owner, 'tab-workspace-network-refused');

    await box.check();
    await owner.getByRole('button', { name: 'Install', exact: true }).click();
    await owner.waitForURL('**/workspaces/acme-team');
    assert.equal(
      await flash(owner).textContent(),
      `✓ Installed @acme/mailer@1.0.0 into acme-team. It may reach ${MAILER_HOST}.`,
    );
    assert.equal(await cell(owner, 'Installed skills', '@acme/mailer', 'Network'), MAILER_HOST);
    assert.equal(await cell(owner, 'Installed skills', '@acme/crm', 'Network'), 'none');
    // The new skill declares a required secret nobody has set yet.
    assert.equal(await owner.locator('.warn').textContent(), 'CRM_API_KEY is not set; needed by @acme/mailer.');
  });

  it('the owner sets a secret from the form: listed by name, never echoed, not even after a refusal', async () => {
    await owner.goto('/workspaces/acme-team');
    await owner.getByRole('heading', { name: 'Secrets', exact: true }).waitFor();
    await owner.getByText('No secrets set.').waitFor();
    const value = owner.getByLabel('Secret value');
    assert.equal(await value.getAttribute('type'), 'password');
    assert.equal(await value.getAttribute('autocomplete'), 'off');
    await owner.getByLabel('Secret name').fill('CRM_API_KEY');
    await value.fill(SECRET_VALUE);
    await owner.getByRole('button', { name: 'Set secret' }).click();
    await owner.waitForURL('**/workspaces/acme-team');
    assert.equal(await flash(owner).textContent(), '✓ Secret CRM_API_KEY set.');
    assert.equal(await cell(owner, 'Secrets', 'CRM_API_KEY', 'Name'), 'CRM_API_KEY');
    assert.equal(await cell(owner, 'Secrets', 'CRM_API_KEY', 'Set by'), 'acme');
    assert.match((await cell(owner, 'Secrets', 'CRM_API_KEY', 'Set')) ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(await cell(owner, 'Secrets', 'CRM_API_KEY', 'Used by'), '@acme/mailer');
    assert.equal(await owner.locator('.warn').count(), 0, 'nothing required is missing any more');
    assert.equal(await owner.getByLabel('Secret value').inputValue(), '');
    assert.ok(!(await owner.content()).includes(SECRET_VALUE), 'the value is not in the page');
    await snap(owner, 'tab-workspace-secrets');

    // A refused name: the form comes back with the name, and an empty value.
    await owner.getByLabel('Secret name').fill('NODE_OPTIONS');
    await owner.getByLabel('Secret value').fill('--require=/tmp/other-value-4b2e');
    const [refused] = await Promise.all([
      owner.waitForResponse((res) => res.request().method() === 'POST'),
      owner.getByRole('button', { name: 'Set secret' }).click(),
    ]);
    assert.equal(refused.status(), 400);
    assert.match((await owner.getByRole('alert').textContent()) ?? '', /^Invalid secret name "NODE_OPTIONS"/);
    assert.equal(await owner.getByLabel('Secret name').inputValue(), 'NODE_OPTIONS');
    assert.equal(await owner.getByLabel('Secret value').inputValue(), '');
    assert.ok(!(await refused.text()).includes('other-value-4b2e'), 'the refused value is not in the answer');
    // Neither is it anywhere in the audit log, which records the name only.
    const csv = await (await owner.request.get('/workspaces/acme-team/audit.csv')).text();
    assert.match(csv, /,secret_set,.*CRM_API_KEY/);
    assert.ok(!csv.includes(SECRET_VALUE) && !csv.includes('other-value-4b2e'));
  });

  it('a member sees the secret names but cannot set or delete them', async () => {
    const alice = aliceCtx.pages()[0]!;
    await alice.goto('/workspaces/acme-team');
    assert.equal(await cell(alice, 'Secrets', 'CRM_API_KEY', 'Set by'), 'acme');
    const headers = await alice.getByRole('table', { name: 'Secrets' }).locator('thead th').allTextContents();
    assert.deepEqual(headers, ['Name', 'Set by', 'Set', 'Used by']);
    assert.equal(await alice.locator('form[action$="/secrets"], form[action$="/secrets/delete"]').count(), 0);
    assert.equal(await alice.getByLabel('Secret value').count(), 0);
    assert.equal(await alice.getByRole('form', { name: 'Install a skill' }).count(), 0, 'nor install skills');
    await alice.getByText("Only the owner and admins of @acme set or delete this workspace's secrets.").waitFor();
    assert.ok(!(await alice.content()).includes(SECRET_VALUE));
    await snap(alice, 'tab-workspace-secrets-member');
    // Posting the form anyway is refused by the policy.
    const csrf = await alice.locator('input[name=_csrf]').first().inputValue();
    const res = await alice.request.post('/workspaces/acme-team/secrets', {
      form: { name: 'CRM_API_KEY', value: 'from-alice', _csrf: csrf },
      maxRedirects: 0,
    });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /Only the owner and admins of @acme can set or delete secrets/);
    const del = await alice.request.post('/workspaces/acme-team/secrets/delete', {
      form: { name: 'CRM_API_KEY', _csrf: csrf },
      maxRedirects: 0,
    });
    assert.equal(del.status(), 303);
    await alice.goto('/workspaces/acme-team');
    assert.match(
      (await flash(alice).textContent()) ?? '',
      /Only the owner and admins of @acme can set or delete secrets/,
    );
    assert.equal(await cell(alice, 'Secrets', 'CRM_API_KEY', 'Set by'), 'acme', 'still set, by acme');
  });

  it('the owner deletes a secret; the missing note comes back', async () => {
    await owner.goto('/workspaces/acme-team');
    await owner.getByRole('button', { name: 'Delete secret CRM_API_KEY' }).click();
    await owner.waitForURL('**/workspaces/acme-team');
    assert.equal(await flash(owner).textContent(), '✓ Secret CRM_API_KEY deleted.');
    await owner.getByText('No secrets set.').waitFor();
    assert.equal(await owner.locator('.warn').textContent(), 'CRM_API_KEY is not set; needed by @acme/mailer.');
  });

  it('refuses a POST without a valid CSRF token (403) and posts from another origin', async () => {
    await owner.goto('/team');
    const token = await owner.locator('input[name=_csrf]').first().inputValue();
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      owner.request.post('/team/acme/invitations', { form, headers, maxRedirects: 0 });
    const forged = await post({ email: 'eve@acme.test', role: 'member', _csrf: 'forged' });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /security token is missing, expired or wrong/);
    assert.equal((await post({ email: 'eve@acme.test', role: 'member' })).status(), 403);
    assert.equal(
      (
        await post({ email: 'eve@acme.test', role: 'member', _csrf: token }, { origin: 'http://evil.example' })
      ).status(),
      403,
    );
    // Another account's token is no good either.
    const malloryToken = await malloryCtx.pages()[0]!.locator('input[name=_csrf]').first().inputValue();
    assert.equal((await post({ email: 'eve@acme.test', role: 'member', _csrf: malloryToken })).status(), 403);

    // A tampered form in the page is refused the same way.
    await owner
      .locator('form[action="/team/acme/invitations"] input[name=_csrf]')
      .evaluate((el, v) => el.setAttribute('value', v), 'tampered');
    await owner.getByLabel('Email').fill('eve@acme.test');
    const [refused] = await Promise.all([
      owner.waitForResponse((res) => res.request().method() === 'POST'),
      owner.getByRole('button', { name: 'Send invitation' }).click(),
    ]);
    assert.equal(refused.status(), 403);
    await owner.getByRole('heading', { name: 'Not allowed' }).waitFor();

    const members = await request(r.url, 'GET', '/-/api/v1/teams/acme/members', { token: acmeToken });
    assert.ok(!JSON.stringify(members.body).includes('eve@'), 'nothing was invited');
    // The right token from the right page works.
    const ok = await post({ email: 'eve@acme.test', role: 'member', _csrf: token }, { origin: r.url });
    assert.equal(ok.status(), 303);
  });

  it('sign out revokes the session token', async () => {
    await owner.goto('/skills');
    const secret = (await ownerCtx.cookies()).find((c) => c.name === 'aerostack_session')!.value;
    assert.equal((await request(r.url, 'GET', '/-/api/v1/whoami', { token: secret })).status, 200);
    await owner.getByRole('button', { name: 'Sign out' }).click();
    await owner.waitForURL('**/signin');
    assert.equal(await flash(owner).textContent(), 'You are signed out.');
    assert.equal(
      (await ownerCtx.cookies()).some((c) => c.name === 'aerostack_session'),
      false,
    );
    assert.equal((await request(r.url, 'GET', '/-/api/v1/whoami', { token: secret })).status, 401);
    await owner.goto('/team');
    await owner.waitForURL('**/signin?next=%2Fteam');
    assert.deepEqual(cspViolations, [], 'no page broke its own CSP');
  });

  it('with an https PUBLIC_URL the session cookie is Secure (and __Host- prefixed)', async () => {
    const secure = await startTestRegistry({ env: { PUBLIC_URL: 'https://registry.example' } });
    try {
      await signup(secure.url, 'sam', PASSWORD);
      const form = await fetch(`${secure.url}/signin`);
      const pre = /^(__Host-aerostack_csrf=[^;]+);.*Path=\/;.*HttpOnly;.*Secure;.*SameSite=Lax/i.exec(
        form.headers.get('set-cookie') ?? '',
      );
      assert.ok(pre, form.headers.get('set-cookie') ?? 'no cookie');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const res = await fetch(`${secure.url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: pre[1]!,
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'https://registry.example',
        },
        body: new URLSearchParams({ username: 'sam', password: PASSWORD, _csrf: csrf }),
      });
      assert.equal(res.status, 303);
      const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-aerostack_session=aer_'));
      assert.ok(session, res.headers.getSetCookie().join(' | '));
      assert.match(session, /; Path=\/;/);
      assert.match(session, /; HttpOnly/);
      assert.match(session, /; Secure/);
      assert.match(session, /; SameSite=Lax/);
      assert.doesNotMatch(session, /Domain=/i);
    } finally {
      await secure.close();
    }
  });
});
