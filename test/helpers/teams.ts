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

/**
 * Gives `username` the address `email`, verified, directly in the database (as its owner opening the
 * mailed verification link would): what an email-bound invitation asks of whoever accepts it.
 */
export async function setVerifiedEmail(r: Pick<TestRegistry, 'db' | 'clock'>, username: string, email: string) {
  await r.db
    .updateTable('users')
    .set({ email, email_verified_at: r.clock.now() })
    .where('username', '=', username)
    .execute();
}
