import type { TestRegistry } from './registry.js';

/** Makes `username` a member of `namespace` directly in the database (as an accepted invitation would). */
export async function addMember(
  r: Pick<TestRegistry, 'db' | 'clock'>,
  namespace: string,
  username: string,
  role: 'member' | 'admin' = 'member',
): Promise<void> {
  const u = await r.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  await r.db.insertInto('memberships').values({ namespace, user_id: u.id, role, created_at: r.clock.now() }).execute();
}
