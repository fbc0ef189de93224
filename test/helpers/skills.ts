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

/** The product page's `github` skill: one tool, `create_issue`, that answers with the title it was given. */
export function createIssueSkillTarball(fullName: string, version: string): Buffer {
  return skillTarball(fullName, version, {
    manifest: {
      tool: {
        name: 'create_issue',
        description: 'Open an issue',
        input_schema: { type: 'object', properties: { title: { type: 'string' } } },
      },
    },
    files: {
      'index.js':
        'export default async ({ title }) => ({ content: [{ type: "text", text: `created issue: ${title}` }] });\n',
    },
  });
}
