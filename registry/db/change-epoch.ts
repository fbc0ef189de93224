import type { Db } from './schema.js';
import { embeddedPglite } from './connect.js';

/**
 * The change epoch (migration 0005) as read caches need it: `current()` resolves to a value that
 * already reflects every change committed before the call, on any instance. A cache keyed by it is
 * therefore never stale: a token revoked or a member removed anywhere is refused on the next request.
 */
export interface ChangeEpoch {
  current(): Promise<number>;
  close(): Promise<void>;
}

/** The channel migration 0005's trigger notifies on (the migration spells it out: migrations never change). */
const CHANGES_CHANNEL = 'aerostack_changes';

export function watchChangeEpoch(db: Db): ChangeEpoch {
  const pglite = embeddedPglite(db);
  return pglite ? new NotifiedEpoch(pglite) : new PolledEpoch(db);
}

/**
 * Postgres server: other instances write too, so the counter row is read — but once per wave of
 * requests, not once per request. A read already in flight may have started before the caller's
 * change committed, so callers arriving during it share the *next* read, which starts after them.
 */
class PolledEpoch implements ChangeEpoch {
  private running: Promise<number> | null = null;
  private queued: Promise<number> | null = null;

  constructor(private readonly db: Db) {}

  current(): Promise<number> {
    if (!this.running) return this.start();
    return (this.queued ??= this.running.then(noop, noop).then(() => {
      this.queued = null;
      return this.running ?? this.start();
    }));
  }

  private start(): Promise<number> {
    const read = this.db
      .selectFrom('change_epoch')
      .select('n')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
    this.running = read;
    const done = () => {
      if (this.running === read) this.running = null;
    };
    read.then(done, done);
    return read;
  }

  async close() {}
}

/**
 * Embedded PGlite: this process is the only writer, and PGlite hands a committed transaction's
 * notifications to listeners before that commit's promise resolves, so a counter bumped by them is
 * exact without a query per request.
 */
class NotifiedEpoch implements ChangeEpoch {
  private n = 0;
  private readonly listening: Promise<() => Promise<void>>;
  private ready = false;

  constructor(pglite: NonNullable<ReturnType<typeof embeddedPglite>>) {
    this.listening = pglite.listen(CHANGES_CHANNEL, () => {
      this.n++;
    });
    this.listening.then(() => (this.ready = true), noop);
  }

  async current(): Promise<number> {
    if (!this.ready) await this.listening;
    return this.n;
  }

  async close() {
    const unlisten = await this.listening.catch(() => null);
    await unlisten?.().catch(noop);
  }
}

function noop() {}
