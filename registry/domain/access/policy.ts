/**
 * Who may do what: every authorization decision of the registry, in one pure function, as
 * Verdaccio's `can()` is for its routes. Services ask `can(actor, action, resource)` (or `assertCan`)
 * before they act; the decision table is tested row by row (test/unit/policy.test.ts).
 *
 * The actor's role is its role in the resource's namespace: AccessControl.actorIn reads it from the
 * database on every request, so a removed member is refused on the very next one.
 */
import type { Role, Visibility } from '@aerostack/contract/api.js';
import { DomainError } from '@aerostack/contract/errors.js';
import { CLI_PACKAGE_NAME } from '@aerostack/contract/names.js';
import { decideRead } from './visibility.js';

export interface Actor {
  /** null: anonymous. */
  user: { id: number; username: string } | null;
  /** The credential is a read-only token: it writes nothing. */
  readonly: boolean;
  /** The actor's role in the resource's namespace; null when it has none. */
  role: Role | null;
}

interface SkillRef {
  name: string;
  namespace: string;
  visibility: Visibility;
}
interface WorkspaceRef {
  namespace: string;
  slug: string;
}

/** Each action, and what the decision needs to know of the resource. */
export interface Resources {
  /** Read a skill: packument, tarball, dist-tags, info, install. */
  'skill.read': SkillRef;
  /** Publish a version into the namespace. */
  'skill.publish': { namespace: string };
  /** Change a skill: visibility, dist-tags, deprecate, unpublish (after `skill.read`). */
  'skill.manage': SkillRef;
  /** See the team's members and pending invitations. */
  'team.read': { namespace: string };
  'team.invite': { namespace: string; role: 'member' | 'admin' };
  'team.remove': { namespace: string; targetRole: Role };
  /** Make a member an admin or an admin a member; `targetRole` is the member's role now. */
  'team.change-role': { namespace: string; targetRole: Role };
  'team.leave': { namespace: string };
  /**
   * Accept an invitation. One bound to an email needs an account whose email is that one AND is
   * verified (a leaked link is no way in); an `--any-account` invitation takes any signed-in account.
   */
  'team.join': {
    namespace: string;
    invitedEmail: string;
    bindEmail: boolean;
    account: { email: string; emailVerified: boolean };
  };
  'workspace.create': { namespace: string };
  /** Open a workspace: its skills and the gateway URL. Outsiders get a 404, as if it did not exist. */
  'workspace.read': WorkspaceRef;
  /** Delete it, install and uninstall skills. */
  'workspace.manage': WorkspaceRef;
  /** Whether the workspace may hold the skill at all: every member of its namespace must read it. */
  'workspace.hold': WorkspaceRef & { skill: SkillRef };
  /** Mint an `mwt_` token bound to the actor, to another member, or to no one (shared). */
  'workspace.token.create': WorkspaceRef & { bind: 'self' | 'member' | 'shared' };
  /** See every token of the workspace (members see their own). */
  'workspace.token.read-all': WorkspaceRef;
  /** Revoke a token; `own`: bound to, or created by, the actor. */
  'workspace.token.revoke': WorkspaceRef & { own: boolean };
  'workspace.audit.read': WorkspaceRef;
  /** See the names of the workspace's secrets, who set them and when (never a value: nothing reads those back). */
  'workspace.secret.list': WorkspaceRef;
  /** Set or delete a secret that the workspace's skills are given. */
  'workspace.secret.manage': WorkspaceRef;
  /** Create an `aer_` user token; a read-only token may create only read-only ones. */
  'account.token.create': { readonly: boolean };
  'account.token.revoke': Record<string, never>;
  /** Change one's password (the current one is checked by the service). */
  'account.password.change': Record<string, never>;
  /** Have the verification link mailed again. */
  'account.email.resend': Record<string, never>;
  /** Read the CLI every registry serves as the unscoped `aerostack` package: packument, tarball, dist-tags. */
  'cli.read': Record<string, never>;
  /** Publish, tag, deprecate or unpublish that name: the registry builds it from its own code. */
  'cli.publish': Record<string, never>;
  /**
   * Scrape `/metrics` (AEROSTACK_METRICS). Granted by where the request comes from or by the
   * operator's AEROSTACK_METRICS_TOKEN, never by an account: the figures name every workspace and
   * skill, and no user's role reaches past their own namespaces.
   */
  'metrics.read': {
    /** The client address (express's `req.ip`, so behind a loopback proxy the forwarded one) is loopback. */
    loopback: boolean;
    /** The bearer sent, compared in constant time with AEROSTACK_METRICS_TOKEN. */
    bearer: 'none' | 'operator' | 'other';
    /** AEROSTACK_METRICS_TOKEN is set. */
    tokenSet: boolean;
  };
}
export type Action = keyof Resources;

export type Decision = { allowed: true } | { allowed: false; status: 401 | 403 | 404; reason: string };

const allow: Decision = { allowed: true };
const deny = (status: 401 | 403 | 404, reason: string): Decision => ({ allowed: false, status, reason });
const READ_ONLY = 'This token is read-only';
const SIGN_IN = 'Sign in first (aerostack login)';
const CLI_RESERVED = `The name ${CLI_PACKAGE_NAME} is reserved for the Aerostack CLI, which every registry serves itself; publish skills as @<username>/<skill>`;
const manages = (role: Role | null) => role === 'owner' || role === 'admin';

export function can<A extends Action>(actor: Actor, action: A, resource: Resources[A]): Decision {
  return RULES[action](actor, resource);
}

/** The viewer for actions on its own account, where no namespace (and so no role) is involved. */
export const accountActor = (viewer: { user: Actor['user']; token: { readonly: boolean } | null }): Actor => ({
  user: viewer.user,
  readonly: viewer.token?.readonly ?? false,
  role: null,
});

/** `can`, throwing its refusal as the DomainError routes answer with. */
export function assertCan<A extends Action>(actor: Actor, action: A, resource: Resources[A]): void {
  const d = can(actor, action, resource);
  if (!d.allowed) throw new DomainError(d.status, d.reason);
}

type Rule<A extends Action> = (a: Actor, r: Resources[A]) => Decision;

const RULES: { [A in Action]: Rule<A> } = {
  'skill.read': (a, r) => {
    const d = decideRead(
      r.visibility,
      !a.user ? 'anonymous' : a.role === 'owner' ? 'owner' : a.role ? 'member' : 'other',
      r,
    );
    return d.allowed ? allow : deny(d.status, d.error);
  },
  'skill.publish': (a, r) => {
    if (!a.user) return deny(401, 'Sign in to publish (aerostack login, or npm adduser)');
    if (a.readonly) return deny(403, 'This token is read-only; create a publish token to publish');
    return manages(a.role) ? allow : deny(403, `You do not have permission to publish to @${r.namespace}`);
  },
  'skill.manage': (a, r) => {
    const read = RULES['skill.read'](a, r);
    return read.allowed ? RULES['skill.publish'](a, r) : read;
  },
  'team.read': (a, r) => {
    if (!a.user) return deny(401, SIGN_IN);
    return a.role ? allow : deny(403, `You are not a member of @${r.namespace}`);
  },
  'team.invite': (a, r) => {
    const managing = manageTeam(a, r.namespace);
    if (!managing.allowed) return managing;
    return r.role === 'admin' && a.role !== 'owner'
      ? deny(403, `Only the owner of @${r.namespace} can invite admins`)
      : allow;
  },
  'team.remove': (a, r) => {
    const managing = manageTeam(a, r.namespace);
    if (!managing.allowed) return managing;
    if (r.targetRole === 'owner') return deny(403, `The owner of @${r.namespace} cannot be removed`);
    return r.targetRole === 'admin' && a.role !== 'owner'
      ? deny(403, `Only the owner of @${r.namespace} can remove an admin`)
      : allow;
  },
  'team.change-role': (a, r) => {
    const managing = manageTeam(a, r.namespace);
    if (!managing.allowed) return managing;
    if (a.role !== 'owner') return deny(403, `Only the owner of @${r.namespace} can change roles`);
    // The owner is the namespace's account itself: a role change would hand the namespace away.
    return r.targetRole === 'owner'
      ? deny(403, `The owner of @${r.namespace} keeps the owner role; it cannot be changed with team role`)
      : allow;
  },
  'team.leave': (a, r) => {
    if (!a.user) return deny(401, SIGN_IN);
    if (a.readonly) return deny(403, READ_ONLY);
    if (a.role === 'owner') return deny(403, `You own @${r.namespace}; an owner cannot leave its own namespace`);
    return a.role ? allow : deny(404, `You are not a member of @${r.namespace}`);
  },
  'team.join': (a, r) => {
    if (!a.user) return deny(401, 'Sign in (or sign up) first, then join');
    if (!r.bindEmail) return allow;
    if (r.invitedEmail.toLowerCase() !== r.account.email.toLowerCase())
      return deny(
        403,
        `This invitation was sent to ${r.invitedEmail}; sign in with the account that uses that email (you are ${a.user.username}, ${r.account.email})`,
      );
    return r.account.emailVerified
      ? allow
      : deny(
          403,
          `Verify your email before you join @${r.namespace}: open the link we mailed to ${r.account.email}, or run aerostack account verify --resend for a new one`,
        );
  },
  'workspace.create': (a, r) => {
    if (!a.user) return deny(401, SIGN_IN);
    if (!manages(a.role)) return deny(403, `Only the owner and admins of @${r.namespace} can create its workspaces`);
    return a.readonly ? deny(403, READ_ONLY) : allow;
  },
  'workspace.read': (a, r) => {
    if (!a.user) return deny(401, SIGN_IN);
    return a.role ? allow : deny(404, `No workspace "${r.slug}"`);
  },
  'workspace.manage': (a, r) => manageWorkspace(a, r),
  'workspace.hold': (_a, r) => {
    const { skill } = r;
    if (skill.visibility === 'public' || (skill.visibility === 'team' && skill.namespace === r.namespace)) return allow;
    return deny(
      403,
      skill.visibility === 'private'
        ? `${skill.name} is private; a workspace can hold only skills its team may read`
        : `${skill.name} is shared with the @${skill.namespace} team only; workspace ${r.slug} belongs to @${r.namespace}`,
    );
  },
  'workspace.token.create': (a, r) => {
    const read = RULES['workspace.read'](a, r);
    if (!read.allowed) return read;
    if (a.readonly) return deny(403, READ_ONLY);
    if (r.bind === 'self') return allow;
    if (r.bind === 'shared')
      return manages(a.role)
        ? allow
        : deny(
            403,
            `Only the owner and admins of @${r.namespace} can mint shared tokens; members mint tokens bound to themselves`,
          );
    return a.role === 'owner'
      ? allow
      : deny(403, `Only the owner of @${r.namespace} can mint a token for another member`);
  },
  'workspace.token.read-all': (a, r) => {
    const read = RULES['workspace.read'](a, r);
    if (!read.allowed) return read;
    return manages(a.role)
      ? allow
      : deny(403, `Only the owner and admins of @${r.namespace} can do that in workspace ${r.slug}`);
  },
  'workspace.token.revoke': (a, r) => {
    const read = RULES['workspace.read'](a, r);
    if (!read.allowed) return read;
    if (a.readonly) return deny(403, READ_ONLY);
    return r.own || manages(a.role)
      ? allow
      : deny(
          403,
          `Only the owner and admins of @${r.namespace} can revoke other people's tokens in workspace ${r.slug}`,
        );
  },
  'workspace.audit.read': (a, r) => manageWorkspace(a, r, { write: false }),
  // Members see which secrets exist (a tool's error names the one missing); values are never read back.
  'workspace.secret.list': (a, r) => RULES['workspace.read'](a, r),
  'workspace.secret.manage': (a, r) => {
    const read = RULES['workspace.read'](a, r);
    if (!read.allowed) return read;
    if (!manages(a.role))
      return deny(403, `Only the owner and admins of @${r.namespace} can set or delete secrets of workspace ${r.slug}`);
    return a.readonly ? deny(403, READ_ONLY) : allow;
  },
  'account.token.create': (a, r) => {
    if (!a.user) return deny(401, 'Authentication required');
    return a.readonly && !r.readonly ? deny(403, 'A read-only token can only create read-only tokens') : allow;
  },
  'account.token.revoke': (a) => {
    if (!a.user) return deny(401, 'Authentication required');
    return a.readonly ? deny(403, READ_ONLY) : allow;
  },
  'account.password.change': (a) => {
    if (!a.user) return deny(401, SIGN_IN);
    return a.readonly ? deny(403, 'This token is read-only; it cannot change the password') : allow;
  },
  'account.email.resend': (a) => (a.user ? allow : deny(401, SIGN_IN)),
  // Like a public package: anyone, signed in or not, installs the CLI (`npm install -g aerostack`).
  'cli.read': () => allow,
  // Nobody, the registry's own operator included: a published `aerostack` would shadow the real CLI.
  'cli.publish': () => deny(403, CLI_RESERVED),
  'metrics.read': (_a, r) => {
    if (r.loopback || (r.tokenSet && r.bearer === 'operator')) return allow;
    if (!r.tokenSet)
      return deny(403, 'Metrics are served to loopback only; set AEROSTACK_METRICS_TOKEN to scrape from elsewhere');
    return deny(
      401,
      r.bearer === 'none'
        ? 'Send the metrics token: Authorization: Bearer <AEROSTACK_METRICS_TOKEN>'
        : 'This is not the metrics token (AEROSTACK_METRICS_TOKEN)',
    );
  },
};

function manageTeam(a: Actor, namespace: string): Decision {
  if (!a.user) return deny(401, SIGN_IN);
  if (a.readonly) return deny(403, READ_ONLY);
  if (manages(a.role)) return allow;
  return deny(
    403,
    a.role === 'member'
      ? `Only the owner and admins of @${namespace} can manage its team`
      : `You are not a member of @${namespace}`,
  );
}

function manageWorkspace(a: Actor, r: WorkspaceRef, opts: { write: boolean } = { write: true }): Decision {
  const read = RULES['workspace.read'](a, r);
  if (!read.allowed) return read;
  if (!manages(a.role))
    return deny(403, `Only the owner and admins of @${r.namespace} can do that in workspace ${r.slug}`);
  return opts.write && a.readonly ? deny(403, READ_ONLY) : allow;
}
