/**
 * The only way out of a skill's sandbox: an HTTP CONNECT proxy on a unix socket, one per skill
 * process, whose directory the sandbox binds in (a bind of the socket file itself would go stale if
 * the listener were re-created). A tunnel opens only to a host:port the skill declared and the
 * workspace approved, and only to the address the name resolved to here, checked against the
 * addresses egress never reaches: the skill cannot steer it with its own DNS answers.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { targetAllows, type NetworkTarget } from '@aerostack/contract/network.js';
import { blockedAddressReason } from './blocked-addresses.js';

/** The socket's name inside the directory the sandbox sees. */
export const EGRESS_SOCKET = 'proxy.sock';
/** Tunnels one skill process may hold open at once. */
const MAX_TUNNELS = 64;
const CONNECT_TIMEOUT_MS = 10_000;

export type Lookup = (host: string) => Promise<Array<{ address: string }>>;

export interface EgressGrant {
  /** What the skill may reach: its manifest's `network`, as approved by the workspace. */
  allow: NetworkTarget[];
  /** Who is asking, for the log of refusals. */
  workspace: string;
  skill: string;
}

export interface EgressListener {
  /** The folder holding the socket (mode 0755), to bind into the sandbox. */
  dir: string;
  close(): Promise<void>;
}

export class EgressProxy {
  constructor(
    private readonly opts: {
      /** Where the per-process socket folders are made. */
      root: string;
      logger: Logger;
      /** Test-only (AEROSTACK_EGRESS_ALLOW_LOOPBACK): lets tunnels reach the tests' own loopback servers. */
      allowLoopback?: boolean;
      lookup?: Lookup;
    },
  ) {}

  async open(grant: EgressGrant): Promise<EgressListener> {
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(path.join(this.opts.root, 'egress-'));
    await chmod(dir, 0o755);
    const server = createServer((_req, res) => {
      res.writeHead(405, { 'content-type': 'text/plain', connection: 'close' });
      res.end('This proxy only opens CONNECT tunnels\n');
    });
    server.maxConnections = MAX_TUNNELS;
    const sockets = new Set<Duplex>();
    server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
      sockets.add(client);
      client.once('close', () => sockets.delete(client));
      client.on('error', () => client.destroy());
      void this.tunnel(grant, req.url ?? '', client, head, sockets);
    });
    const socket = path.join(dir, EGRESS_SOCKET);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
    // The sandbox's uid is not ours: it may connect, and nothing else is in this folder.
    await chmod(socket, 0o777);
    return {
      dir,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  private async tunnel(grant: EgressGrant, target: string, client: Duplex, head: Buffer, sockets: Set<Duplex>) {
    const m = /^([a-zA-Z0-9.-]{1,253}):([0-9]{1,5})$/.exec(target);
    const host = m?.[1]?.toLowerCase().replace(/\.$/, '') ?? '';
    const port = Number(m?.[2]);
    const refuse = (status: number, reason: string) => {
      this.opts.logger.warn(
        { workspace: grant.workspace, skill: grant.skill, host: target.slice(0, 300), reason },
        'egress refused',
      );
      client.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
    };
    if (!m || port < 1 || port > 65535) return refuse(400, 'CONNECT needs host:port');
    if (!grant.allow.some((t) => targetAllows(t, host, port)))
      return refuse(403, `${host}:${port} is not in the skill's approved network list`);
    let addresses: Array<{ address: string }>;
    try {
      addresses = await (this.opts.lookup ?? ((h) => dnsLookup(h, { all: true, verbatim: true })))(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) return refuse(502, `${host} does not resolve`);
    const reasons = addresses.map((a) => blockedAddressReason(a.address, { allowLoopback: this.opts.allowLoopback }));
    const usable = addresses.findIndex((_, i) => reasons[i] === null);
    if (usable === -1)
      return refuse(403, `${host} resolves to ${addresses[0]!.address} (${reasons[0]}), which skills never reach`);
    const upstream: Socket = connect({ host: addresses[usable]!.address, port, timeout: CONNECT_TIMEOUT_MS });
    let connected = false;
    sockets.add(upstream);
    upstream.once('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.on('error', () => {
      if (!connected) refuse(502, `${host}:${port} could not be reached`);
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  }
}
