/**
 * Gateway latencies with the MCP SDK's own Client over Streamable HTTP (what Claude Desktop, Cursor…
 * use): tools/list with 20 skills installed, and tools/call of the scaffolded `greet` skill compared
 * with calling the same default export in-process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { forkChild, type Child } from './proc.js';
import { median, percentile } from './util.js';

export async function connectGateway(base: string, workspace: string, mwt: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/ws/${workspace}`), {
    requestInit: { headers: { Authorization: `Bearer ${mwt}` } },
  });
  const client = new Client({ name: 'aerostack-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Runs `fn` `warmup + n` times, one after the other; returns the last n durations in ms. */
export async function timeSeq(n: number, warmup: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const t0 = performance.now();
    await fn();
    if (i >= warmup) out.push(performance.now() - t0);
  }
  return out;
}

export interface GatewayFigures {
  listP50: number;
  listP99: number;
  listTools: number;
  callP50: number;
  callP99: number;
  directP50Ms: number;
  pingP50: number;
  /** First calls of the other skills (each starts its sandboxed process), when asked for. */
  coldCallP50: number | null;
}

/** The scaffolded skill's default export, imported and called in this process. */
export async function directCallP50(files: Record<string, string>, input: unknown, n: number): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aerostack-bench-direct-'));
  try {
    for (const [rel, body] of Object.entries(files)) await writeFile(path.join(dir, rel), body);
    const mod = (await import(pathToFileURL(path.join(dir, 'index.js')).href)) as {
      default: (i: unknown, c: unknown) => Promise<unknown>;
    };
    const fn = mod.default;
    return median(await timeSeq(n, 20, () => fn(input, {})));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function measureGateway(
  base: string,
  workspace: string,
  mwt: string,
  opts: {
    n: number;
    callTool: string;
    callSkillFiles: Record<string, string>;
    expectTools: number;
    coldTools?: { prefix: string; input: Record<string, unknown> };
  },
): Promise<GatewayFigures> {
  const client = await connectGateway(base, workspace, mwt);
  try {
    let listTools = 0;
    const list = await timeSeq(opts.n, 5, async () => {
      listTools = (await client.listTools()).tools.length;
    });
    if (listTools !== opts.expectTools)
      throw new Error(`tools/list returned ${listTools} tools, expected ${opts.expectTools}`);
    const { tools } = await client.listTools();
    const tool = tools.find(
      (t) => t.name === opts.callTool || t.name.endsWith(`__${opts.callTool}`) || t.name.includes(opts.callTool),
    );
    if (!tool) throw new Error(`no tool like ${opts.callTool} in ${tools.map((t) => t.name).join(', ')}`);
    const input = { message: 'ping' };
    // The first call starts the skill's sandboxed process: warm-up, not measured.
    const call = await timeSeq(opts.n, 10, async () => {
      const res = (await client.callTool({ name: tool.name, arguments: input })) as {
        isError?: boolean;
        content?: Array<{ text?: string }>;
      };
      if (res.isError) throw new Error(`tools/call ${tool.name} failed: ${JSON.stringify(res.content)}`);
    });
    // Each of these skills has had no call yet: its first call starts its sandboxed process.
    const cold: number[] = [];
    for (const t of opts.coldTools ? tools.filter((x) => x.name.includes(opts.coldTools!.prefix)) : []) {
      const t0 = performance.now();
      const res = (await client.callTool({ name: t.name, arguments: opts.coldTools!.input })) as {
        isError?: boolean;
        content?: unknown;
      };
      if (res.isError) throw new Error(`tools/call ${t.name} failed: ${JSON.stringify(res.content)}`);
      cold.push(performance.now() - t0);
    }
    const ping = await timeSeq(opts.n, 5, () => client.ping());
    const directP50Ms = await directCallP50(opts.callSkillFiles, input, Math.max(opts.n, 100));
    return {
      listP50: median(list),
      listP99: percentile(list, 99),
      listTools,
      callP50: median(call),
      callP99: percentile(call, 99),
      directP50Ms,
      pingP50: median(ping),
      coldCallP50: cold.length ? median(cold) : null,
    };
  } finally {
    await client.close();
  }
}

/**
 * tools/call p50 against the bare SDK server (sdk-server-process.ts) serving `files`' tool in its own
 * process: the denominator of `gateway_call_ratio`, measured the same way as the gateway's calls.
 */
export async function bareSdkCallP50(
  files: Record<string, string>,
  toolName: string,
  n: number,
  logFile: string,
): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aerostack-bench-bare-sdk-'));
  let child: Child<{ pid: number; url: string }> | undefined;
  let client: Client | undefined;
  try {
    for (const [rel, body] of Object.entries(files)) await writeFile(path.join(dir, rel), body);
    child = await forkChild<{ pid: number; url: string }>('sdk-server-process', {
      env: { ...process.env, BENCH_SKILL_DIR: dir },
      logFile,
    });
    client = new Client({ name: 'aerostack-bench', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(child.ready.url)));
    const input = { message: 'ping' };
    const call = await timeSeq(n, 10, async () => {
      const res = (await client!.callTool({ name: toolName, arguments: input })) as { isError?: boolean };
      if (res.isError) throw new Error(`bare SDK server: tools/call ${toolName} failed`);
    });
    return median(call);
  } finally {
    await client?.close();
    await child?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
