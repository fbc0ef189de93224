/**
 * What the gateway and its skill runner (skill-server.mts) agree on beyond MCP itself. Imported by
 * both sides; inside the sandbox it is read from the runner's own folder.
 */

/** The `_meta` key under which the gateway passes a call's context (workspace, skill, caller…). */
export const CONTEXT_META_KEY = 'aerostack/context';

/** The JSON-RPC error code the runner answers for a result over the size limit (server range, unused by the SDK). */
export const OUTPUT_TOO_LARGE_CODE = -32070;

/** Where a skill process finds the secrets its workspace gives it (a read-only file, JSON). */
export const SECRETS_FILE_IN_SANDBOX = '/run/aerostack/secrets.json';
/** The egress proxy's folder inside the sandbox, and its socket. */
export const EGRESS_DIR_IN_SANDBOX = '/run/egress';
export const EGRESS_SOCKET_IN_SANDBOX = '/run/egress/proxy.sock';
/** The preload (sandbox-preload.mts, bundled) in the runner's folder, as the sandbox shows it. */
export const PRELOAD_IN_SANDBOX = '/aerostack/sandbox-preload.mjs';
