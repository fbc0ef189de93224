import { sql } from 'kysely';
import type { Db } from '../db/schema.js';
import type { BlobStore } from '@aerostack/storage';

/** Whether the backends answer, for `/readyz`: `ok`, or `unavailable: <why>`. */
export class Readiness {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
  ) {}

  async check(): Promise<{ database: string; storage: string }> {
    const [database, storage] = await Promise.all([
      probe(() => sql`select 1`.execute(this.db)),
      probe(() => this.blobs.check()),
    ]);
    return { database, storage };
  }
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 3s')), 3000).unref()),
    ]);
    return 'ok';
  } catch (err) {
    return `unavailable: ${(err as Error).message}`;
  }
}
