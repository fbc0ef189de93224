/**
 * The policy's decision table: every action, for every kind of actor, with the status a user sees.
 * One row per line, so a change to a rule shows up here as a changed row.
 */
import assert from 'node:assert/strict';
import { can, type Action, type Actor, type Resources } from '@aerostack/registry/domain/access/policy.js';

type Who =
  | 'owner'
  | 'admin'
  | 'member'
  | 'other'
  | 'anonymous'
  | 'owner, read-only token'
  | 'admin, read-only token'
  | 'member, read-only token';
const WHO: Who[] = [
  'owner',
  'admin',
  'member',
  'other',
  'anonymous',
  'owner, read-only token',
  'admin, read-only token',
  'member, read-only token',
];

function actor(who: Who): Actor {
  if (who === 'anonymous') return { user: null, readonly: false, role: null };
  const role = who.startsWith('owner')
    ? 'owner'
    : who.startsWith('admin')
      ? 'admin'
      : who.startsWith('member')
        ? 'member'
        : null;
  return { user: { id: 7, username: 'u' }, readonly: who.endsWith('read-only token'), role };
}

/** ✓ allowed, or the status of the refusal; one column per actor in the order of WHO. */
type Row = [label: string, ...outcomes: Array<'✓' | 401 | 403 | 404>];
const ws = { namespace: 'acme', slug: 'acme-team' };
const skill = (visibility: 'public' | 'team' | 'private') => ({ name: '@acme/crm', namespace: 'acme', visibility });
/** An invitation to carol@acme.test, accepted by an account with `email`, verified or not. */
const invitation = (bindEmail: boolean, email: string, emailVerified: boolean) => ({
  namespace: 'acme',
  invitedEmail: 'carol@acme.test',
  bindEmail,
  account: { email, emailVerified },
});

const TABLE: Array<[Action, Resources[Action], Row]> = [
  //                                                                                        owner admin member other anon  owner-ro admin-ro member-ro
  ['skill.read', skill('public'), ['read a public skill', '✓', '✓', '✓', '✓', '✓', '✓', '✓', '✓']],
  ['skill.read', skill('team'), ['read a team skill', '✓', '✓', '✓', 403, 401, '✓', '✓', '✓']],
  ['skill.read', skill('private'), ['read a private skill', '✓', 404, 404, 404, 404, '✓', 404, 404]],
  ['skill.publish', { namespace: 'acme' }, ['publish into @acme', '✓', '✓', 403, 403, 401, 403, 403, 403]],
  ['skill.manage', skill('team'), ['change a team skill', '✓', '✓', 403, 403, 401, 403, 403, 403]],
  ['skill.manage', skill('private'), ['change a private skill', '✓', 404, 404, 404, 404, 403, 404, 404]],
  ['team.read', { namespace: 'acme' }, ['see the team', '✓', '✓', '✓', 403, 401, '✓', '✓', '✓']],
  ['team.invite', { namespace: 'acme', role: 'member' }, ['invite a member', '✓', '✓', 403, 403, 401, 403, 403, 403]],
  ['team.invite', { namespace: 'acme', role: 'admin' }, ['invite an admin', '✓', 403, 403, 403, 401, 403, 403, 403]],
  [
    'team.remove',
    { namespace: 'acme', targetRole: 'member' },
    ['remove a member', '✓', '✓', 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.remove',
    { namespace: 'acme', targetRole: 'admin' },
    ['remove an admin', '✓', 403, 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.remove',
    { namespace: 'acme', targetRole: 'owner' },
    ['remove the owner', 403, 403, 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.change-role',
    { namespace: 'acme', targetRole: 'member' },
    ['change a member’s role', '✓', 403, 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.change-role',
    { namespace: 'acme', targetRole: 'admin' },
    ['change an admin’s role', '✓', 403, 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.change-role',
    { namespace: 'acme', targetRole: 'owner' },
    ['change the owner’s role', 403, 403, 403, 403, 401, 403, 403, 403],
  ],
  ['team.leave', { namespace: 'acme' }, ['leave the team', 403, '✓', '✓', 404, 401, 403, 403, 403]],
  ['workspace.create', { namespace: 'acme' }, ['create a workspace', '✓', '✓', 403, 403, 401, 403, 403, 403]],
  ['workspace.read', ws, ['open a workspace', '✓', '✓', '✓', 404, 401, '✓', '✓', '✓']],
  ['workspace.manage', ws, ['install, uninstall, delete', '✓', '✓', 403, 404, 401, 403, 403, 403]],
  [
    'workspace.token.create',
    { ...ws, bind: 'self' },
    ['mint a token for oneself', '✓', '✓', '✓', 404, 401, 403, 403, 403],
  ],
  [
    'workspace.token.create',
    { ...ws, bind: 'shared' },
    ['mint a shared token', '✓', '✓', 403, 404, 401, 403, 403, 403],
  ],
  [
    'workspace.token.create',
    { ...ws, bind: 'member' },
    ['mint a token for another member', '✓', 403, 403, 404, 401, 403, 403, 403],
  ],
  ['workspace.token.read-all', ws, ['see every token', '✓', '✓', 403, 404, 401, '✓', '✓', 403]],
  ['workspace.token.revoke', { ...ws, own: true }, ['revoke one’s own token', '✓', '✓', '✓', 404, 401, 403, 403, 403]],
  [
    'workspace.token.revoke',
    { ...ws, own: false },
    ['revoke someone else’s token', '✓', '✓', 403, 404, 401, 403, 403, 403],
  ],
  ['workspace.audit.read', ws, ['read the audit log', '✓', '✓', 403, 404, 401, '✓', '✓', 403]],
  ['workspace.secret.list', ws, ['list secret names', '✓', '✓', '✓', 404, 401, '✓', '✓', '✓']],
  ['workspace.secret.manage', ws, ['set or delete a secret', '✓', '✓', 403, 404, 401, 403, 403, 403]],
  ['account.token.create', { readonly: false }, ['create a publish token', '✓', '✓', '✓', '✓', 401, 403, 403, 403]],
  ['account.token.create', { readonly: true }, ['create a read-only token', '✓', '✓', '✓', '✓', 401, '✓', '✓', '✓']],
  ['account.token.revoke', {}, ['revoke one of one’s tokens', '✓', '✓', '✓', '✓', 401, 403, 403, 403]],
  [
    'team.join',
    invitation(true, 'Carol@acme.test', true),
    ['join with the invited email, verified', '✓', '✓', '✓', '✓', 401, '✓', '✓', '✓'],
  ],
  [
    'team.join',
    invitation(true, 'carol@acme.test', false),
    ['join with the invited email, unverified', 403, 403, 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.join',
    invitation(true, 'mallory@evil.test', true),
    ['join with another email', 403, 403, 403, 403, 401, 403, 403, 403],
  ],
  [
    'team.join',
    invitation(false, 'mallory@evil.test', false),
    ['join an any-account invitation, unverified', '✓', '✓', '✓', '✓', 401, '✓', '✓', '✓'],
  ],
  ['account.password.change', {}, ['change one’s password', '✓', '✓', '✓', '✓', 401, 403, 403, 403]],
  ['account.email.resend', {}, ['mail a new verification link', '✓', '✓', '✓', '✓', 401, '✓', '✓', '✓']],
  ['cli.read', {}, ['install the served aerostack CLI', '✓', '✓', '✓', '✓', '✓', '✓', '✓', '✓']],
  ['cli.publish', {}, ['publish the name aerostack', 403, 403, 403, 403, 403, 403, 403, 403]],
  ...metricsRows(),
];

/** /metrics: decided by the address and the operator's token, the same for every account. */
function metricsRows(): Array<[Action, Resources[Action], Row]> {
  const rows: Array<[label: string, r: Resources['metrics.read'], outcome: '✓' | 401 | 403]> = [
    ['from loopback', { loopback: true, bearer: 'none', tokenSet: false }, '✓'],
    ['from loopback, a wrong token', { loopback: true, bearer: 'other', tokenSet: true }, '✓'],
    ['from elsewhere, no token set', { loopback: false, bearer: 'none', tokenSet: false }, 403],
    ['from elsewhere, a bearer but no token set', { loopback: false, bearer: 'other', tokenSet: false }, 403],
    ['from elsewhere, without the token', { loopback: false, bearer: 'none', tokenSet: true }, 401],
    ['from elsewhere, a wrong token', { loopback: false, bearer: 'other', tokenSet: true }, 401],
    ['from elsewhere, the token', { loopback: false, bearer: 'operator', tokenSet: true }, '✓'],
  ];
  return rows.map(([label, r, o]) => ['metrics.read', r, [`scrape /metrics ${label}`, o, o, o, o, o, o, o, o]]);
}

describe('policy: who may do what (the decision table)', () => {
  for (const [action, resource, [label, ...outcomes]] of TABLE) {
    it(`${action}: ${label}`, () => {
      const got = WHO.map((who) => {
        const d = can(actor(who), action, resource as never);
        return d.allowed ? '✓' : d.status;
      });
      assert.deepEqual(
        Object.fromEntries(WHO.map((w, i) => [w, got[i]])),
        Object.fromEntries(WHO.map((w, i) => [w, outcomes[i]])),
      );
    });
  }

  it('every refusal says why, naming the namespace or the workspace', () => {
    for (const [action, resource] of TABLE) {
      for (const who of WHO) {
        const d = can(actor(who), action, resource as never);
        if (!d.allowed)
          assert.ok(d.reason.length > 10 && !/undefined/.test(d.reason), `${action} for ${who}: ${d.reason}`);
      }
    }
  });

  it('keeps the messages users already see', () => {
    const refusal = (who: Who, action: Action, resource: unknown) => {
      const d = can(actor(who), action, resource as never);
      return d.allowed ? 'allowed' : `${d.status} ${d.reason}`;
    };
    assert.equal(refusal('other', 'skill.read', skill('team')), '403 You are not a member of @acme');
    assert.equal(
      refusal('anonymous', 'skill.read', skill('team')),
      '401 Sign in to access @acme/crm: it is shared with the @acme team only',
    );
    assert.equal(refusal('member', 'skill.read', skill('private')), '404 Skill @acme/crm not found');
    assert.equal(
      refusal('owner, read-only token', 'skill.publish', { namespace: 'acme' }),
      '403 This token is read-only; create a publish token to publish',
    );
    assert.equal(
      refusal('member', 'workspace.manage', ws),
      '403 Only the owner and admins of @acme can do that in workspace acme-team',
    );
    assert.equal(refusal('other', 'workspace.manage', ws), '404 No workspace "acme-team"');
    assert.equal(refusal('admin, read-only token', 'workspace.manage', ws), '403 This token is read-only');
    assert.equal(
      refusal('owner', 'workspace.hold', {
        ...ws,
        skill: { name: '@bob/internal', namespace: 'bob', visibility: 'team' },
      }),
      '403 @bob/internal is shared with the @bob team only; workspace acme-team belongs to @acme',
    );
    assert.equal(
      refusal('owner', 'workspace.hold', { ...ws, skill: skill('private') }),
      '403 @acme/crm is private; a workspace can hold only skills its team may read',
    );
    assert.equal(refusal('owner', 'workspace.hold', { ...ws, skill: skill('team') }), 'allowed');
    assert.equal(
      refusal('other', 'team.join', invitation(true, 'carol@acme.test', false)),
      '403 Verify your email before you join @acme: open the link we mailed to carol@acme.test, or run aerostack account verify --resend for a new one',
    );
    assert.equal(
      refusal('other', 'team.join', invitation(true, 'mallory@evil.test', true)),
      '403 This invitation was sent to carol@acme.test; sign in with the account that uses that email (you are u, mallory@evil.test)',
    );
    assert.equal(
      refusal('owner', 'workspace.hold', {
        ...ws,
        skill: { name: '@bob/pub', namespace: 'bob', visibility: 'public' },
      }),
      'allowed',
    );
  });
});
