/**
 * The registry under benchmark, in its own process so the load generator never shares its event loop.
 * Configuration comes from the environment exactly as `aerostack-registry serve` reads it; the URL is
 * printed on stdout (`AEROSTACK_BENCH_URL <url>`) and sent over the IPC channel.
 *
 * Over IPC the bench may also ask for: `sql` (bulk seeding, run in one transaction on the registry's own
 * connection, which is the only way into an embedded PGlite), `rss`, `profile-start`/`profile-stop`
 * (a V8 CPU profile of just one measured window, written as a .cpuprofile) and `stop`.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '@aerostack/registry/config.js';
import { startRegistry } from '@aerostack/registry/server.js';
import { collectWhenIdle } from '@aerostack/registry/idle-gc.js';

type Command =
  | { id: number; cmd: 'sql'; statements: string[] }
  | { id: number; cmd: 'rss' }
  | { id: number; cmd: 'profile-start' }
  | { id: number; cmd: 'profile-stop'; file: string }
  | { id: number; cmd: 'stop' };

const config = loadConfig(process.env);
const logger = pino({ level: config.logLevel });
const registry = await startRegistry(config, { logger });
// As `aerostack-registry serve` does (registry/main.ts).
collectWhenIdle(registry.server);
process.stdout.write(`AEROSTACK_BENCH_URL ${registry.url}\n`);

let session: Session | undefined;
const post = <T>(method: string, params: object = {}) =>
  new Promise<T>((resolve, reject) =>
    session!.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))),
  );

async function handle(msg: Command): Promise<unknown> {
  switch (msg.cmd) {
    case 'sql': {
      const t0 = performance.now();
      await registry.db.transaction().execute(async (trx) => {
        for (const text of msg.statements) await sql.raw(text).execute(trx);
      });
      return { ms: performance.now() - t0 };
    }
    case 'rss': {
      const m = process.memoryUsage();
      return {
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      };
    }
    case 'profile-start': {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      // 100 µs sampling: fine enough for request handlers of a few hundred microseconds.
      await post('Profiler.setSamplingInterval', { interval: 100 });
      await post('Profiler.start');
      return {};
    }
    case 'profile-stop': {
      const { profile } = await post<{ profile: unknown }>('Profiler.stop');
      session?.disconnect();
      session = undefined;
      await writeFile(msg.file, JSON.stringify(profile));
      return { file: msg.file };
    }
    case 'stop': {
      await registry.close();
      return {};
    }
  }
}

process.on('message', (msg: Command) => {
  handle(msg).then(
    (result) => {
      process.send?.({ id: msg.id, ok: true, result });
      if (msg.cmd === 'stop') process.disconnect?.();
    },
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.message }),
  );
});
// The bench went away (crashed, or stopped us): do not linger.
process.on('disconnect', () => {
  void registry.close().finally(() => process.exit(0));
});
process.send?.({ ready: true, url: registry.url, pid: process.pid });
