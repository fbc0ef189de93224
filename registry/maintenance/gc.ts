/**
 * `aerostack-registry gc`: removes tarball blobs that no live version references.
 *
 * Orphans are expected: a publish stores its blob first and commits the version row afterwards, so a
 * crash, a lost race (409) or a database outage in between leaves bytes nobody points at, and an
 * unpublish whose blob delete failed leaves them too. Those are harmless but take space.
 *
 * Safety against in-flight publishes (blob stored, row not yet committed): only blobs last written
 * more than `graceSeconds` ago are candidates, the live references are read *after* the blobs are
 * listed (so a row committed meanwhile is seen), and each candidate is checked again — its age in the
 * store and its reference in the database — right before it is deleted. A publish that re-uploads
 * bytes of an old orphan refreshes the blob's modification time, which takes it out of the candidates.
 */
import type { Db } from '../db/schema.js';
import type { BlobInfo, BlobStore } from '@aerostack/storage/blob-store.js';

export const TARBALL_PREFIX = 'tarballs/';
export const DEFAULT_GRACE_SECONDS = 3600;

export interface GcOptions {
  /** Blobs written less than this long ago are kept even when unreferenced. */
  graceSeconds?: number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** For tests. */
  now?: () => Date;
  /** Called for each blob removed (or that would be, in a dry run). */
  onRemove?: (blob: BlobInfo) => void;
}

export interface GcReport {
  dryRun: boolean;
  graceSeconds: number;
  /** Blobs found under `tarballs/`. */
  scanned: number;
  /** Distinct blob keys live versions reference. */
  referenced: number;
  removed: BlobInfo[];
  removedBytes: number;
  /** Unreferenced, but younger than the grace period (maybe an in-flight publish). */
  keptRecent: number;
  /** Keys live versions reference that the store does not hold (lost bytes: reported, not repaired). */
  missing: string[];
  /** Stale upload leftovers (filesystem store only). */
  uploads: { removed: number; bytes: number };
}

export async function collectGarbage(db: Db, blobs: BlobStore, opts: GcOptions = {}): Promise<GcReport> {
  const graceSeconds = opts.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
    throw new Error(`graceSeconds must be a number >= 0 (got ${graceSeconds})`);
  const now = opts.now ?? (() => new Date());
  const dryRun = opts.dryRun ?? false;
  const cutoff = () => new Date(now().getTime() - graceSeconds * 1000);
  const oldEnough = (b: BlobInfo) => b.modified.getTime() <= cutoff().getTime();

  // 1. What the store holds (first: see the module comment).
  const listed: BlobInfo[] = [];
  for await (const b of listWithDates(blobs, TARBALL_PREFIX, graceSeconds)) listed.push(b);

  // 2. What live versions reference, read after the listing.
  const rows = await db
    .selectFrom('skill_versions')
    .select('blob_key')
    .distinct()
    .where('unpublished_at', 'is', null)
    .execute();
  const live = new Set(rows.map((r) => r.blob_key));

  const report: GcReport = {
    dryRun,
    graceSeconds,
    scanned: listed.length,
    referenced: live.size,
    removed: [],
    removedBytes: 0,
    keptRecent: 0,
    missing: [],
    uploads: { removed: 0, bytes: 0 },
  };
  const present = new Set(listed.map((b) => b.key));
  report.missing = [...live].filter((k) => k.startsWith(TARBALL_PREFIX) && !present.has(k)).sort();

  for (const blob of listed) {
    if (live.has(blob.key)) continue;
    if (!oldEnough(blob)) {
      report.keptRecent += 1;
      continue;
    }
    if (!dryRun) {
      // 3. Look again right before deleting: re-uploaded since the listing, or referenced by a row
      // committed since the query? Then it stays.
      const fresh = blobs.stat ? await blobs.stat(blob.key) : blob;
      if (!fresh) continue;
      if (!oldEnough(fresh)) {
        report.keptRecent += 1;
        continue;
      }
      const ref = await db
        .selectFrom('skill_versions')
        .select('id')
        .where('blob_key', '=', blob.key)
        .where('unpublished_at', 'is', null)
        .executeTakeFirst();
      if (ref) continue;
      await blobs.delete(blob.key);
    }
    report.removed.push(blob);
    report.removedBytes += blob.size;
    opts.onRemove?.(blob);
  }

  if (blobs.sweepUploads) report.uploads = await blobs.sweepUploads(cutoff(), { dryRun });
  return report;
}

/**
 * Blobs with their ages. A store that cannot tell ages gets none collected unless the grace period is
 * zero (the operator says nothing is publishing): an unknown age counts as brand new.
 */
async function* listWithDates(blobs: BlobStore, prefix: string, graceSeconds: number): AsyncIterable<BlobInfo> {
  if (blobs.listDetailed) {
    yield* blobs.listDetailed(prefix);
    return;
  }
  for await (const key of blobs.list(prefix)) {
    const info = blobs.stat
      ? await blobs.stat(key)
      : await blobs
          .head(key)
          .then((h) => h && { key, size: h.size, modified: graceSeconds === 0 ? new Date(0) : new Date() });
    if (info) yield info;
  }
}

/** The lines `aerostack-registry gc` prints. */
export function formatGcReport(r: GcReport): string {
  const lines: string[] = [];
  const verb = r.dryRun ? 'Would remove' : 'Removed';
  for (const b of r.removed)
    lines.push(
      `  ${r.dryRun ? 'would remove' : 'removed'} ${b.key} (${b.size} bytes, last written ${b.modified.toISOString()})`,
    );
  lines.push(
    `✓ ${verb} ${r.removed.length} unreferenced blob${r.removed.length === 1 ? '' : 's'} (${r.removedBytes} bytes)${r.dryRun ? ' (dry run: nothing was deleted)' : ''}`,
  );
  if (r.uploads.removed)
    lines.push(
      `✓ ${verb} ${r.uploads.removed} stale upload leftover${r.uploads.removed === 1 ? '' : 's'} (${r.uploads.bytes} bytes)`,
    );
  if (r.keptRecent)
    lines.push(
      `  Kept ${r.keptRecent} unreferenced blob${r.keptRecent === 1 ? '' : 's'} written in the last ${r.graceSeconds} s (a publish may be in flight; --grace-seconds changes this)`,
    );
  lines.push(
    `  Scanned ${r.scanned} blob${r.scanned === 1 ? '' : 's'}; ${r.referenced} referenced by published versions`,
  );
  if (r.missing.length) {
    lines.push(
      `! ${r.missing.length} published version blob${r.missing.length === 1 ? ' is' : 's are'} missing from storage:`,
    );
    for (const k of r.missing.slice(0, 20)) lines.push(`  missing ${k}`);
  }
  return lines.join('\n') + '\n';
}

/** `--grace-seconds N` and `--dry-run` (also `--grace-seconds=N`); throws a one-line message on bad input. */
export function parseGcArgs(argv: string[]): { graceSeconds: number; dryRun: boolean } {
  let graceSeconds = DEFAULT_GRACE_SECONDS;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--grace-seconds' || arg.startsWith('--grace-seconds=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined || !/^\d{1,9}$/.test(value))
        throw new Error(`--grace-seconds needs a whole number of seconds (got ${JSON.stringify(value ?? '')})`);
      graceSeconds = Number(value);
    } else throw new Error(`Unknown option "${arg}" for gc`);
  }
  return { graceSeconds, dryRun };
}
