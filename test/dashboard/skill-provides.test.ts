/**
 * The skill page shows what the skill provides (issue 17), in Chromium: a tool with its arguments
 * table, the secrets and hosts a workspace admin approves, the files; an MCP server that has not run
 * says when its tools appear; an Agent Skill's SKILL.md rendered, frontmatter as a list, with the
 * HTML its author put in it inert (no script runs, no handler fires).
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signup } from '../helpers/api.js';
import { launchBrowser, newContext, screenshot, screenshotAll, signIn } from '../helpers/browser.js';
import { publishFolder } from '../helpers/gateway.js';
import { agentSkillFolder, crmSkillFolder, plainMcpFolder, PWNED_FLAG } from '../helpers/provided-skills.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const PASSWORD = 'correct horse battery';

describe('dashboard: a skill page shows what the skill provides', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  /** The visible text of each row of a table, cells joined by " | ". */
  const rows = (page: Page, selector: string) =>
    page
      .locator(`${selector} tbody tr`)
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()).join(' | ')),
      );

  before(async () => {
    [r, browser] = await Promise.all([startTestRegistry(), launchBrowser()]);
    const token = await signup(r.url, 'acme', PASSWORD);
    await publishFolder(r.url, token, '@acme/crm', '1.0.0', crmSkillFolder('@acme/crm', '1.0.0'));
    await publishFolder(r.url, token, '@acme/plain-mcp', '1.0.0', plainMcpFolder('@acme/plain-mcp', '1.0.0'));
    await publishFolder(r.url, token, '@acme/pdf-forms', '1.0.0', agentSkillFolder('@acme/pdf-forms', '1.0.0'));
    ctx = await newContext(browser, r.url);
    page = await ctx.newPage();
    await signIn(page, 'acme', PASSWORD);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshotAll([ctx], `FAILED-${this.currentTest.title}`);
      console.error(`screenshots: ${files.join(', ')}`);
    }
  });
  after(async () => {
    await browser?.close();
    await r?.close();
  });

  it('a tool with its arguments table, the declared secrets and network hosts, the files', async () => {
    await page.goto('/skills/@acme/crm');
    const provides = page.locator('#provides');
    await provides.getByRole('heading', { name: 'Provides (1.0.0)' }).waitFor();
    assert.equal(await provides.getByRole('heading', { name: 'Tool lookup_contact' }).count(), 1);
    assert.equal(await provides.getByText('Look up a CRM contact: run it').count(), 1);
    assert.deepEqual(await rows(page, 'table:has(caption:text("Arguments of lookup_contact"))'), [
      "email | string (email) | yes | The contact's email address",
      'status | "open" | "won" | "lost" | no | Only deals in this state',
      'limit | integer | no | How many deals at most (default: 10)',
      'address | object | no | Where the contact is',
      'address.city | string | yes | City name',
      'tags | array of string | no | ',
    ]);
    assert.deepEqual(await rows(page, '#secrets'), [
      'CRM_API_KEY | yes | API key of the CRM',
      'CRM_REGION | no | Data region',
    ]);
    assert.deepEqual(await page.locator('#network-hosts li').allTextContents(), ['api.crm.acme.com:443']);
    await page.locator('#files summary').click();
    assert.deepEqual(await page.locator('#files li').allTextContents(), ['aerostack.json', 'index.js', 'package.json']);
    await screenshot(page, 'skill-provides-tool');
  });

  it('an MCP server that has not run yet says when its tools are listed', async () => {
    await page.goto('/skills/@acme/plain-mcp');
    assert.match(
      (await page.locator('#tools-pending').textContent()) ?? '',
      /The tools are listed once the skill has run in a workspace/,
    );
  });

  it("an Agent Skill's SKILL.md is rendered, its frontmatter listed, and the HTML in it stays inert", async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/skills/@acme/pdf-forms');
    const md = page.locator('#skill-md');
    await md.getByRole('heading', { name: 'Filling PDF forms' }).waitFor();
    assert.equal(await md.locator('code', { hasText: 'scripts/fill.py' }).count(), 1);
    assert.equal(await md.locator('a[href="references/fields.md"]').count(), 1);
    assert.deepEqual(await page.locator('#skill-md-frontmatter dt').allTextContents(), [
      'name',
      'description',
      'license',
      'allowed-tools',
    ]);
    assert.equal(
      await page.locator('#skill-md-frontmatter dd').nth(1).textContent(),
      'Fill in PDF forms from a JSON answer sheet.',
    );
    // The frontmatter is not rendered as Markdown (no "---" rule, no "name: …" paragraph).
    assert.equal(await md.locator('hr').count(), 0);
    // No script element or handler reached the page, and nothing ran.
    assert.equal(await md.locator('script').count(), 0);
    assert.equal(await md.locator('[onerror]').count(), 0);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(`typeof window.${PWNED_FLAG}`), 'undefined');
    assert.deepEqual(errors, []);
    await page.locator('#files summary').click();
    assert.ok((await page.locator('#files li').allTextContents()).includes('scripts/fill.py'));
    await screenshot(page, 'skill-provides-agent-skill');
  });
});
