import assert from 'node:assert/strict';
import { request } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

describe('health endpoints', function () {
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry();
  });
  after(() => r.close());

  it('answers npm ping, liveness and readiness', async () => {
    assert.equal((await request(r.url, 'GET', '/-/ping')).status, 200);
    assert.deepEqual((await request(r.url, 'GET', '/healthz')).body, { status: 'ok' });
    const ready = await request(r.url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    const { sandbox, ...rest } = ready.body;
    assert.deepEqual(rest, { status: 'ready', database: 'ok', storage: 'ok' });
    // How skills are isolated (test/gateway/hostile-skills.test.ts covers the other states).
    assert.equal(sandbox.mode, 'bwrap');
    assert.equal(sandbox.status, 'ok', sandbox.reason);
    assert.match(sandbox.limits.memory, /^128 MB for each skill's processes together \(cgroup v[12] memory\)$/);
  });

  it('answers unknown endpoints and unscoped names with a JSON 404', async () => {
    const res = await request(r.url, 'GET', '/-/nothing-here');
    assert.equal(res.status, 404);
    assert.match(res.body.error, /No such endpoint/);
    const unscoped = await request(r.url, 'GET', '/express');
    assert.equal(unscoped.status, 404);
    assert.match(unscoped.body.error, /@<username>\/<skill>/);
  });
});
