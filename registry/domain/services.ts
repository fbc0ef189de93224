import type { Logger } from 'pino';
import type { RegistryConfig } from '../config.js';
import type { Db } from '../db/schema.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { Clock } from './clock.js';
import type { Mailer } from '../mail/mailer.js';
import { AccessControl } from './access/access-control.js';
import { Accounts } from './accounts/accounts.js';
import { UserTokens } from './accounts/user-tokens.js';
import { SkillReads } from './packages/skill-reads.js';
import { SkillChanges } from './packages/skill-changes.js';
import type { PublishDeps } from './packages/publish.js';
import { Teams } from './teams/teams.js';

/** The explicit dependencies everything is built from; nothing lives in module-level singletons. */
export interface AppDependencies {
  config: RegistryConfig;
  db: Db;
  blobs: BlobStore;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
}

export interface Services {
  deps: AppDependencies;
  access: AccessControl;
  accounts: Accounts;
  userTokens: UserTokens;
  reads: SkillReads;
  changes: SkillChanges;
  teams: Teams;
  publishDeps: PublishDeps;
}

export function createServices(deps: AppDependencies): Services {
  const { db, blobs, clock, config, logger, mailer } = deps;
  const access = new AccessControl(db);
  const reads = new SkillReads(db, access, blobs, config.publicUrl);
  return {
    deps,
    access,
    accounts: new Accounts(db, clock),
    userTokens: new UserTokens(db, clock),
    reads,
    changes: new SkillChanges({
      db,
      blobs,
      access,
      reads,
      clock,
      unpublishWindowMs: config.limits.unpublishWindowMs,
      onBlobOrphaned: (key, err) => logger.warn({ key, err }, 'could not delete an unpublished blob; gc will retry'),
    }),
    teams: new Teams({ db, access, mailer, clock, logger, publicUrl: config.publicUrl }),
    publishDeps: { db, blobs, access, clock, limits: config.limits },
  };
}
