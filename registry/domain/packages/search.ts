import { sql } from 'kysely';
import type { Db } from '../../db/schema.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { badRequest } from '@aerostack/contract/errors.js';
import { SEARCH_SCOPES, type SearchScope } from '@aerostack/contract/api.js';

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
 * index serves; the total comes from the same query as the page.
 */
export class SkillSearch {
  constructor(
    private readonly db: Db,
    private readonly access: AccessControl,
  ) {}

  async search(viewer: Viewer, q: SearchQuery): Promise<{ total: number; hits: SearchHit[] }> {
    const { db, access } = this;
    const terms = q.text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    let base = db.selectFrom('skills').where('latest_version', 'is not', null);
    base =
      q.scope === 'public'
        ? base.where('visibility', '=', 'public')
        : base.where('visibility', '!=', 'public').where(access.visibleSkills(viewer));
    for (const term of terms) base = base.where('search_text', 'like', `%${escapeLike(term)}%`);
    const first = terms[0] ?? '';
    // Exact name first, then names containing the text, then the most recently updated. The matches
    // are ranked and counted with their few ordering columns only (a materialized CTE), and whole rows
    // are read for the page alone: a frequent word matches 10,000 of 100,000 skills, and counting and
    // sorting those as whole rows took a third of the time.
    const rank = sql<number>`case when slug = ${first} or name = ${first} then 0 when name like ${`%${escapeLike(first)}%`} then 1 else 2 end`;
    const rows = await db
      .with(
        (w) => w('m').materialized(),
        () => base.select(['id', 'name', 'updated_at', rank.as('rank')]),
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
      .select([
        's.name',
        's.namespace',
        's.latest_version',
        's.description',
        's.keywords',
        's.visibility',
        's.updated_at',
      ])
      .select((eb) => eb.selectFrom('m').select(eb.fn.countAll<number>().as('n')).as('total'))
      .orderBy('page.rank')
      .orderBy('page.updated_at', 'desc')
      .orderBy('page.name')
      .execute();
    // A page past the end has no row to carry the total: ask for it alone.
    const total = rows.length
      ? Number(rows[0]!.total)
      : q.from === 0
        ? 0
        : Number((await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    return {
      total,
      hits: rows.map((r) => ({
        name: r.name,
        namespace: r.namespace,
        version: r.latest_version!,
        description: r.description,
        keywords: r.keywords,
        visibility: r.visibility,
        date: r.updated_at,
      })),
    };
  }
}
