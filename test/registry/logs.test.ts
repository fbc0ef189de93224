/**
 * The server log as whoever runs `aerostack-registry serve` meets it: readable lines (pino-pretty)
 * on a terminal, one JSON object a line when stdout is a pipe or a file, LOG_FORMAT to choose; a bad
 * LOG_FORMAT stops the start with one line. With no SMTP, each link a mail carries (join,
 * verification, reset) is printed as a plain line of its own, on stderr, not inside a JSON line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { simpleParser } from 'mailparser';
import { request } from '../helpers/api.js';
import { freePort } from '../helpers/registry.js';
import {
  cleanEnv,
  freshDataDir,
  removeDir,
  REGISTRY_BIN,
  runRegistryCommand,
  sleep,
  spawnRegistry,
  type ChildRegistry,
} from '../hardening/support.js';

const LISTENING = /Aerostack registry listening on http:\/\/127\.0\.0\.1:\d+/;
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

/** Waits (bounded) until `read()` has a line matching `re`, and returns that line. */
async function lineMatching(read: () => string, re: RegExp, what: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const line = lines(read()).find((l) => re.test(l));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no ${what} line; got:\n${read()}`);
    await sleep(50);
  }
}

describe('registry: server log format and outbox links', function () {
  this.timeout(120_000);
  let dir: string;
  let reg: ChildRegistry | undefined;

  before(async () => {
    dir = await freshDataDir('logs');
  });
  afterEach(async () => {
    await reg?.kill('SIGTERM');
    reg = undefined;
  });
  after(async () => {
    if (dir) await removeDir(dir);
  });

  const serve = async (env: Record<string, string>) =>
    (reg = await spawnRegistry({ AEROSTACK_DATA_DIR: dir, PORT: String(await freePort()), LOG_LEVEL: 'info', ...env }));

  it('LOG_FORMAT=pretty writes readable lines, not JSON, even into a pipe', async () => {
    const r = await serve({ LOG_FORMAT: 'pretty' });
    const line = await lineMatching(() => r.stdout(), LISTENING, 'listening');
    assert.match(
      line,
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] INFO: Aerostack registry listening on http:\/\/127\.0\.0\.1:\d+ /,
    );
    assert.match(line, /"database":"pglite"/);
    for (const l of lines(r.stdout())) assert.ok(!isJson(l), `a JSON line in the pretty log: ${l}`);
    // Not a terminal: no colour codes in the file or pipe it goes to.
    assert.ok(!r.stdout().includes('\x1b['), r.stdout());
  });

  it('LOG_FORMAT=json, and no LOG_FORMAT with stdout a pipe, write one JSON object a line', async () => {
    for (const env of [{ LOG_FORMAT: 'json' }, {}] as Array<Record<string, string>>) {
      const r = await serve(env);
      await lineMatching(() => r.stdout(), LISTENING, 'listening');
      const entries = lines(r.stdout()).map((l) => {
        assert.ok(isJson(l), `not JSON: ${l}`);
        return JSON.parse(l) as { level: number; msg: string; url?: string };
      });
      const listening = entries.find((e) => LISTENING.test(e.msg));
      assert.equal(listening?.level, 30);
      assert.equal(listening.url, r.url);
      await r.kill('SIGTERM');
    }
  });

  it('no LOG_FORMAT on a terminal: pino-pretty lines', async () => {
    const port = String(await freePort());
    // `script` runs the registry with a pseudo-terminal as its stdout, as a person's shell would.
    const proc = spawn('script', ['-qfec', `exec "${process.execPath}" "${REGISTRY_BIN}" serve`, '/dev/null'], {
      env: cleanEnv({ HOST: '127.0.0.1', PORT: port, AEROSTACK_DATA_DIR: dir, LOG_LEVEL: 'info' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const closed = new Promise((resolve) => proc.once('close', resolve));
    try {
      // Colours are on at a terminal: compare the text without them.
      const plain = () => stripVTControlCharacters(out).replace(/\r/g, '');
      const line = await lineMatching(plain, LISTENING, 'listening');
      assert.match(line, /^\[[^\]]+\] INFO: Aerostack registry listening on/);
      assert.ok(!lines(plain()).some(isJson), plain());
    } finally {
      // Ctrl-C at the terminal, as its user would stop it: SIGINT to the registry, then `script` exits.
      proc.stdin.write('\x03');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await closed;
      clearTimeout(timer);
    }
  });

  it('a bad LOG_FORMAT stops the start with one line (exit 78)', async () => {
    const res = await runRegistryCommand(['serve'], {
      AEROSTACK_DATA_DIR: dir,
      PORT: String(await freePort()),
      LOG_FORMAT: 'xml',
    });
    assert.equal(res.code, 78, res.stderr);
    assert.equal(
      res.stderr,
      '✗ Invalid configuration: LOG_FORMAT must be "json" or "pretty" (unset: pretty on a terminal, JSON otherwise) (got "xml")\n',
    );
    assert.equal(res.stdout, '');
  });

  it('with no SMTP, the verification, join and reset links are printed as plain lines of their own', async () => {
    const r = await serve({ LOG_FORMAT: 'json' });
    const signup = await request(r.url, 'POST', '/-/api/v1/signup', {
      body: { username: 'acme', email: 'owner@acme.dev', password: 'correct horse battery' },
    });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const verify = await lineMatching(() => r.stderr(), /^Verification link for/, 'verification link');
    assert.match(verify, new RegExp(`^Verification link for owner@acme\\.dev: ${r.url}/verify/[0-9a-zA-Z_-]+$`));

    const invite = await request(r.url, 'POST', '/-/api/v1/teams/acme/invitations', {
      token: signup.body.token as string,
      body: { email: 'bob@acme.com' },
    });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    const join = await lineMatching(() => r.stderr(), /^Join link for/, 'join link');
    assert.match(join, new RegExp(`^Join link for bob@acme\\.com: ${r.url}/join/[0-9a-f]+$`));
    // The printed link is the one in the mail, and it opens the join page.
    const link = join.slice(join.indexOf(': ') + 2);
    const outbox = path.join(dir, 'outbox');
    const mails = await Promise.all(
      (await readdir(outbox)).map(async (f) => (await simpleParser(await readFile(path.join(outbox, f)))).text ?? ''),
    );
    assert.ok(
      mails.some((m) => m.includes(`Join here: ${link}`)),
      'the join link is the one mailed',
    );
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Join @acme/);

    const forgot = await request(r.url, 'POST', '/-/api/v1/password/forgot', { body: { email: 'owner@acme.dev' } });
    assert.equal(forgot.status, 202);
    const reset = await lineMatching(() => r.stderr(), /^Password reset link/, 'reset link');
    assert.match(
      reset,
      new RegExp(`^Password reset link for owner@acme\\.dev \\(acme\\): ${r.url}/reset/[0-9a-zA-Z_-]+$`),
    );

    // stdout stays a log of JSON lines, and no link is mixed into it as a line of its own.
    for (const l of lines(r.stdout())) assert.ok(isJson(l), `not JSON: ${l}`);
  });
});
