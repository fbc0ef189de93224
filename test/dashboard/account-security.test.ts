/**
 * The dashboard's account pages in Chromium, mail over real SMTP: "Forgot password?" on the sign-in
 * page, the page of the mailed reset link, `/account` (the address, whether it is verified, a new
 * verification link, the change-password form) and the `/verify` page. A reset or a change signs out
 * the account's other browsers. Every control has a label; screenshots land in test-artifacts/.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signup } from '../helpers/api.js';
import { accountLinkFrom, nthMail, RESET_SUBJECT, VERIFY_SUBJECT } from '../helpers/account-mail.js';
import { launchBrowser, newContext, screenshot, screenshotAll } from '../helpers/browser.js';
import type { TestRegistry } from '../helpers/registry.js';
import { type SmtpSink, startMailingRegistry, startSmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new password';
const THIRD_PASSWORD = 'yet another password';

describe('dashboard: forgot, reset and change password, verify email (Chromium)', function () {
  this.timeout(120_000);
  let smtp: SmtpSink;
  let r: TestRegistry;
  let browser: Browser;
  let here: BrowserContext; // the browser alice uses
  let elsewhere: BrowserContext; // another browser alice signed in on
  let page: Page;
  let other: Page;

  const flash = (p: Page) => p.locator('.flash').first();
  /** Every visible control has a <label>; then a screenshot. */
  const snap = async (p: Page, name: string) => {
    const unlabelled = await p
      .locator('input:not([type=hidden]), select, textarea')
      .evaluateAll((els) =>
        els.filter((e) => !(e as unknown as { labels: unknown[] | null }).labels?.length).map((e) => e.outerHTML),
      );
    assert.deepEqual(unlabelled, [], `unlabelled controls on ${p.url()}`);
    await screenshot(p, name);
  };
  const signIn = async (p: Page, password: string) => {
    await p.goto('/signin');
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL('**/skills');
  };
  /** Whether `p`'s browser is still signed in: a signed-out visitor is sent to /signin. */
  const signedIn = async (p: Page) => {
    await p.goto('/account');
    return !new URL(p.url()).pathname.startsWith('/signin');
  };

  before(async () => {
    [smtp, browser] = await Promise.all([startSmtpSink(), launchBrowser()]);
    r = await startMailingRegistry(smtp);
    await signup(r.url, 'alice', PASSWORD);
    [here, elsewhere] = await Promise.all([newContext(browser, r.url), newContext(browser, r.url)]);
    [page, other] = await Promise.all([here.newPage(), elsewhere.newPage()]);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      console.error(
        `screenshots: ${(await screenshotAll([here, elsewhere], `FAILED-${this.currentTest.title}`)).join(', ')}`,
      );
  });
  after(async () => {
    await browser?.close();
    await r?.close();
    await smtp?.close();
  });

  it('/account shows the address unverified, mails a new link; the /verify page verifies it', async () => {
    await signIn(page, PASSWORD);
    await page.getByRole('link', { name: 'alice', exact: true }).click();
    await page.waitForURL('**/account');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    assert.match(
      (await page.locator('section', { hasText: 'Email' }).textContent()) ?? '',
      /alice@example\.com.*not verified/s,
    );
    await snap(page, 'account-unverified');
    await nthMail(smtp.messages, 'alice@example.com', VERIFY_SUBJECT, 1);
    await page.getByRole('button', { name: 'Mail me a new verification link' }).click();
    assert.equal(await flash(page).textContent(), '✓ A new verification link is on its way to alice@example.com.');
    const { link } = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', VERIFY_SUBJECT, 2), 'verify');

    await other.goto(link);
    await other.getByRole('heading', { name: 'Verify your email' }).waitFor();
    await snap(other, 'verify-email');
    await other.getByRole('button', { name: 'Verify alice@example.com' }).click();
    await other.getByRole('heading', { name: '✓ Your email is verified' }).waitFor();

    await page.reload();
    assert.equal(await page.locator('.status-active').textContent(), 'verified');
    assert.equal(await page.getByRole('button', { name: 'Mail me a new verification link' }).count(), 0);
  });

  it('"Forgot password?" mails a link; its page sets a new password and signs out every browser', async () => {
    assert.ok(await signedIn(page));
    await other.goto('/signin');
    await other.getByRole('link', { name: 'Forgot password?' }).click();
    await other.waitForURL('**/forgot-password');
    await snap(other, 'forgot-password');
    await other.getByLabel('Email').fill('alice@example.com');
    await other.getByRole('button', { name: 'Mail me a reset link' }).click();
    await other.getByRole('heading', { name: 'Check your email' }).waitFor();
    // The same page for an address no account uses.
    await other.goto('/forgot-password');
    await other.getByLabel('Email').fill('nobody@example.com');
    await other.getByRole('button', { name: 'Mail me a reset link' }).click();
    await other.getByRole('heading', { name: 'Check your email' }).waitFor();

    const { link } = accountLinkFrom(await nthMail(smtp.messages, 'alice@example.com', RESET_SUBJECT), 'reset');
    await other.goto(link);
    await other.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(await other.getByLabel('Username').inputValue(), 'alice');
    await snap(other, 'reset-password');
    await other.getByLabel('New password (at least 8 characters)').fill(NEW_PASSWORD);
    await other.getByLabel('New password, again').fill('not the same password');
    await other.getByRole('button', { name: 'Set the new password' }).click();
    assert.equal(await other.locator('.flash.error').textContent(), 'The two passwords are not the same');
    await other.getByLabel('New password (at least 8 characters)').fill(NEW_PASSWORD);
    await other.getByLabel('New password, again').fill(NEW_PASSWORD);
    await other.getByRole('button', { name: 'Set the new password' }).click();
    await other.waitForURL('**/signin');
    assert.equal(
      await flash(other).textContent(),
      'Your password was reset and every session signed out. Sign in with the new password.',
    );
    // The browser that was signed in is signed out; the link is used up.
    assert.equal(await signedIn(page), false);
    assert.equal((await other.goto(link))?.status(), 410);
    await signIn(other, NEW_PASSWORD);
  });

  it('/account changes the password: this browser stays signed in, the others are signed out', async () => {
    await signIn(page, NEW_PASSWORD);
    await other.goto('/account');
    await snap(other, 'account-change-password');
    await other.getByLabel('Current password').fill('wrong password!');
    await other.getByLabel('New password (at least 8 characters)').fill(THIRD_PASSWORD);
    await other.getByLabel('New password, again').fill(THIRD_PASSWORD);
    await other.getByRole('button', { name: 'Change password' }).click();
    assert.equal(await flash(other).textContent(), 'Your current password is not correct');
    await other.getByLabel('Current password').fill(NEW_PASSWORD);
    await other.getByLabel('New password (at least 8 characters)').fill(THIRD_PASSWORD);
    await other.getByLabel('New password, again').fill(THIRD_PASSWORD);
    await other.getByRole('button', { name: 'Change password' }).click();
    assert.equal(await flash(other).textContent(), '✓ Password changed. 1 other session was signed out.');
    assert.ok(await signedIn(other), 'this browser got a fresh session');
    assert.equal(await signedIn(page), false);
    await signIn(page, THIRD_PASSWORD);
  });
});
