import pickManifest from 'npm-pick-manifest';
import { notFound } from './errors.js';

/** What picking a version needs to know of a skill: its tags and each version's deprecation. */
export interface VersionIndex {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, { deprecated?: string | null }>;
}

/**
 * The version `spec` names, by npm's own rules (npm-pick-manifest, what `npm install` runs): an exact
 * version, a dist-tag, or a range. No spec means `latest` when it is not deprecated, else the highest
 * version, non-deprecated first; a range prefers `latest` when it satisfies it the same way.
 * The registry (workspace installs, the dashboard) and the CLI both pick with this.
 */
export function pickVersion(doc: VersionIndex, spec: string | null): string {
  const versions = Object.keys(doc.versions);
  if (!versions.length) throw notFound(`${doc.name} has no published versions`);
  const wanted = spec?.trim() ?? '';
  try {
    return pickManifest(
      {
        name: doc.name,
        'dist-tags': doc['dist-tags'],
        versions: Object.fromEntries(
          versions.map((v) => [
            v,
            { version: v, ...(doc.versions[v]?.deprecated ? { deprecated: doc.versions[v].deprecated } : {}) },
          ]),
        ),
      },
      wanted,
    ).version;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ETARGET') throw err;
    if (doc.versions[wanted] === undefined && /^\d+\.\d+\.\d+/.test(wanted) && !/[\s<>=^~|*xX]/.test(wanted))
      throw notFound(`${doc.name}@${wanted} not found`);
    throw notFound(`No version of ${doc.name} matches "${wanted || 'latest'}"`);
  }
}
