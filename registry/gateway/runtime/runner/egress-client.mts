/**
 * Points a sandboxed skill's `fetch` (undici's global dispatcher) and `http`/`https` (their global
 * agents) at the registry's egress proxy. Both speak to proxies over TCP, and the proxy is a unix
 * socket bound into the sandbox, so a loopback forwarder inside the sandbox's own network namespace
 * joins the two. Imported by sandbox-preload.mts only when the socket is there.
 */
import http from 'node:http';
import https from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ProxyAgent, setGlobalDispatcher } from 'undici';
import { EGRESS_SOCKET_IN_SANDBOX } from './protocol.mjs';

const forwarder = createServer((client) => {
  const upstream = connect(EGRESS_SOCKET_IN_SANDBOX);
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
});
await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
// The forwarder must not keep a finished program alive.
forwarder.unref();
const proxy = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`;
setGlobalDispatcher(new ProxyAgent(proxy));
const agent = new HttpsProxyAgent(proxy, { keepAlive: true });
http.globalAgent = agent;
https.globalAgent = agent;
