/**
 * The Team tab's role form, in a real headless Chromium: the owner makes a member an admin and back
 * (a flash says so, the table shows it, the audit log records it); the same role again changes
 * nothing and says so; an admin sees no role form at all (only the owner changes roles).
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request, signup } from '../helpers/api.js';
import { launchBrowser, newContext, screenshot, screenshotAll, signIn as signInAs } from '../helpers/browser.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember, setVerifiedEmail } from '../helpers/teams.js';

const PASSWORD = 'correct horse battery';

describe('dashboard: team roles (Chromium)', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let browser: Browser;
  let ownerCtx: BrowserContext;
  let bobCtx: BrowserContext;
  let owner: Page;
  let acmeToken: string;

  const flash = (page: Page) => page.locator('.flash').first();
  const memberRow = (page: Page, email: string) =>
    page.getByRole('table', { name: 'Members of @acme' }).locator('tbody tr', { hasText: email });
  const signIn = (page: Page, username: string) => signInAs(page, username, PASSWORD);

  before(async () => {
    browser = await launchBrowser();
    r = await startTestRegistry();
    acmeToken = await signup(r.url, 'acme', PASSWORD);
    for (const name of ['bob', 'carol']) {
      await signup(r.url, name, PASSWORD);
      await setVerifiedEmail(r, name, `${name}@acme.com`);
      await addMember(r, 'acme', name);
    }
    [ownerCtx, bobCtx] = await Promise.all([newContext(browser, r.url), newContext(browser, r.url)]);
    owner = await ownerCtx.newPage();
    await signIn(owner, 'acme');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll([ownerCtx, bobCtx], `FAILED-${this.currentTest.title}`);
      console.error(`screenshots: ${files.join(', ')}`);
    }
  });

  after(async () => {
    await browser?.close();
    await r?.close();
  });

  it('the owner makes bob an admin from his row: a flash, the Role column, and a member_role_changed audit row', async () => {
    await owner.goto('/team');
    const bob = memberRow(owner, 'bob@acme.com');
    assert.equal(await bob.getByLabel('Role of bob', { exact: true }).inputValue(), 'member');
    assert.equal(await memberRow(owner, 'acme@example.com').getByRole('combobox').count(), 0, 'no form for the owner');
    await bob.getByLabel('Role of bob', { exact: true }).selectOption('admin');
    await bob.getByRole('button', { name: 'Save the role of bob' }).click();
    assert.equal(await flash(owner).textContent(), '✓ bob@acme.com is now an admin of @acme (was member).');
    assert.match((await memberRow(owner, 'bob@acme.com').textContent()) ?? '', /bob\s*bob@acme\.com\s*admin\s*active/);
    await screenshot(owner, 'tab-team-roles');

    // The same role again: nothing changes, and the page says so.
    await memberRow(owner, 'bob@acme.com').getByRole('button', { name: 'Save the role of bob' }).click();
    assert.equal(await flash(owner).textContent(), 'bob@acme.com is already an admin of @acme; nothing changed.');

    const ws = await request(r.url, 'POST', '/-/api/v1/workspaces', { token: acmeToken, body: { slug: 'acme-team' } });
    assert.equal(ws.status, 201, JSON.stringify(ws.body));
    const audit = await request(r.url, 'GET', '/-/api/v1/workspaces/acme-team/audit?action=member_role_changed', {
      token: acmeToken,
    });
    assert.deepEqual(
      audit.body.events.map((e: { user: string; detail: string }) => [e.user, e.detail]),
      [['acme@acme', 'bob@acme.com: member → admin']],
    );
  });

  it('an admin sees no role form (the owner alone changes roles), and the owner makes bob a member again', async () => {
    const page = await bobCtx.newPage();
    await signIn(page, 'bob');
    await page.goto('/team?ns=acme');
    await memberRow(page, 'carol@acme.com')
      .getByRole('button', { name: /Remove/ })
      .waitFor();
    assert.equal(await page.getByRole('button', { name: /Save the role/ }).count(), 0);

    await owner.goto('/team');
    await memberRow(owner, 'bob@acme.com').getByLabel('Role of bob', { exact: true }).selectOption('member');
    await memberRow(owner, 'bob@acme.com').getByRole('button', { name: 'Save the role of bob' }).click();
    assert.equal(await flash(owner).textContent(), '✓ bob@acme.com is now a member of @acme (was admin).');
    assert.match((await memberRow(owner, 'bob@acme.com').textContent()) ?? '', /bob@acme\.com\s*member\s*active/);
  });
});
