/**
 * The egress proxy on its own, as a sandboxed skill would reach it: CONNECT over its unix socket.
 * A tunnel opens only to a declared host:port, and never to loopback, private or metadata addresses,
 * whatever the name resolves to.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseNetworkTarget } from '@aerostack/contract/network.js';
import {
  EGRESS_SOCKET,
  EgressProxy,
  type EgressListener,
  type Lookup,
} from '@aerostack/registry/gateway/runtime/egress/egress-proxy.js';

/** CONNECT through the proxy, then a GET in the tunnel: the status of each. */
function through(listener: EgressListener, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path.join(listener.dir, EGRESS_SOCKET), method: 'CONNECT', path: target });
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        let body = head.toString();
        socket.on('data', (c: Buffer) => (body += c.toString()));
        socket.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        return;
      }
      socket.write(`GET /contacts HTTP/1.1\r\nhost: ${target}\r\nconnection: close\r\n\r\n`);
      let reply = '';
      socket.on('data', (c: Buffer) => (reply += c.toString()));
      socket.on('end', () => resolve({ status: 200, body: reply }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('egress proxy (CONNECT on a unix socket)', () => {
  let root: string;
  let crm: Server;
  let port: number;
  const logged: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({ write: (c: Buffer, _e, cb) => (logged.push(c.toString()), cb()) }),
  );
  // DNS is the environment: a public-looking name that points inside, as an attacker's zone would.
  const zone: Record<string, string> = {
    'rebind.example.com': '10.0.0.5',
    localhost: '127.0.0.1',
    'metadata.example.com': '169.254.169.254',
  };
  const lookup: Lookup = (host) =>
    zone[host]
      ? Promise.resolve([{ address: zone[host] }])
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'aerostack-egress-'));
    crm = createServer((req, res) => res.end(`crm saw ${req.url}`));
    await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));
    port = (crm.address() as AddressInfo).port;
  });
  after(async () => {
    crm.close();
    await rm(root, { recursive: true, force: true });
  });

  it('tunnels to a declared host (the tests’ loopback switch on), and the socket is open to the sandbox’s uid', async () => {
    const proxy = new EgressProxy({ root, logger, allowLoopback: true, lookup });
    const l = await proxy.open({
      allow: [parseNetworkTarget(`localhost:${port}`)],
      workspace: 'acme-team',
      skill: '@acme/crm',
    });
    try {
      assert.equal((await stat(path.join(l.dir, EGRESS_SOCKET))).mode & 0o777, 0o777);
      const r = await through(l, `localhost:${port}`);
      assert.equal(r.status, 200);
      assert.match(r.body, /crm saw \/contacts$/);
    } finally {
      await l.close();
    }
  });

  it('refuses what was not declared, loopback without the switch, private and metadata addresses, and logs each with the skill and host', async () => {
    const proxy = new EgressProxy({ root, logger, lookup });
    const l = await proxy.open({
      allow: ['api.example.com:443', `localhost:${port}`, 'rebind.example.com:443', 'metadata.example.com:80'].map(
        parseNetworkTarget,
      ),
      workspace: 'acme-team',
      skill: '@acme/crm',
    });
    logged.length = 0;
    try {
      const rows: Array<[string, number, RegExp]> = [
        ['other.example.org:443', 403, /other\.example\.org:443 is not in the skill's approved network list/],
        ['api.example.com:8443', 403, /not in the skill's approved network list/],
        ['10.0.0.1:443', 403, /not in the skill's approved network list/],
        [`127.0.0.1:${port}`, 403, /not in the skill's approved network list/],
        [`localhost:${port}`, 403, /resolves to 127\.0\.0\.1 \(loopback\), which skills never reach/],
        ['rebind.example.com:443', 403, /resolves to 10\.0\.0\.5 \(a private network\)/],
        ['metadata.example.com:80', 403, /169\.254\.169\.254 \(link-local \(cloud metadata\)\)/],
        ['api.example.com:443', 502, /api\.example\.com does not resolve/],
        ['no-port', 400, /CONNECT needs host:port/],
      ];
      for (const [target, status, body] of rows) {
        const r = await through(l, target);
        assert.equal(r.status, status, `${target}: ${JSON.stringify(r)}`);
        assert.match(r.body, body, target);
      }
      const refusals = logged.map(
        (line) => JSON.parse(line) as { msg: string; skill: string; workspace: string; host: string },
      );
      assert.equal(refusals.length, rows.length);
      for (const [i, r] of refusals.entries()) {
        assert.equal(r.msg, 'egress refused');
        assert.equal(r.skill, '@acme/crm');
        assert.equal(r.workspace, 'acme-team');
        assert.equal(r.host, rows[i]![0]);
      }
    } finally {
      await l.close();
    }
  });

  it('answers anything but CONNECT with 405, and close() removes the socket folder', async () => {
    const proxy = new EgressProxy({ root, logger, lookup });
    const l = await proxy.open({ allow: [], workspace: 'w', skill: 's' });
    const status = await new Promise<number>((resolve, reject) =>
      request({ socketPath: path.join(l.dir, EGRESS_SOCKET), path: 'http://example.com/' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .once('error', reject)
        .end(),
    );
    assert.equal(status, 405);
    await l.close();
    await assert.rejects(stat(l.dir), { code: 'ENOENT' });
  });
});
