import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (CHROMIUM_PATH overrides); playwright-core brings no browser of its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('test-artifacts', 'screenshots');

/** A headless Chromium that touches no network but the registry under test. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser profile (cookies, storage) pointed at `baseURL`. */
export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Screenshots of every open page of these contexts (after a failure), never throwing. */
export async function screenshotAll(contexts: Array<BrowserContext | undefined>, prefix: string): Promise<string[]> {
  const files: string[] = [];
  for (const [i, ctx] of contexts.entries()) {
    for (const [j, page] of (ctx?.pages() ?? []).entries()) {
      if (page.isClosed()) continue;
      files.push(await screenshot(page, `${prefix.slice(0, 80)}-ctx${i}-page${j}`).catch(() => ''));
    }
  }
  return files.filter(Boolean);
}

/** Signs `username` in through the dashboard's sign-in form, as a person would, and waits for the skills page. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/skills');
}
