/**
 * A browser loading a page: browsers put `text/html` first in the Accept of every page they load.
 * npm (`application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, *\/*`), curl (`*\/*`),
 * the CLI and API clients never do, so they keep the JSON answers. One test for the hot reads and
 * express alike, so the two agree on who is a browser.
 */
export function isPageRequest(accept: string | undefined): boolean {
  return /^\s*text\/html\s*(?:[,;]|$)/i.test(accept ?? '');
}
