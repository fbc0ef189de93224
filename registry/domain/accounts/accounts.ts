import type { Db, User } from '../../db/schema.js';
import type { Clock } from '../clock.js';
import { EMAIL_RE } from '@aerostack/contract/names.js';
import { badRequest, conflict, unauthorized } from '@aerostack/contract/errors.js';
import { USERNAME_RE } from '@aerostack/contract/names.js';
import { passwordProblem } from '@aerostack/contract/limits.js';
import type { AttemptThrottle } from '../throttle/attempt-throttle.js';
import { hashPassword, needsRehash, verifyPassword } from './secrets.js';

export interface SignupInput {
  username: string;
  email: string;
  password: string;
}

/** Names that would shadow registry routes or confuse people. */
const RESERVED = new Set([
  'admin',
  'api',
  'aerostack',
  'join',
  'login',
  'logout',
  'signup',
  'ws',
  'npm',
  'registry',
  'www',
]);

/** Where a sign-in comes from: the request's client address (express's `req.ip`). */
export interface SignInSource {
  address: string | undefined;
}

/** Sign-up and password checks. A username is also the user's namespace (`@username/…`). */
export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Every password check goes through it: per account and per client address, with lockouts. */
    private readonly signIns: AttemptThrottle,
    /** Told of every new account (email verification mails the link, registry/domain/accounts/email-verification.ts). */
    private readonly onSignup: (user: User) => Promise<void> = () => Promise.resolve(),
  ) {}

  async signup(input: SignupInput): Promise<User> {
    const username = input.username.trim();
    const email = input.email.trim();
    if (!USERNAME_RE.test(username)) {
      throw badRequest('Invalid username: use 1-39 lowercase letters, digits or "-", starting with a letter or digit');
    }
    if (RESERVED.has(username)) throw badRequest(`The username "${username}" is reserved`);
    if (!EMAIL_RE.test(email) || email.length > 254) throw badRequest('Invalid email address');
    const weak = passwordProblem(input.password);
    if (weak) throw badRequest(weak);
    const passwordHash = await hashPassword(input.password);
    const now = this.clock.now();
    let created: User;
    try {
      created = await this.db.transaction().execute(async (trx) => {
        const user = await trx
          .insertInto('users')
          .values({ username, email, password_hash: passwordHash, created_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx.insertInto('namespaces').values({ name: username, owner_id: user.id, created_at: now }).execute();
        await trx
          .insertInto('memberships')
          .values({ namespace: username, user_id: user.id, role: 'owner', created_at: now })
          .execute();
        return user;
      });
    } catch (err) {
      // Only usernames (and so namespaces) are unique: an address may be named by several accounts
      // until one proves it (migration 0009), so a sign-up never tells whether an email is taken.
      if (isUniqueViolation(err)) throw conflict(`The username "${username}" is already taken`);
      throw err;
    }
    await this.onSignup(created);
    return created;
  }

  /**
   * The user if the password is right; the same 401 otherwise, whether or not the user exists. Too
   * many failures for the account or from the address answer 429 (TooManyAttempts) without checking.
   */
  authenticate(username: string, password: string, from: SignInSource): Promise<User> {
    return this.signIns.guard({ account: username, address: from.address }, () =>
      this.checkPassword(username, password),
    );
  }

  private async checkPassword(username: string, password: string): Promise<User> {
    const user = await this.findByUsername(username);
    // Hash even for unknown users so response time does not reveal which usernames exist.
    const ok = user
      ? await verifyPassword(password, user.password_hash)
      : await hashPassword(password).then(() => false);
    if (!user || !ok) throw unauthorized('Incorrect username or password');
    return needsRehash(user.password_hash) ? this.rehash(user, password) : user;
  }

  /**
   * Re-hashes a password stored with older parameters, now that it is known to be right. Only if the
   * row still holds the hash that was checked: a password changed meanwhile is not overwritten.
   */
  private async rehash(user: User, password: string): Promise<User> {
    const passwordHash = await hashPassword(password);
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', user.id)
      .where('password_hash', '=', user.password_hash)
      .execute();
    return { ...user, password_hash: passwordHash };
  }

  findByUsername(username: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.trim().toLowerCase())
      .executeTakeFirst();
  }
}

/** Postgres unique_violation, from pg or PGlite. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
