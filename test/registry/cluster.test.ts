/**
 * AEROSTACK_WORKERS: the registry binary with N `node:cluster` workers on one port, as an operator
 * runs it. With Postgres (TEST_DATABASE_URL, as `npm run test:db` sets it) two workers answer, and a
 * revoked token is refused by both on the very next request; embedded, the setting is refused aloud
 * and one process serves.
 */
import assert from 'node:assert/strict';
import { publishBody, request, signup } from '../helpers/api.js';
import { freePort, TEST_DATABASE_URL } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import {
  freshDataDir,
  freshGet,
  freshPostgresDatabase,
  removeDir,
  spawnRegistry,
  twoWorkersAnswering,
  workerOf,
  type ChildRegistry,
} from '../hardening/support.js';

describe('AEROSTACK_WORKERS', function () {
  this.timeout(120_000);
  let reg: ChildRegistry | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await reg?.kill('SIGTERM');
    reg = undefined;
    if (dataDir) await removeDir(dataDir);
    dataDir = undefined;
  });

  it('embedded: says the setting is ignored (PGlite is single-process) and serves from one process', async () => {
    dataDir = await freshDataDir('workers-embedded');
    reg = await spawnRegistry({ AEROSTACK_DATA_DIR: dataDir, PORT: String(await freePort()), AEROSTACK_WORKERS: '2' });
    assert.match(
      reg.output(),
      /AEROSTACK_WORKERS=2 is ignored: the embedded PGlite database lives in one process; set DATABASE_URL to run 2 workers/,
    );
    assert.equal(await workerOf(reg.url), undefined);
    assert.equal((await request(reg.url, 'GET', '/-/ping')).status, 200);
  });

  it('refuses a value that is not a number of workers, with one line', async () => {
    dataDir = await freshDataDir('workers-bad');
    await assert.rejects(
      spawnRegistry({ AEROSTACK_DATA_DIR: dataDir, PORT: String(await freePort()), AEROSTACK_WORKERS: 'many' }),
      /Invalid configuration: AEROSTACK_WORKERS must be a whole number from 1 to 256, or "auto" \(one per CPU\)/,
    );
  });

  (TEST_DATABASE_URL ? describe : describe.skip)('with Postgres', () => {
    let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
    after(async () => {
      await database?.drop();
    });

    it('two workers serve one port; a token revoked through one is refused by both on the next request', async () => {
      database = await freshPostgresDatabase();
      dataDir = await freshDataDir('workers-pg');
      reg = await spawnRegistry({
        AEROSTACK_DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        PORT: String(await freePort()),
        AEROSTACK_WORKERS: '2',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
      });
      const base = reg.url;
      assert.deepEqual(await twoWorkersAnswering(base), [1, 2], 'both workers answer on the one port');
      assert.match(reg.output(), /Aerostack registry listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)/);

      const owner = await signup(base, 'acme');
      const tgz = skillTarball('@acme/crm', '1.0.0');
      const published = await request(base, 'PUT', '/@acme%2fcrm', {
        token: owner,
        body: publishBody('@acme/crm', '1.0.0', tgz, { visibility: 'private' }),
      });
      assert.equal(published.status, 201);
      const made = await request(base, 'POST', '/-/api/v1/tokens', { token: owner, body: { name: 'ci' } });
      assert.equal(made.status, 201);
      const ci = made.body.token as string;

      // Reads on connections of their own, so that both workers answer (and cache the answer). Which
      // process answered is in its request log line (LOG_LEVEL=debug: pino's pid on every line).
      const answeredBy = (status: number) =>
        new Set(
          reg!
            .stdout()
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as { pid: number; req?: { url?: string }; res?: { statusCode?: number } })
            .filter((l) => l.req?.url === '/@acme/crm' && l.res?.statusCode === status)
            .map((l) => l.pid),
        ).size;
      for (let i = 0; i < 8; i++) assert.equal((await freshGet(`${base}/@acme/crm`, ci)).status, 200);
      assert.equal(answeredBy(200), 2, 'both workers served the read');

      assert.equal((await request(base, 'DELETE', '/-/api/v1/tokens/ci', { token: owner })).status, 200);
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await freshGet(`${base}/@acme/crm`, ci)).status);
      assert.deepEqual(statuses, Array<number>(8).fill(401));
      assert.equal(answeredBy(401), 2, 'both workers refused it');
    });
  });
});
