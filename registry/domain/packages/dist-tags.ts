import semver from 'semver';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** `latest` follows the highest stable version; only when there is none does it fall back to a prerelease. */
export function defaultLatest(versions: readonly string[]): string | null {
  const sorted = [...versions].sort(semver.rcompare);
  return sorted.find((v) => semver.prerelease(v) === null) ?? sorted[0] ?? null;
}

/** Points `latest` at `defaultLatest` of the live versions and mirrors it onto `skills.latest_version`. */
export async function recomputeLatest(trx: Kysely<Database>, skillId: number): Promise<string | null> {
  const live = await trx
    .selectFrom('skill_versions')
    .select('version')
    .where('skill_id', '=', skillId)
    .where('unpublished_at', 'is', null)
    .execute();
  const latest = defaultLatest(live.map((r) => r.version));
  await setTag(trx, skillId, 'latest', latest);
  return latest;
}

/** Sets (or, with null, removes) a tag; `latest` is mirrored onto the skill row for search and lists. */
export async function setTag(
  trx: Kysely<Database>,
  skillId: number,
  tag: string,
  version: string | null,
): Promise<void> {
  if (version === null) {
    await trx.deleteFrom('dist_tags').where('skill_id', '=', skillId).where('tag', '=', tag).execute();
  } else {
    await trx
      .insertInto('dist_tags')
      .values({ skill_id: skillId, tag, version })
      .onConflict((oc) => oc.columns(['skill_id', 'tag']).doUpdateSet({ version }))
      .execute();
  }
  if (tag === 'latest')
    await trx.updateTable('skills').set({ latest_version: version }).where('id', '=', skillId).execute();
}
