import assert from 'node:assert/strict';
import { DomainError } from '@aerostack/contract/errors.js';
import { pickVersion, type VersionIndex } from '@aerostack/contract/versions.js';

const doc = (tags: Record<string, string>, versions: Record<string, string | null>): VersionIndex => ({
  name: '@acme/x',
  'dist-tags': tags,
  versions: Object.fromEntries(Object.entries(versions).map(([v, deprecated]) => [v, { deprecated }])),
});
const refuses = (d: VersionIndex, spec: string | null, message: string) =>
  assert.throws(
    () => pickVersion(d, spec),
    (err: unknown) => err instanceof DomainError && err.status === 404 && err.message === message,
  );

describe('pickVersion: npm’s rules, for the registry and the CLI alike', () => {
  const plain = doc(
    { latest: '1.2.0', beta: '2.0.0-beta.1' },
    { '1.0.0': null, '1.1.0': null, '1.2.0': null, '2.0.0-beta.1': null },
  );
  const TABLE: Array<[string, VersionIndex, string | null, string]> = [
    ['no spec: latest', plain, null, '1.2.0'],
    ['an empty spec is no spec', plain, '', '1.2.0'],
    ['an exact version', plain, '1.1.0', '1.1.0'],
    ['a dist-tag', plain, 'beta', '2.0.0-beta.1'],
    ['a range takes latest when it satisfies it', plain, '^1.0.0', '1.2.0'],
    ['a range latest does not satisfy: the highest that does', plain, '~1.1.0', '1.1.0'],
    ['a prerelease only when a range names it', plain, '>=2.0.0-beta.0', '2.0.0-beta.1'],
    // The bug: with latest deprecated the dashboard took 1.1.0 and the CLI 1.0.0. npm takes 1.0.0.
    [
      'latest deprecated: the highest non-deprecated',
      doc({ latest: '1.1.0' }, { '1.0.0': null, '1.1.0': 'use 1.0.0' }),
      null,
      '1.0.0',
    ],
    [
      'latest deprecated, in a range too',
      doc({ latest: '1.1.0' }, { '1.0.0': null, '1.1.0': 'broken' }),
      '^1',
      '1.0.0',
    ],
    [
      'only deprecated versions: still the highest',
      doc({ latest: '1.1.0' }, { '1.0.0': 'old', '1.1.0': 'old' }),
      null,
      '1.1.0',
    ],
    [
      'an exact deprecated version is still that version',
      doc({ latest: '1.1.0' }, { '1.0.0': null, '1.1.0': 'x' }),
      '1.1.0',
      '1.1.0',
    ],
  ];
  for (const [label, d, spec, want] of TABLE) it(label, () => assert.equal(pickVersion(d, spec), want));

  it('says what is missing', () => {
    refuses(plain, '3.0.0', '@acme/x@3.0.0 not found');
    refuses(plain, '^3', 'No version of @acme/x matches "^3"');
    refuses(plain, 'nightly', 'No version of @acme/x matches "nightly"');
    refuses(doc({}, {}), null, '@acme/x has no published versions');
  });
});
