import ssri from 'ssri';

/**
 * Content-addressed key for a tarball: `tarballs/sha512/<2 hex>/<128 hex>`.
 * The two-character fan-out keeps any one directory (FS) or listing page (S3) small.
 * Throws when `integrity` carries no well-formed sha512 digest: keys must not depend on weaker hashes.
 */
export function blobKeyFor(integrity: string): string {
  const hash = ssri.parse(integrity).sha512?.[0];
  const hex = hash ? Buffer.from(hash.digest, 'base64').toString('hex') : '';
  if (!/^[0-9a-f]{128}$/.test(hex)) {
    throw new Error(`blobKeyFor: expected a sha512 SRI string, got ${JSON.stringify(integrity.slice(0, 40))}`);
  }
  return `tarballs/sha512/${hex.slice(0, 2)}/${hex}`;
}

/**
 * Keys are relative, `/`-separated paths. Anything that could escape a root directory or mean two
 * different things on two backends is a programming error, so it throws a plain Error.
 * `.tmp/…` is reserved for the filesystem store's in-flight uploads.
 */
export function assertValidBlobKey(key: string): void {
  const bad =
    typeof key !== 'string' ||
    key === '' ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.includes('..') ||
    key.split('/').some((seg) => seg === '' || seg === '.') ||
    key === '.tmp' ||
    key.startsWith('.tmp/');
  if (bad) throw new Error(`Invalid blob key ${JSON.stringify(key)}`);
}

/** A list prefix may be empty or end mid-segment, but must not try to climb out of the store. */
export function assertValidBlobPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.startsWith('/') || prefix.includes('\\') || prefix.includes('..')) {
    throw new Error(`Invalid blob prefix ${JSON.stringify(prefix)}`);
  }
}
