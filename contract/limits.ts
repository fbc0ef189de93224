/** The default bounds of a published tarball: the registry's (configurable) and the CLI's own check before it uploads. */
export interface TarballLimits {
  /** Largest compressed tarball. */
  maxTarballBytes: number;
  /** Largest decompressed tarball (gzip bombs stop here). */
  maxUnpackedBytes: number;
  /** Most files and folders in one tarball. */
  maxEntries: number;
}

export const DEFAULT_TARBALL_LIMITS: Readonly<TarballLimits> = Object.freeze({
  maxTarballBytes: 10 * 1024 * 1024,
  maxUnpackedBytes: 50 * 1024 * 1024,
  maxEntries: 5000,
});

/** npm's rule: a version may be unpublished only this long after it was published. */
export const UNPUBLISH_WINDOW_MS = 72 * 3600 * 1000;
