/**
 * What the gateway and its skill runner (skill-server.mts) agree on beyond MCP itself. Imported by
 * both sides; inside the sandbox it is read from the runner's own folder.
 */

/** The `_meta` key under which the gateway passes a call's context (workspace, skill, caller…). */
export const CONTEXT_META_KEY = 'aerostack/context';

/** The JSON-RPC error code the runner answers for a result over the size limit (server range, unused by the SDK). */
export const OUTPUT_TOO_LARGE_CODE = -32070;
