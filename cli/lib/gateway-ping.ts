import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** `ok`: the token works; `refused`: the gateway said 401/403; `unreachable`: no answer to judge by. */
export type PingResult = 'ok' | 'refused' | 'unreachable';

/**
 * Connects to the workspace's MCP gateway as an editor does (the SDK's own Client over Streamable
 * HTTP, with the token's Authorization header) and sends `ping`.
 */
export async function pingGateway(url: string, token: string): Promise<PingResult> {
  const client = new Client({ name: 'aerostack-cli', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  try {
    await client.connect(transport);
    await client.ping();
    return 'ok';
  } catch (err) {
    if (err instanceof StreamableHTTPError && (err.code === 401 || err.code === 403)) return 'refused';
    // The SDK words some refusals only in the message ("… 401 …"): read them as refusals too.
    return /\b40[13]\b|invalid_token|unauthori[sz]ed/i.test(String((err as Error).message)) ? 'refused' : 'unreachable';
  } finally {
    await client.close().catch(() => {});
  }
}
