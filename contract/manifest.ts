/**
 * The `aerostack.json` manifest that every published skill tarball carries.
 * It comes from an untrusted upload, so every field the registry relies on is validated here;
 * unknown keys are kept (passthrough) so newer clients can add fields without a registry release.
 */
import semver from 'semver';
import { z } from 'zod';
import { badRequest } from './errors.js';
import { ENV_NAME_RE, RESERVED_ENV_NAMES_RE, SKILL_SLUG_RE, SKILL_TOOL_NAME_RE } from './names.js';
import { NETWORK_TARGET_RE, parseNetworkTarget } from './network.js';

/** The commands a `type: "mcp"` skill may name: the gateway runs Node servers only, inside its sandbox. */
export const MCP_COMMANDS = ['node', 'nodejs'] as const;

/** zod error map: "is required" when the key is absent, else the field-specific complaint. */
const says = (problem: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : problem);

const text = (max: number) =>
  z
    .string({ error: says('must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

/**
 * A path inside the package, as `main` names it. Refuses anything that could point outside the
 * package once joined to an unpack directory: absolute paths, drive letters, `..` and backslashes.
 */
const relativePath = z
  .string({ error: says('must be a string') })
  .min(1, { error: 'must not be empty' })
  .max(1024, { error: 'must be at most 1024 characters' })
  .refine((p) => !p.startsWith('/') && !/^[a-zA-Z]:/.test(p), { error: 'must be a relative path' })
  .refine((p) => !p.includes('\\'), { error: 'must use "/" as separator, not "\\"' })
  .refine((p) => !p.split('/').includes('..'), { error: 'must not contain a ".." segment' })
  // Control characters (NUL above all) never name a real file and confuse logs and terminals.
  .refine((p) => !/\p{Cc}/u.test(p), { error: 'must not contain control characters' });

/**
 * One secret the skill reads, by name only: the value is set per workspace (`aerostack workspace
 * secret set`) and reaches the skill's process as an environment variable. `strictObject`, so a
 * `value` (or any other key that could carry one) is refused rather than published.
 */
const envEntry = z.strictObject(
  {
    name: z
      .string({ error: says('must be a string') })
      .regex(ENV_NAME_RE, { error: 'must be upper snake case such as CRM_API_KEY (1-64 of A-Z 0-9 _)' })
      .refine((n) => !RESERVED_ENV_NAMES_RE.test(n), {
        error: 'is set by the sandbox or changes how Node starts or connects; choose another name',
      }),
    description: text(512).optional(),
    required: z.boolean({ error: 'must be true or false' }).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `must not have ${issue.keys.map((k) => `"${k}"`).join(', ')}: a manifest names secrets, their values are set per workspace (aerostack workspace secret set)`
        : says('must be an object such as { "name": "CRM_API_KEY" }')(issue),
  },
);

const baseFields = {
  name: z.string({ error: says('must be a string') }).regex(SKILL_SLUG_RE, {
    error: 'must be a URL-safe slug: 1-64 of a-z 0-9 . _ -, starting with a letter or digit',
  }),
  // `semver.valid(v) === v` also refuses what semver would silently rewrite: "v1.0.0", "=1.0.0", " 1.0.0",
  // and "+build" metadata (dropped by semver, so 1.0.0+a and 1.0.0+b would be the same version).
  version: z.string({ error: says('must be a string') }).refine((v) => semver.valid(v) === v, {
    error: 'must be a valid semver version such as 1.2.3 (no leading "v", no "+build" suffix)',
  }),
  description: text(1024),
  category: text(64).optional(),
  tags: z
    .array(text(40), { error: says('must be an array of strings') })
    .max(20, { error: 'must have at most 20 entries' })
    .optional(),
  env: z
    .array(envEntry, {
      error: says('must be an array of { "name": "CRM_API_KEY" }: values are set per workspace, never published'),
    })
    .max(32, { error: 'must have at most 32 entries' })
    .refine((e) => new Set(e.map((x) => x.name)).size === e.length, { error: 'must not name a secret twice' })
    .optional(),
  // Absent or empty: the skill reaches no network at all.
  network: z
    .array(
      z
        .string({ error: 'must be a string' })
        .max(260, { error: 'must be at most 260 characters' })
        .refine((t) => NETWORK_TARGET_RE.test(t.toLowerCase()) && safeTarget(t), {
          error: 'must be host:port, such as "api.crm.acme.com:443" or "*.hubapi.com:443"',
        }),
      { error: says('must be an array of "host:port" strings') },
    )
    .max(32, { error: 'must have at most 32 entries' })
    .optional(),
};

const skillManifest = z.looseObject({
  ...baseFields,
  type: z.literal('skill'),
  tool: z.looseObject(
    {
      name: z.string({ error: says('must be a string') }).regex(SKILL_TOOL_NAME_RE, {
        error: 'must be snake_case: 1-64 of a-z 0-9 _, starting with a letter',
      }),
      description: text(2048),
      // MCP tool arguments are always a JSON object, so the schema's root must describe one.
      input_schema: z.looseObject(
        {
          type: z.literal('object', { error: says('must be "object"') }),
          properties: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
        },
        { error: says('must be a JSON Schema object') },
      ),
    },
    { error: says('must be an object') },
  ),
  main: relativePath,
});

/** One argument for the server: a string a Node program reads in process.argv, never a Node option. */
const serverArg = z
  .string({ error: 'must be a string' })
  .max(4096, { error: 'must be at most 4096 characters' })
  .refine((a) => !/\p{Cc}/u.test(a), { error: 'must not contain control characters' });

/**
 * The server file, run as `node [the sandbox's own flags] -- /skill/<file> ...args`: inside the
 * package, and never something Node or the sandbox could read as an option.
 */
const serverFile = relativePath.refine((p) => !p.startsWith('-'), {
  error:
    'must be the server file to run (such as "server.js"), not an option: a skill cannot set Node or sandbox options',
});

const mcpManifest = z.looseObject({
  ...baseFields,
  type: z.literal('mcp'),
  command: z.enum(MCP_COMMANDS, {
    error: says('must be "node": the gateway runs Node stdio servers, with the server file first in args'),
  }),
  args: z
    .tuple([serverFile], serverArg, { error: says('must be an array of strings: the server file, then its arguments') })
    .refine((a) => a.length <= 64, {
      error: 'must have at most 64 entries',
    }),
});

/**
 * An Agent Skill (agentskills.io): a folder with `SKILL.md` at the package root, plus `scripts/`,
 * `references/` and `assets/`. It runs in the user's agent, not in the gateway, so it has no tool,
 * command or main; its SKILL.md frontmatter is checked against the manifest at publish.
 */
const agentSkillManifest = z.looseObject({
  ...baseFields,
  type: z.literal('agent-skill'),
});

function safeTarget(t: string): boolean {
  try {
    parseNetworkTarget(t);
    return true;
  } catch {
    return false;
  }
}

/** The secrets a skill reads, `required` filled in (a declared secret is required unless it says otherwise). */
export function declaredSecrets(m: AerostackManifest): { name: string; description?: string; required: boolean }[] {
  return (m.env ?? []).map((e) => ({ ...e, required: e.required ?? true }));
}

/** The hosts a skill declares, lower-cased and without repeats, in the order given. */
export function declaredNetwork(m: AerostackManifest): string[] {
  return [...new Set((m.network ?? []).map((t) => t.toLowerCase()))];
}

export const aerostackManifestSchema = z.discriminatedUnion('type', [skillManifest, mcpManifest, agentSkillManifest], {
  error: 'must be "skill", "mcp" or "agent-skill"',
});

export type AerostackManifest = z.infer<typeof aerostackManifestSchema>;
export type SkillManifest = z.infer<typeof skillManifest>;
export type McpManifest = z.infer<typeof mcpManifest>;
export type AgentSkillManifest = z.infer<typeof agentSkillManifest>;

/** `tool.input_schema.type`, `tags[2]`: how a user would point at the field. */
function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    out += typeof seg === 'number' ? `[${seg}]` : `${out ? '.' : ''}${String(seg)}`;
  }
  return out;
}

/** Validate parsed `aerostack.json` content; throws a 400 naming every bad field (first few). */
export function parseManifest(json: unknown): AerostackManifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw badRequest('Invalid aerostack.json: must be a JSON object');
  }
  const result = aerostackManifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${fieldName(issue.path) || 'manifest'} ${issue.message}`);
  const more = result.error.issues.length > 5 ? `; and ${result.error.issues.length - 5} more` : '';
  throw badRequest(`Invalid aerostack.json: ${problems.join('; ')}${more}`, 'invalid_manifest');
}
