import { sql, type ExpressionBuilder, type ExpressionWrapper, type SqlBool } from 'kysely';
import type { Database, Db } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { badRequest } from '@aerostack/contract/errors.js';
import { SEARCH_COUNT_LIMIT, SEARCH_SCOPES, type SearchScope } from '@aerostack/contract/api.js';

export interface SearchQuery {
  text: string;
  size: number;
  from: number;
  /** `public`: the marketplace (public skills only, whoever asks); `team`: the team and private skills the viewer may read. */
  scope: SearchScope;
}

export interface SearchHit {
  name: string;
  namespace: string;
  version: string;
  description: string;
  keywords: string[];
  visibility: string;
  date: Date;
}

export const MAX_SEARCH_SIZE = 250;

/** Parses `/-/v1/search` query parameters with npm's defaults (size 20, from 0), and `scope` (default public). */
export function parseSearchQuery(q: Record<string, unknown>): SearchQuery {
  const scope = q.scope === undefined || q.scope === '' ? 'public' : q.scope;
  if (!(SEARCH_SCOPES as readonly unknown[]).includes(scope))
    throw badRequest(`scope must be one of ${SEARCH_SCOPES.join(', ')}`);
  const text = typeof q.text === 'string' ? q.text.trim().slice(0, 200) : '';
  const num = (v: unknown, dflt: number, name: string, max: number) => {
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest(`${name} must be a whole number from 0 to ${max}`);
    return n;
  };
  return {
    text,
    size: Math.max(1, num(q.size, 20, 'size', MAX_SEARCH_SIZE)),
    from: num(q.from, 0, 'from', 100_000),
    scope: scope as SearchScope,
  };
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Text search. The marketplace (scope `public`) lists public skills only, to everyone, as the product
 * page says; scope `team` lists the team and private skills the viewer may read (none for anonymous).
 * Every word must appear in the skill's `search_text` (name, description, keywords), which a trigram
 * index serves.
 *
 * Order: the exact name first, then names containing the first word, then the rest; each of those
 * tiers by most recently updated, then name. A common word matches 10,000 of 100,000 skills, and
 * ranking and counting all of them took 10-20 ms, so a search reads at most SEARCH_COUNT_LIMIT + 1
 * of them (or to the end of the page asked for, if further):
 * - when that is all of them, they are ranked and counted in one pass, as before;
 * - when there are more, `total` is that limit and `totalIsLowerBound` says so, and the page is read
 *   tier by tier (a later tier only while the page is short). In the marketplace a tier is first
 *   looked for among the most recently updated skills (an index, migration 0012), which holds the
 *   page whenever the tier is common; a rarer tier is read whole through the trigram indexes.
 * The planner cannot tell how many skills `LIKE '%word%'` matches, and with a LIMIT it then prefers
 * reading the whole table in the hope of stopping early: sequential scans are off for the search's
 * transaction (one snapshot, so the page and the total agree).
 */
export class SkillSearch {
  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
  ) {}

  async search(
    viewer: Viewer,
    q: SearchQuery,
  ): Promise<{ total: number; totalIsLowerBound: boolean; hits: SearchHit[] }> {
    const terms = q.text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    const first = terms[0] ?? '';
    const like = (term: string) => `%${escapeLike(term)}%`;
    const words =
      (ts: string[]): Cond =>
      (eb) =>
        eb.and(ts.map((t) => eb('search_text', 'like', like(t))));
    const matches = words(terms);
    const end = q.from + q.size;
    const limit = Math.max(SEARCH_COUNT_LIMIT, end);

    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const scoped = () => {
          const listed = trx.selectFrom('skills').where('latest_version', 'is not', null);
          return q.scope === 'public'
            ? listed.where('visibility', '=', 'public')
            : listed.where('visibility', '!=', 'public').where(this.access.visibleSkills(viewer));
        };
        const rank = sql<number>`case when slug = ${first} or name = ${first} then 0 when name like ${like(first)} then 1 else 2 end`;
        // The matches are ranked and counted on their few ordering columns (a materialized CTE), and
        // whole rows are read for the page alone.
        const rows = await trx
          .with(
            (w) => w('m').materialized(),
            () =>
              scoped()
                .where(matches)
                .select(['id', 'name', 'updated_at', rank.as('rank')])
                .limit(limit + 1),
          )
          .with('page', (qc) =>
            qc
              .selectFrom('m')
              .select(['id', 'rank', 'updated_at', 'name'])
              .orderBy('rank')
              .orderBy('updated_at', 'desc')
              .orderBy('name')
              .limit(q.size)
              .offset(q.from),
          )
          .selectFrom('page')
          .innerJoin('skills as s', 's.id', 'page.id')
          .select(HIT_COLUMNS)
          .select((eb) => eb.selectFrom('m').select(eb.fn.countAll<number>().as('n')).as('total'))
          .orderBy('page.rank')
          .orderBy('page.updated_at', 'desc')
          .orderBy('page.name')
          .execute();
        // A page past the end has no row to carry the count: ask for it alone.
        const counted = rows.length
          ? Number(rows[0]!.total)
          : q.from === 0
            ? 0
            : Number(
                (
                  await trx
                    .selectFrom(
                      scoped()
                        .where(matches)
                        .select(sql`1`.as('one'))
                        .limit(limit + 1)
                        .as('m'),
                    )
                    .select((eb) => eb.fn.countAll<number>().as('n'))
                    .executeTakeFirstOrThrow()
                ).n,
              );
        if (counted <= limit) return { total: counted, totalIsLowerBound: false, hits: rows.map(toHit) };

        // More matches than were read: the first `from + size`, tier by tier.
        const tiers: Cond[] = [
          (eb) => eb.and([matches(eb), eb.or([eb('slug', '=', first), eb('name', '=', first)])]),
          // The first word in the name implies it in `search_text` (which holds the name), so this
          // tier asks the name alone, which the trigram index on names (0012) serves.
          (eb) =>
            eb.and([
              words(terms.slice(1))(eb),
              eb('name', 'like', like(first)),
              eb('slug', '!=', first),
              eb('name', '!=', first),
            ]),
          (eb) => eb.and([matches(eb), eb('name', 'not like', like(first))]),
        ];
        const window = Math.max(MIN_PROBE, end * PROBE_FACTOR);
        const probing = q.scope === 'public' && window <= MAX_PROBE;
        // Tiers 1 and 2 looked for among the `window` most recently updated skills; the probe stops
        // at the page's end, and tier 2's runs only if tiers 0 and 1 leave the page short.
        const probe = (cond: Cond, rows = probing ? window : 0) =>
          trx
            .selectFrom(
              scoped()
                .select((eb) => ['id', 'updated_at', 'name', cond(eb).as('hit')])
                .orderBy('updated_at', 'desc')
                .orderBy('name')
                .limit(rows)
                .as('recent'),
            )
            .where('hit', '=', true)
            .select(['id', 'updated_at', 'name'])
            .orderBy('updated_at', 'desc')
            .orderBy('name')
            .limit(end);
        const found = await trx
          .with('t0', () =>
            scoped()
              .where(tiers[0]!)
              .select(['id', 'updated_at', 'name'])
              .orderBy('updated_at', 'desc')
              .orderBy('name')
              .limit(end),
          )
          .with('t1', () => probe(tiers[1]!))
          .with('t2', (qc) =>
            qc
              .selectFrom(probe(tiers[2]!).as('p'))
              .selectAll()
              .where(sql<boolean>`(select count(*) from t0) + (select count(*) from t1) < ${end}`),
          )
          .selectFrom((qc) =>
            qc
              .selectFrom('t0')
              .select(['id', sql<number>`0`.as('tier')])
              .unionAll(qc.selectFrom('t1').select(['id', sql<number>`1`.as('tier')]))
              .unionAll(qc.selectFrom('t2').select(['id', sql<number>`2`.as('tier')]))
              .as('f'),
          )
          .innerJoin('skills as s', 's.id', 'f.id')
          .select(['f.tier'])
          .select(HIT_COLUMNS)
          .orderBy('f.tier')
          .orderBy('s.updated_at', 'desc')
          .orderBy('s.name')
          .execute();
        const hits: SearchHit[] = [];
        for (const tier of [0, 1, 2]) {
          const want = end - hits.length;
          if (want <= 0) break;
          let got = found.filter((r) => Number(r.tier) === tier);
          // Tier 0 (limited to the page's end) is complete. A tier the probe found too few of: in a
          // large registry (a million skills) it may still hold thousands, so a longer probe, sized
          // from the hits seen, when that reads fewer rows than the whole tier would (`skills` rows
          // as the planner counted them).
          if (tier > 0 && probing && got.length > 0 && got.length < want) {
            const density = got.length / window;
            const longer = Math.ceil((1.5 * want) / density);
            const { rows: stats } = await sql<{ n: number }>`
              select reltuples::float8 as n from pg_class where oid = 'skills'::regclass`.execute(trx);
            if (longer <= MAX_LONG_PROBE && longer < density * Number(stats[0]?.n ?? 0)) {
              const more = await trx
                .selectFrom(probe(tiers[tier]!, longer).as('p'))
                .innerJoin('skills as s', 's.id', 'p.id')
                .select(sql<number>`${tier}`.as('tier'))
                .select(HIT_COLUMNS)
                .orderBy('s.updated_at', 'desc')
                .orderBy('s.name')
                .execute();
              if (more.length >= want) got = more;
            }
          }
          // Otherwise all its matches, ranked, materialized so the planner reads them through the
          // indexes that find them.
          if (tier > 0 && got.length < want)
            got = await trx
              .with(
                (w) => w('t').materialized(),
                () => scoped().where(tiers[tier]!).select(['id', 'updated_at', 'name']),
              )
              .with('top', (qc) =>
                qc.selectFrom('t').select(['id']).orderBy('updated_at', 'desc').orderBy('name').limit(want),
              )
              .selectFrom('top')
              .innerJoin('skills as s', 's.id', 'top.id')
              .select(sql<number>`${tier}`.as('tier'))
              .select(HIT_COLUMNS)
              .orderBy('s.updated_at', 'desc')
              .orderBy('s.name')
              .execute();
          hits.push(...got.slice(0, want).map(toHit));
        }
        return { total: limit, totalIsLowerBound: true, hits: hits.slice(q.from) };
      });
  }
}

type Cond = (eb: ExpressionBuilder<Database, 'skills'>) => ExpressionWrapper<Database, 'skills', SqlBool>;

const HIT_COLUMNS = [
  's.name',
  's.namespace',
  's.latest_version',
  's.description',
  's.keywords',
  's.visibility',
  's.updated_at',
] as const;

function toHit(r: {
  name: string;
  namespace: string;
  latest_version: string | null;
  description: string;
  keywords: string[];
  visibility: string;
  updated_at: Date;
}): SearchHit {
  return {
    name: r.name,
    namespace: r.namespace,
    version: r.latest_version!,
    description: r.description,
    keywords: r.keywords,
    visibility: r.visibility,
    date: r.updated_at,
  };
}

/**
 * A tier of the marketplace is first looked for among its PROBE_FACTOR × (from + size) (at least
 * MIN_PROBE) most recently updated skills; the probe stops at the page's end, so for a common tier it
 * reads a few hundred rows, and it holds the page for a tier in more than ~1 in 100 skills. Deeper
 * pages go straight to the tier's matches.
 */
const PROBE_FACTOR = 100;
const MIN_PROBE = 2000;
const MAX_PROBE = 20_000;
/** The longest second probe (rows): past it, reading the whole tier is cheaper anyway. */
const MAX_LONG_PROBE = 50_000;
