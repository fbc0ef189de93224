/**
 * What a browser gets where no dashboard page is: an HTML 404 or error page in the dashboard's
 * layout (API clients, npm and everything under /-/ keep the JSON `{ error }`), and the one-time
 * messages after invite, revoke and remove on the Team tab, on a registry with no SMTP (the outbox).
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { publishBody, request, signup } from '../helpers/api.js';
import { launchBrowser, newContext, screenshot, screenshotAll } from '../helpers/browser.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { addMember } from '../helpers/teams.js';

const PASSWORD = 'correct horse battery';
const NPM_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

describe('dashboard: error pages for browsers and messages after team actions', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let browser: Browser;
  let anonCtx: BrowserContext;
  let ownerCtx: BrowserContext;
  let owner: Page;

  const flash = (page: Page) => page.locator('.flash');

  before(async () => {
    [r, browser] = await Promise.all([startTestRegistry(), launchBrowser()]);
    const token = await signup(r.url, 'acme', PASSWORD);
    await signup(r.url, 'carol', PASSWORD);
    await addMember(r, 'acme', 'carol');
    for (const [name, visibility] of [
      ['@acme/crm', 'team'],
      ['@acme/weather', 'public'],
    ] as const) {
      const published = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token,
        body: publishBody(name, '1.0.0', skillTarball(name, '1.0.0'), { visibility }),
      });
      assert.equal(published.status, 201, JSON.stringify(published.body));
    }
    [anonCtx, ownerCtx] = await Promise.all([newContext(browser, r.url), newContext(browser, r.url)]);
    owner = await ownerCtx.newPage();
    await owner.goto('/signin');
    await owner.getByLabel('Username').fill('acme');
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.waitForURL('**/skills');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll([anonCtx, ownerCtx], `FAILED-${this.currentTest.title}`);
      console.error(`screenshots: ${files.join(', ')}`);
    }
  });

  after(async () => {
    await browser?.close();
    await r?.close();
  });

  it('a browser on an unknown path gets an HTML 404 page in the dashboard layout', async () => {
    const page = await anonCtx.newPage();
    // Paths no route knows, one the npm routes read as a skill name, and one below a skill.
    for (const path of ['/no/such/page', '/nope', '/@acme/crm/no-such-thing']) {
      const res = await page.goto(path);
      assert.equal(res?.status(), 404, path);
      assert.match(res?.headers()['content-type'] ?? '', /^text\/html/, path);
      assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'none'/, path);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      assert.equal(await page.getByRole('alert').textContent(), `There is no page at ${path}.`);
      assert.ok(!(await page.content()).includes('{"error"'), 'no JSON on the page');
    }
    await screenshot(page, 'page-404');
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('the 404 page knows who is signed in', async () => {
    const res = await owner.goto('/workspaces/acme-team/nothing-here');
    assert.equal(res?.status(), 404);
    await owner.getByText('Signed in as acme').waitFor();
    await owner.getByRole('link', { name: 'Back to the dashboard' }).click();
    await owner.waitForURL('**/skills');
  });

  it("a browser on a skill's npm address gets the skill's page, with its refusals as pages", async () => {
    const page = await anonCtx.newPage();
    let res = await page.goto('/@acme/weather');
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/skills/@acme/weather');
    await page.getByRole('heading', { name: '@acme/weather' }).waitFor();
    // A team skill asks an anonymous visitor to sign in, and brings them back to it.
    res = await page.goto('/@acme/crm');
    assert.equal(res?.status(), 401);
    assert.match(res?.headers()['content-type'] ?? '', /^text\/html/);
    await page.getByRole('heading', { name: 'Sign in required' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/signin\?next=%2Fskills%2F%40acme%2Fcrm$/);
    res = await page.goto('/@acme/missing');
    assert.equal(res?.status(), 404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    // A tarball link still downloads the tarball.
    const tgz = await fetch(`${r.url}/@acme/weather/-/weather-1.0.0.tgz`, {
      headers: { accept: 'text/html,*/*;q=0.8' },
    });
    assert.equal(tgz.status, 200);
    assert.equal(
      Buffer.from(await tgz.arrayBuffer())
        .subarray(0, 2)
        .toString('hex'),
      '1f8b',
      'gzip bytes',
    );
  });

  it('API clients, npm and the /-/ API keep JSON errors', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['/no/such/page', { accept: 'application/json' }],
      ['/no/such/page', { accept: '*/*' }],
      ['/no/such/page', {}],
      ['/@acme/missing', { accept: NPM_ACCEPT }],
      ['/@acme/missing', { accept: 'application/json' }],
      ['/-/api/v1/no-such-endpoint', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }],
    ];
    for (const [path, headers] of cases) {
      const res = await fetch(r.url + path, { headers });
      assert.equal(res.status, 404, `${path} ${JSON.stringify(headers)}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${path} ${JSON.stringify(headers)}`);
      assert.equal(typeof ((await res.json()) as { error?: unknown }).error, 'string');
    }
    const teamSkill = await fetch(`${r.url}/@acme/crm`, { headers: { accept: NPM_ACCEPT } });
    assert.equal(teamSkill.status, 401);
    assert.match(teamSkill.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(typeof ((await teamSkill.json()) as { error?: unknown }).error, 'string');
  });

  it('invite, revoke and remove each show a message once; with no SMTP the invite says where the mail is', async () => {
    await owner.goto('/team');
    await owner.getByLabel('Email').fill('bob@acme.com');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.waitForURL('**/team?ns=acme');
    const sent = (await flash(owner).textContent()) ?? '';
    const m =
      /^Invitation sent\. Bob will receive an email with a join link\. No mail server is configured: the mail is in (\S+\.eml); join link: (\S+)$/.exec(
        sent,
      );
    assert.ok(m, sent);
    assert.ok(m[1]!.startsWith(`${r.config.dataDir}/outbox/`), m[1]);
    await access(m[1]!);
    assert.match(m[2]!, new RegExp(`^${r.url}/join/[0-9a-f]{48}$`));
    assert.equal(await flash(owner).getAttribute('role'), 'status');
    await screenshot(owner, 'team-flash-invite');
    // Shown once: a reload has no message.
    await owner.reload();
    assert.equal(await flash(owner).count(), 0);

    await owner.getByRole('button', { name: 'Revoke the invitation for bob@acme.com' }).click();
    await owner.waitForURL('**/team?ns=acme');
    assert.equal(
      await flash(owner).textContent(),
      '✓ The invitation for bob@acme.com was revoked; its link no longer works.',
    );
    assert.equal(await owner.getByRole('table', { name: 'Pending invitations' }).count(), 0);
    const joinPage = await fetch(m[2]!, { headers: { accept: 'text/html' } });
    assert.equal(joinPage.status, 410, 'the revoked link no longer works');
    await owner.reload();
    assert.equal(await flash(owner).count(), 0);

    await owner.getByRole('button', { name: 'Remove carol from @acme' }).click();
    await owner.waitForURL('**/team?ns=acme');
    assert.equal(await flash(owner).textContent(), '✓ Removed carol from @acme.');
    const members = owner.getByRole('table', { name: 'Members of @acme' });
    assert.equal(await members.locator('tr', { hasText: 'carol' }).count(), 0);
    await owner.reload();
    assert.equal(await flash(owner).count(), 0);
  });
});
