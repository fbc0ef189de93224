/**
 * Loaded with `node --import` before a sandboxed skill's own code, when the workspace grants it
 * secrets or network (bwrap-sandbox.ts binds what it reads):
 * - /run/aerostack/secrets.json: the secrets its manifest declares, set as environment variables.
 *   The file came over a pipe into bwrap (`--ro-bind-data`): no value was ever on a command line or
 *   in an environment the host's `ps` shows.
 * - /run/egress/proxy.sock: the registry's egress proxy, the only way out of the sandbox's network
 *   namespace. `fetch` (undici's global dispatcher) and `http`/`https` (their global agents) are
 *   pointed at it through a loopback forwarder, since both speak to proxies over TCP.
 *
 * Nothing here is trusted by the registry: the skill can undo all of it, and then reaches nothing,
 * because the proxy decides what may be reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EGRESS_SOCKET_IN_SANDBOX, SECRETS_FILE_IN_SANDBOX } from './protocol.mjs';

/** Whether the sandbox bound `file` in (the permission model refuses even to look outside what it allows). */
const given = (file: string): boolean => {
  try {
    return existsSync(file);
  } catch {
    return false;
  }
};

if (given(SECRETS_FILE_IN_SANDBOX)) {
  const values = JSON.parse(readFileSync(SECRETS_FILE_IN_SANDBOX, 'utf8')) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) process.env[name] = value;
}

// undici is most of this preload's weight: loaded only by skills that were given network.
if (given(EGRESS_SOCKET_IN_SANDBOX)) await import('./egress-client.mjs');
