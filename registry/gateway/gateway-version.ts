/** The gateway's MCP implementation version (its `initialize` answer), also a workspace server's version in `/v0.1/servers`. */
export const GATEWAY_VERSION = '0.1.0';
