import { randomBytes } from 'node:crypto';
import type { AccountCodesTable, Db } from '../../db/schema.js';
import type { Clock } from '../clock.js';
import { DomainError, notFound } from '@aerostack/contract/errors.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sha256Hex } from './secrets.js';

export type CodePurpose = AccountCodesTable['purpose'];

/** A code that may still be used: whose it is and the address it was mailed to. */
export interface OpenCode {
  id: number;
  userId: number;
  username: string;
  email: string;
  expiresAt: Date;
}

/** How each kind of link is named in refusals, and how to get a new one. */
const WORDING: Record<CodePurpose, { link: string; again: string }> = {
  verify_email: { link: 'verification link', again: 'run aerostack account verify --resend for a new one' },
  reset_password: {
    link: 'reset link',
    again: 'ask for a new one with aerostack password forgot, or "Forgot password?" on the sign-in page',
  },
};

/** Hex, as join codes: a code starting with "-" would read as a flag on a command line. */
const CODE_RE = /^[0-9a-f]{48}$/;

/**
 * The single-use codes mailed to an account's address (email verification, password reset). A code
 * exists in clear only in the mail: the table keeps its SHA-256. Issuing a code retires the account's
 * open codes of the same purpose, so only the newest link works; using one is a conditional update,
 * so of two concurrent uses exactly one succeeds.
 */
export class AccountCodes {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async issue(
    user: { id: number },
    purpose: CodePurpose,
    email: string,
    ttlMs: number,
  ): Promise<{ code: string; expiresAt: Date }> {
    const code = randomBytes(24).toString('hex');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await this.db.transaction().execute(async (trx) => {
      // Replaced, not used: an older link now reads as expired.
      await trx
        .updateTable('account_codes')
        .set({ expires_at: now })
        .where('user_id', '=', user.id)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .execute();
      await trx
        .insertInto('account_codes')
        .values({
          user_id: user.id,
          purpose,
          code_hash: sha256Hex(code),
          email,
          created_at: now,
          expires_at: expiresAt,
        })
        .execute();
    });
    return { code, expiresAt };
  }

  /** The open code, without using it (what a page shows before its form is sent); refusals as `use`. */
  async peek(code: string, purpose: CodePurpose): Promise<OpenCode> {
    const row = await this.find(this.db, code, purpose);
    this.assertOpen(row, purpose);
    return open(row);
  }

  /**
   * Uses the code and runs `effect` in the same transaction: if the effect fails, the code stays
   * unused. Refused: unknown (404), used or expired (410), each saying how to get a new link.
   */
  async use<T>(
    code: string,
    purpose: CodePurpose,
    effect: (trx: Transaction<Database>, code: OpenCode) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const row = await this.find(trx, code, purpose);
      this.assertOpen(row, purpose);
      const now = this.clock.now();
      const taken = await trx
        .updateTable('account_codes')
        .set({ used_at: now })
        .where('id', '=', row.id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 0)
        throw new DomainError(410, `This ${WORDING[purpose].link} has already been used`);
      return effect(trx, open(row));
    });
  }

  private async find(db: Db | Transaction<Database>, code: string, purpose: CodePurpose) {
    const trimmed = code.trim();
    const row = CODE_RE.test(trimmed)
      ? await db
          .selectFrom('account_codes as c')
          .innerJoin('users as u', 'u.id', 'c.user_id')
          .select(['c.id', 'c.user_id', 'c.email', 'c.expires_at', 'c.used_at', 'u.username'])
          .where('c.code_hash', '=', sha256Hex(trimmed))
          .where('c.purpose', '=', purpose)
          .executeTakeFirst()
      : undefined;
    if (!row) throw notFound(`This ${WORDING[purpose].link} is not valid; check that you copied all of it`);
    return row;
  }

  private assertOpen(row: { used_at: Date | null; expires_at: Date }, purpose: CodePurpose): void {
    const { link, again } = WORDING[purpose];
    if (row.used_at) throw new DomainError(410, `This ${link} has already been used`);
    if (row.expires_at <= this.clock.now())
      throw new DomainError(410, `This ${link} has expired or was replaced by a newer one; ${again}`);
  }
}

const open = (row: { id: number; user_id: number; username: string; email: string; expires_at: Date }): OpenCode => ({
  id: row.id,
  userId: row.user_id,
  username: row.username,
  email: row.email,
  expiresAt: row.expires_at,
});
