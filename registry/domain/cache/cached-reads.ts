import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import ssri from 'ssri';
import { DomainError } from '@aerostack/contract/errors.js';
import type { ChangeEpoch } from '../../db/change-epoch.js';
import type { Skill } from '../../db/schema.js';
import type { CacheStats, Metrics } from '../../metrics/metrics.js';
import { anonymousViewer, type Viewer } from '../access/viewer.js';
import { LAST_USED_GRANULARITY_MS, type UserTokens } from '../accounts/user-tokens.js';
import type { Clock } from '../clock.js';
import type { PackageDocuments, PackumentBody } from '../packages/package-documents.js';
import type { SkillReads, TarballRef } from '../packages/skill-reads.js';
import { CredentialCache } from './credential-cache.js';
import { EpochCache } from './epoch-cache.js';

const MB = 1024 * 1024;
/** What the access module answers for a name the viewer may not read, or that does not exist. */
const REFUSALS = new Set([401, 403, 404]);
/** Larger tarballs are streamed from the store every time. */
const MAX_CACHED_TARBALL_BYTES = MB;

export type TarballBody = TarballRef & ({ bytes: Buffer; size: number } | { stream: Readable; size: number });

/**
 * npm's two hot reads — the package document and the tarball — answered from memory while nothing
 * they depend on has changed. Every answer is first computed by the uncached services (tokens,
 * `SkillReads.findReadable` and so the access-control module), and reused only under the same
 * change epoch, read once per request: a revoked token, a removed member, a visibility switch or a
 * publish is seen by the very next request, on any instance. Tarball bytes are content-addressed,
 * so they are kept (small ones, once checked against their integrity) regardless of the epoch —
 * which also keeps them downloadable while object storage is down; whether the viewer may have them
 * is decided per epoch like the rest.
 */
export class CachedReads {
  private readonly tokens: CredentialCache<Viewer>;
  /** `<user id or anon>|<name>` → the skill, once the access module has let that viewer read it. */
  private readonly grants: EpochCache<Skill>;
  /**
   * `<user id or anon>|<name>` → why the access module refused (401, 403, 404). Kept apart from the
   * grants, so that requests for made-up names cannot push those out: refusals then cost what hits
   * cost, and a publish, a new member or a visibility switch still shows on the next request.
   */
  private readonly refusals: EpochCache<DomainError>;
  private readonly documents: EpochCache<PackumentBody>;
  private readonly tarballRefs: EpochCache<TarballRef>;
  private readonly blobBytes: LRUCache<string, Buffer> | null;
  private readonly blobStats: CacheStats;

  constructor(
    private readonly deps: {
      epoch: ChangeEpoch;
      userTokens: UserTokens;
      reads: SkillReads;
      documents: PackageDocuments;
      clock: Clock;
      /** Memory for tarball bytes (0: none). */
      tarballCacheBytes: number;
      /** Where each cache's hits and misses are counted. */
      metrics: Metrics;
    },
  ) {
    const { metrics } = deps;
    this.tokens = new CredentialCache<Viewer>(LAST_USED_GRANULARITY_MS, {
      accepted: metrics.cache('user_tokens'),
      refused: metrics.cache('user_token_refusals'),
    });
    this.grants = new EpochCache<Skill>({ max: 50_000, stats: metrics.cache('grants') });
    this.refusals = new EpochCache<DomainError>({ max: 20_000, stats: metrics.cache('refusals') });
    this.documents = new EpochCache<PackumentBody>({
      max: 5_000,
      maxSize: 64 * MB,
      sizeOf: (d) => d.body.length || 1,
      stats: metrics.cache('documents'),
    });
    this.tarballRefs = new EpochCache<TarballRef>({ max: 20_000, stats: metrics.cache('tarball_refs') });
    this.blobStats = metrics.cache('tarball_bytes');
    const maxSize = deps.tarballCacheBytes;
    this.blobBytes =
      maxSize > 0
        ? new LRUCache<string, Buffer>({
            maxSize,
            maxEntrySize: Math.min(maxSize, MAX_CACHED_TARBALL_BYTES),
            sizeCalculation: (b) => b.length || 1,
          })
        : null;
  }

  async packument(bearer: string | null, name: string, opts: { abbreviated: boolean }): Promise<PackumentBody> {
    const epoch = await this.deps.epoch.current();
    const skill = await this.readable(await this.viewer(bearer, epoch), name, epoch);
    return this.documents.getOrLoad(`${skill.id}|${opts.abbreviated ? 'a' : 'f'}`, epoch, () =>
      this.deps.documents.render(skill, opts),
    );
  }

  async tarball(bearer: string | null, name: string, fileName: string): Promise<TarballBody> {
    const epoch = await this.deps.epoch.current();
    const skill = await this.readable(await this.viewer(bearer, epoch), name, epoch);
    const ref = await this.tarballRefs.getOrLoad(`${skill.id}|${fileName}`, epoch, () =>
      this.deps.reads.tarballRef(skill, fileName),
    );
    const cached = this.blobBytes?.get(ref.blobKey);
    if (cached) {
      this.blobStats.hit();
      return { ...ref, bytes: cached, size: cached.length };
    }
    if (this.blobBytes) this.blobStats.miss();
    const blob = await this.deps.reads.openTarball(skill, ref);
    if (!this.blobBytes || blob.size > MAX_CACHED_TARBALL_BYTES) return { ...ref, ...blob };
    const bytes = Buffer.concat(await blob.stream.toArray());
    // Only bytes that match the published integrity are kept: a blob damaged in storage is served
    // as it is (the client's check refuses it) but never pinned in memory beyond its repair.
    if (ssri.checkData(bytes, ref.integrity)) this.blobBytes.set(ref.blobKey, bytes);
    return { ...ref, bytes, size: bytes.length };
  }

  /** The viewer a bearer secret stands for (anonymous without one); refusals are cached as answers are. */
  private async viewer(bearer: string | null, epoch: number): Promise<Viewer> {
    if (bearer === null) return anonymousViewer;
    return this.tokens.get('aer', bearer, epoch, this.deps.clock.now().getTime(), async () => {
      const t = await this.deps.userTokens.resolve(bearer);
      return { value: t.viewer, expiresAt: t.expiresAt?.getTime() ?? null, lastUsedAt: t.lastUsedAt.getTime() };
    });
  }

  private async readable(viewer: Viewer, name: string, epoch: number): Promise<Skill> {
    const key = `${viewer.user?.id ?? 'anon'}|${name}`;
    const refusal = this.refusals.get(key, epoch);
    if (refusal) throw refusal;
    try {
      return await this.grants.getOrLoad(key, epoch, () => this.deps.reads.findReadable(viewer, name));
    } catch (err) {
      if (err instanceof DomainError && REFUSALS.has(err.status)) this.refusals.set(key, err, epoch);
      throw err;
    }
  }
}
