/**
 * SPEC's visibility table, written down here independently of the registry: the oracle both
 * visibility suites (the fixed table and the property-based worlds) check every read surface against.
 */
import type { Visibility } from '@aerostack/contract/api.js';

/** SPEC's columns, plus `admin` (an admin member of the namespace, who is a "team member" for reads). */
export type Relation = 'owner' | 'member' | 'admin' | 'other' | 'anonymous';
export type Outcome = 200 | 401 | 403 | 404;

export const SPEC_TABLE: Readonly<Record<Visibility, Readonly<Record<Relation, Outcome>>>> = {
  public: { owner: 200, member: 200, admin: 200, other: 200, anonymous: 200 },
  team: { owner: 200, member: 200, admin: 200, other: 403, anonymous: 401 },
  private: { owner: 200, member: 404, admin: 404, other: 404, anonymous: 404 },
};
