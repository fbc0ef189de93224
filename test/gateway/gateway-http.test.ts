import assert from 'node:assert/strict';
import http from 'node:http';
import { request, signup } from '../helpers/api.js';
import { connectGateway, createWorkspace, rawGatewayPost, workspaceToken } from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

/**
 * One POST to the gateway over node:http, which (unlike fetch) sends the Host and Origin given:
 * a browser page on a rebinding name sends exactly these.
 */
function gatewayPost(
  base: string,
  ws: string,
  opts: { mwt?: string; host?: string; origin?: string; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (opts.mwt) headers.authorization = `Bearer ${opts.mwt}`;
  if (opts.host) headers.host = opts.host;
  if (opts.origin) headers.origin = opts.origin;
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(`/ws/${ws}`, base), { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(opts.body ?? PING);
  });
}

const challenge = (reason: string) => `Bearer realm="aerostack", error="invalid_token", error_description="${reason}"`;

describe('gateway HTTP: 401s that say why, DNS-rebinding protection, body limits', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let acme: string;
  let mwt: string;
  let port: string;
  before(async () => {
    r = await startTestRegistry();
    port = new URL(r.url).port;
    acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'acme-main');
    mwt = await workspaceToken(r.url, acme, 'acme-main', { name: 'Editor' });
  });
  after(() => r.close());

  describe('401: the challenge and the body say why the token was refused', () => {
    const refusedWith = async (token: string, reason: string) => {
      const res = await rawGatewayPost(r.url, 'acme-main', token);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), challenge(reason));
      assert.deepEqual(res.body, { error: reason });
      // The SDK's client shows the body to its caller: the person sees the reason.
      await assert.rejects(connectGateway(r.url, 'acme-main', token), (err: { code?: number; message: string }) => {
        assert.equal(err.code, 401);
        assert.ok(err.message.includes(reason), err.message);
        return true;
      });
    };

    it('no token: a bare challenge (no error attribute, RFC 6750 §3.1) and what to send', async () => {
      for (const authorization of [undefined, 'Basic YWNtZTpwdw==']) {
        const res = await fetch(`${r.url}/ws/acme-main`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(authorization ? { authorization } : {}),
          },
          body: PING,
        });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="aerostack"');
        assert.deepEqual(await res.json(), { error: 'Send the workspace token: Authorization: Bearer mwt_…' });
      }
    });

    it('an unknown token, another workspace’s and a user token are "unknown"', async () => {
      await refusedWith('mwt_not-a-real-token', 'This workspace token is unknown');
      await refusedWith(acme, 'This workspace token is unknown');
      await createWorkspace(r.url, acme, 'acme-other');
      const other = await workspaceToken(r.url, acme, 'acme-other', { name: 'Other' });
      await refusedWith(other, 'This workspace token is unknown');
    });

    it('a revoked token', async () => {
      const t = await workspaceToken(r.url, acme, 'acme-main', { name: 'Soon revoked' });
      assert.equal((await rawGatewayPost(r.url, 'acme-main', t)).status, 200);
      const revoked = await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-main/tokens/Soon%20revoked', {
        token: acme,
      });
      assert.equal(revoked.status, 200);
      await refusedWith(t, 'This workspace token has been revoked');
    });

    it('an expired token', async () => {
      const t = await workspaceToken(r.url, acme, 'acme-main', { name: 'Short lived', expiresInSeconds: 60 });
      assert.equal((await rawGatewayPost(r.url, 'acme-main', t)).status, 200);
      r.clock.advance(61_000);
      await refusedWith(t, 'This workspace token has expired');
    });
  });

  describe('Host and Origin (DNS rebinding)', () => {
    it('refuses a foreign Origin with 403, before the token is looked at', async () => {
      for (const mwtOrNone of [mwt, undefined]) {
        const res = await gatewayPost(r.url, 'acme-main', { mwt: mwtOrNone, origin: 'http://evil.example' });
        assert.equal(res.status, 403);
        assert.deepEqual(res.body, {
          error: `Origin "http://evil.example" is not allowed here (the registry's AEROSTACK_ALLOWED_ORIGINS)`,
        });
      }
      for (const origin of ['null', `http://localhost:${Number(port) + 1}`, `https://127.0.0.1:${port}`]) {
        assert.equal((await gatewayPost(r.url, 'acme-main', { mwt, origin })).status, 403, origin);
      }
    });

    it('refuses a foreign Host with 403, whatever the Origin', async () => {
      for (const host of ['evil.example', `evil.example:${port}`, `evil@127.0.0.1:${port}`]) {
        const res = await gatewayPost(r.url, 'acme-main', { mwt, host });
        assert.equal(res.status, 403, host);
        assert.match(res.body.error, /^Host ".*" is not allowed here \(the registry's AEROSTACK_ALLOWED_HOSTS\)$/);
      }
    });

    it('serves requests without an Origin (editors, CLIs) and from PUBLIC_URL’s and loopback’s origins', async () => {
      assert.equal((await gatewayPost(r.url, 'acme-main', { mwt })).status, 200);
      for (const origin of [r.config.publicUrl, `http://localhost:${port}`, `http://[::1]:${port}`]) {
        const res = await gatewayPost(r.url, 'acme-main', { mwt, origin });
        assert.equal(res.status, 200, `${origin}: ${JSON.stringify(res.body)}`);
      }
      for (const host of [`localhost:${port}`, `[::1]:${port}`, '127.0.0.1']) {
        assert.equal((await gatewayPost(r.url, 'acme-main', { mwt, host })).status, 200, host);
      }
    });

    it('applies to the gateway only: the API and npm answer any Host', async () => {
      const res = await new Promise<number>((resolve, reject) => {
        http
          .get(new URL('/healthz', r.url), { headers: { host: 'evil.example' }, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on('error', reject);
      });
      assert.equal(res, 200);
    });
  });

  describe('message bodies', () => {
    it('a message over 1 MiB: 413; a deeply nested one: 400, before parsing', async () => {
      const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(1024 * 1024) } });
      const tooBig = await gatewayPost(r.url, 'acme-main', { mwt, body: big });
      assert.equal(tooBig.status, 413);
      assert.deepEqual(tooBig.body, { error: 'Request body is too large (limit 1048576 bytes)' });
      const deep = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: {} }).replace(
        '{}',
        '['.repeat(100) + ']'.repeat(100),
      );
      const tooDeep = await gatewayPost(r.url, 'acme-main', { mwt, body: deep });
      assert.equal(tooDeep.status, 400);
      assert.deepEqual(tooDeep.body, { error: 'JSON nesting is deeper than 64 levels' });
    });

    it('is not read for a caller without a valid token: 401, not 413', async () => {
      const big = JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
      const res = await gatewayPost(r.url, 'acme-main', { mwt: 'mwt_nope', body: big });
      assert.equal(res.status, 401);
    });
  });
});

describe('gateway HTTP: AEROSTACK_ALLOWED_HOSTS and AEROSTACK_ALLOWED_ORIGINS', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let mwt: string;
  before(async () => {
    r = await startTestRegistry({
      env: {
        AEROSTACK_ALLOWED_HOSTS: 'registry.acme.test,127.0.0.1',
        AEROSTACK_ALLOWED_ORIGINS: 'https://registry.acme.test',
        AEROSTACK_GATEWAY_BODY_LIMIT_BYTES: '4096',
      },
    });
    const acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'acme-main');
    mwt = await workspaceToken(r.url, acme, 'acme-main', { name: 'Editor' });
  });
  after(() => r.close());

  it('replace the defaults', async () => {
    const { port } = new URL(r.url);
    const status = async (opts: { host?: string; origin?: string }) =>
      (await gatewayPost(r.url, 'acme-main', { mwt, ...opts })).status;
    assert.equal(await status({ host: 'registry.acme.test' }), 200);
    assert.equal(await status({ host: 'registry.acme.test', origin: 'https://registry.acme.test' }), 200);
    assert.equal(await status({ host: `localhost:${port}` }), 403);
    assert.equal(await status({ origin: `http://127.0.0.1:${port}` }), 403);
    assert.equal(await status({ origin: 'http://registry.acme.test' }), 403);
  });

  it('AEROSTACK_GATEWAY_BODY_LIMIT_BYTES sets the gateway’s own limit', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5000) } });
    const res = await gatewayPost(r.url, 'acme-main', { mwt, body });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { error: 'Request body is too large (limit 4096 bytes)' });
  });
});
