import { makeSkillTarball, type SkillTarballOptions } from './tarballs.js';

/** A valid skill tarball for `@ns/slug@version` (manifest and package.json agree with the name). */
export function skillTarball(fullName: string, version: string, opts: SkillTarballOptions = {}): Buffer {
  const slug = fullName.split('/')[1]!;
  return makeSkillTarball({
    ...opts,
    manifest: { name: slug, version, ...opts.manifest },
    packageJson: { name: fullName, version, description: `${slug} skill`, ...opts.packageJson },
  });
}
