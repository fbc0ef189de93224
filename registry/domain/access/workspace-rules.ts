import type { Visibility } from '../../db/schema.js';

/**
 * A workspace may hold only skills its namespace's members may read: every public skill, and the
 * team skills of the workspace's own namespace (never private skills, never other teams' skills).
 */
export function workspaceMayHold(skill: { namespace: string; visibility: Visibility }, workspaceNamespace: string): boolean {
  return skill.visibility === 'public' || (skill.visibility === 'team' && skill.namespace === workspaceNamespace);
}
