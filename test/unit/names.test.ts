import assert from 'node:assert/strict';
import { DomainError } from '@aerostack/contract/errors.js';
import {
  checkWorkspaceSlug,
  DIST_TAG_RE,
  EMAIL_RE,
  parseSkillName,
  USERNAME_RE,
  WORKSPACE_SLUG_RE,
} from '@aerostack/contract/names.js';

describe('names: one rule for the CLI and the registry', () => {
  it('parses @ns/skill and ns/skill; refuses the rest with a 400 that says why', () => {
    assert.deepEqual(parseSkillName('@acme/crm'), { full: '@acme/crm', namespace: 'acme', slug: 'crm' });
    assert.deepEqual(parseSkillName('johndoe/github-skill'), {
      full: '@johndoe/github-skill',
      namespace: 'johndoe',
      slug: 'github-skill',
    });
    for (const [raw, why] of [
      ['crm', /look like @<username>\/<skill>/],
      ['@Acme/crm', /"Acme" is not a valid namespace/],
      ['@acme/-crm', /use lowercase letters/],
      ['@acme/a/b', /look like/],
      [`@acme/${'x'.repeat(5000)}`, /…/],
    ] as const) {
      assert.throws(
        () => parseSkillName(raw),
        (err: unknown) => err instanceof DomainError && err.status === 400 && why.test(err.message),
        raw.slice(0, 20),
      );
    }
  });

  it('usernames, workspace slugs, dist-tags and emails', () => {
    for (const ok of ['acme', 'a', 'john-doe', '0x']) assert.match(ok, USERNAME_RE);
    for (const bad of ['', '-a', 'A', 'a_b', 'a'.repeat(40)]) assert.doesNotMatch(bad, USERNAME_RE);
    for (const ok of ['acme-team', 'w1']) assert.match(ok, WORKSPACE_SLUG_RE);
    for (const bad of ['Acme', 'a.b', '-a', 'a'.repeat(64)]) assert.doesNotMatch(bad, WORKSPACE_SLUG_RE);
    assert.equal(checkWorkspaceSlug('acme-team'), 'acme-team');
    assert.throws(
      () => checkWorkspaceSlug('No!'),
      /^DomainError: Invalid workspace name "No!": use lowercase letters, digits and "-" \(at most 63\)$/,
    );
    for (const ok of ['beta', 'next', 'v2-rc']) assert.match(ok, DIST_TAG_RE);
    for (const bad of ['1.0.0', '^1', '-x']) assert.doesNotMatch(bad, DIST_TAG_RE);
    assert.match('a@b.dev', EMAIL_RE);
    assert.doesNotMatch('a@b', EMAIL_RE);
  });
});
