import type { Visibility } from '../../db/schema.js';
import { DomainError } from '@aerostack/contract/errors.js';

/** How a reader stands towards a namespace. `member` covers both the admin and member roles. */
export type Relation = 'owner' | 'member' | 'other' | 'anonymous';

export type ReadDecision = { allowed: true } | { allowed: false; status: 401 | 403 | 404; error: string };

/** The message a missing skill gets: private skills answer with exactly this, so they cannot be probed. */
export const notFoundMessage = (name: string): string => `Skill ${name} not found`;

/**
 * SPEC's visibility table, the one place it is written down:
 *
 * | skill is | owner | team member | other signed-in user       | anonymous |
 * | public   | all   | read        | read                       | read      |
 * | team     | all   | read        | 403 You are not a member…  | 401       |
 * | private  | all   | 404         | 404                        | 404       |
 */
export function decideRead(
  visibility: Visibility,
  relation: Relation,
  skill: { name: string; namespace: string },
): ReadDecision {
  if (relation === 'owner' || visibility === 'public') return { allowed: true };
  if (visibility === 'private') return { allowed: false, status: 404, error: notFoundMessage(skill.name) };
  switch (relation) {
    case 'member':
      return { allowed: true };
    case 'other':
      return { allowed: false, status: 403, error: `You are not a member of @${skill.namespace}` };
    case 'anonymous':
      return {
        allowed: false,
        status: 401,
        error: `Sign in to access ${skill.name}: it is shared with the @${skill.namespace} team only`,
      };
  }
}

export function assertRead(decision: ReadDecision): void {
  if (!decision.allowed) throw new DomainError(decision.status, decision.error);
}
