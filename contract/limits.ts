/** The default bounds of a published tarball: the registry's (configurable) and the CLI's own check before it uploads. */
export interface TarballLimits {
  /** Largest compressed tarball. */
  maxTarballBytes: number;
  /** Largest decompressed tarball (gzip bombs stop here). */
  maxUnpackedBytes: number;
  /** Most files and folders in one tarball. */
  maxEntries: number;
}

/**
 * Sized for an MCP server that bundles its dependencies (`skill publish` packs node_modules): the
 * `skill init --type mcp` template with @modelcontextprotocol/sdk 1.32 and zod 4.6 installed packs to
 * 3.4 MiB, unpacks to 16.6 MiB in 3,687 files (4,255 entries with folder entries, which npm does not
 * write). Each limit is 3.5-4 times that. Raising maxTarballBytes also raises the JSON body limit.
 */
export const DEFAULT_TARBALL_LIMITS: Readonly<TarballLimits> = Object.freeze({
  maxTarballBytes: 12 * 1024 * 1024,
  maxUnpackedBytes: 64 * 1024 * 1024,
  maxEntries: 15_000,
});

/** npm's rule: a version may be unpublished only this long after it was published. */
export const UNPUBLISH_WINDOW_MS = 72 * 3600 * 1000;

/** Largest workspace secret value (a PEM key fits; an environment variable is no place for more). */
export const MAX_SECRET_BYTES = 16 * 1024;

/**
 * What the registry keeps per version to show what a skill provides (the skill page, `skill info`):
 * the file list, and the tools an MCP server listed the first time it ran. The server is hostile, so
 * each tool's schema and the whole list are bounded; what does not fit is dropped and said so.
 */
export const PROVIDES_LIMITS = Object.freeze({
  maxFiles: 1000,
  /** The listed paths together, in characters. */
  maxFilesChars: 128 * 1024,
  maxTools: 128,
  maxToolNameChars: 128,
  maxToolDescriptionChars: 2048,
  /** A tool's input schema as JSON; a larger one is kept as null ("too large to show"). */
  maxSchemaBytes: 16 * 1024,
  /** All the tools together, as JSON. */
  maxToolsBytes: 256 * 1024,
});

/** Password length bounds, the same for sign-up, reset and change (and the dashboard's form hints). */
export const PASSWORD_LENGTH = Object.freeze({ min: 8, max: 1024 });

/** What is wrong with a new password, or null: the one rule sign-up, reset and change apply. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_LENGTH.min) return `Password must be at least ${PASSWORD_LENGTH.min} characters`;
  if (password.length > PASSWORD_LENGTH.max) return `Password is too long (at most ${PASSWORD_LENGTH.max} characters)`;
  return null;
}
