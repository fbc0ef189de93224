/**
 * Bulk seeding for the search benchmark: N skills (default 100,000) written straight into the tables
 * the publish service fills (users, namespaces, skills, skill_versions, dist_tags and the denormalised
 * skills.latest_version), in a handful of INSERT … SELECT FROM generate_series statements. Publishing
 * 100k tarballs would take hours; this takes seconds and gives the same rows.
 *
 * Names and descriptions are built from word lists so they look like a real registry: ~4,000
 * namespaces (`brave-otter`), 25 skills each (`crm-sync`, `github-issues`…), descriptions such as
 * "Sync contacts from HubSpot into a spreadsheet", 2-3 keywords, 85% public, 10% team, 5% private,
 * updated over the last two years. Only `generate_series`, arrays, md5/sha512 and jsonb builders are
 * used, so the same SQL runs on PGlite and on Postgres.
 */

const ADJECTIVES = [
  'brave', 'calm', 'clever', 'cosmic', 'crisp', 'daring', 'eager', 'fancy', 'gentle', 'glad',
  'golden', 'happy', 'jolly', 'kind', 'lively', 'lucky', 'mellow', 'mighty', 'nimble', 'noble',
  'polite', 'proud', 'quick', 'quiet', 'rapid', 'rustic', 'shiny', 'silent', 'silver', 'smart',
  'snappy', 'solid', 'steady', 'sunny', 'swift', 'tidy', 'urban', 'vivid', 'witty', 'zesty',
];
const NOUNS = [
  'otter', 'falcon', 'badger', 'beacon', 'bridge', 'canyon', 'cedar', 'comet', 'coral', 'delta',
  'ember', 'fjord', 'forge', 'garden', 'glacier', 'harbor', 'heron', 'island', 'jaguar', 'kernel',
  'lagoon', 'lantern', 'maple', 'meadow', 'mesa', 'meteor', 'nebula', 'oak', 'orbit', 'orchid',
  'panda', 'pebble', 'pine', 'pixel', 'planet', 'prairie', 'quartz', 'raven', 'reef', 'river',
  'rocket', 'saffron', 'sage', 'sequoia', 'shore', 'sierra', 'spruce', 'summit', 'tundra', 'valley',
  'vertex', 'walrus', 'willow', 'zephyr', 'labs', 'works', 'systems', 'studio', 'cloud', 'data',
  'dev', 'ops', 'hq', 'io', 'tech', 'soft', 'apps', 'tools', 'ai', 'net',
  'team', 'crew', 'hub', 'co', 'inc', 'group', 'collective', 'guild', 'factory', 'foundry',
  'garage', 'lab', 'shop', 'works2', 'digital', 'logic', 'matrix', 'signal', 'stack', 'wave',
  'arc', 'atlas', 'bolt', 'core', 'flux', 'grid', 'loop', 'node', 'pulse', 'spark',
];
/** What a skill is about; also the first word of its slug. 60 topics (≥ the 25 skills per namespace). */
const TOPICS = [
  'crm', 'github', 'gitlab', 'slack', 'discord', 'jira', 'linear', 'notion', 'confluence', 'trello',
  'weather', 'calendar', 'email', 'invoice', 'stripe', 'paypal', 'shopify', 'salesforce', 'hubspot', 'zendesk',
  'pdf', 'csv', 'excel', 'markdown', 'image', 'audio', 'video', 'translate', 'summarize', 'ocr',
  'postgres', 'mysql', 'mongodb', 'redis', 'sqlite', 'bigquery', 'snowflake', 's3', 'kubernetes', 'docker',
  'aws', 'gcp', 'azure', 'terraform', 'sentry', 'datadog', 'pagerduty', 'grafana', 'twilio', 'sendgrid',
  'maps', 'flights', 'stocks', 'crypto', 'news', 'rss', 'wikipedia', 'arxiv', 'recipes', 'fitness',
];
const ACTIONS = [
  'sync', 'search', 'lookup', 'export', 'import', 'report', 'alerts', 'bot', 'helper', 'tools',
  'client', 'reader', 'writer', 'monitor', 'digest', 'notify', 'query', 'backup', 'audit', 'stats',
];
const VERBS = ['Look up', 'Sync', 'Search', 'Export', 'Import', 'Summarize', 'Create', 'Update', 'List', 'Watch', 'Analyze', 'Archive', 'Fetch', 'Send', 'Track'];
const OBJECTS = [
  'contacts', 'issues', 'pull requests', 'messages', 'tickets', 'invoices', 'orders', 'customers', 'events', 'documents',
  'records', 'metrics', 'logs', 'files', 'deployments', 'alerts', 'payments', 'leads', 'tasks', 'reports',
];
const SERVICES = [
  'HubSpot', 'GitHub', 'GitLab', 'Slack', 'Jira', 'Notion', 'Stripe', 'Shopify', 'Salesforce', 'Zendesk',
  'Google Drive', 'Dropbox', 'Postgres', 'BigQuery', 'Kubernetes', 'AWS', 'Sentry', 'Datadog', 'Twilio', 'the CRM',
];
const TAILS = [
  'into a spreadsheet', 'for your team', 'with one tool call', 'and post a daily digest', 'by email or name',
  'in real time', 'with filters and paging', 'as markdown', 'for the last 30 days', 'without leaving the chat',
  'and flag anomalies', 'using the official API', 'with rate limiting', 'as JSON', 'for on-call engineers',
];
const CATEGORIES = ['data', 'productivity', 'devops', 'communication', 'finance', 'sales', 'support', 'ai', 'media', 'utilities'];

/** Words the search benchmark queries: frequent, medium, rare, and one that matches nothing. */
export const SEARCH_WORDS = ['crm', 'github', 'invoice', 'kubernetes', 'weather', 'digest', 'hubspot', 'zzyzx'];

export const SEEDED_PASSWORD_HASH = 'seeded-no-login';

const arr = (xs: string[]) => `(array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}])`;
/** `xs[expr % len]` as SQL (arrays are 1-based). */
const pick = (xs: string[], expr: string) => `${arr(xs)}[1 + ((${expr}) % ${xs.length})]`;

/** The statements, in order; run them in one transaction. */
export function seedStatements(skills = 100_000): string[] {
  const perNs = 25;
  const namespaces = Math.ceil(skills / perNs);
  if (namespaces > ADJECTIVES.length * NOUNS.length) throw new Error(`too many skills for the name lists: ${skills}`);
  const nsName = (k: string) => `${pick(ADJECTIVES, k)} || '-' || ${pick(NOUNS, `(${k}) / ${ADJECTIVES.length}`)}`;
  return [
    // The people behind the namespaces (they cannot sign in: the hash is not a scrypt hash).
    `insert into users (username, email, password_hash, created_at)
     select ${nsName('k')}, ${nsName('k')} || '@example.com', '${SEEDED_PASSWORD_HASH}',
            now() - ((k * 37) % 900) * interval '1 day'
     from generate_series(0, ${namespaces - 1}) as k`,
    `insert into namespaces (name, owner_id, created_at)
     select username, id, created_at from users where password_hash = '${SEEDED_PASSWORD_HASH}'`,
    // Skill i lives in namespace k = i % N as its j-th skill (j = i / N); topic (7j + k) % 60 is a
    // different topic for every j < 60, so slugs never collide within a namespace.
    `insert into skills (name, namespace, slug, visibility, description, keywords, latest_version, created_at, updated_at)
     select '@' || ns || '/' || slug, ns, slug,
            case when i % 20 < 17 then 'public' when i % 20 < 19 then 'team' else 'private' end,
            ${pick(VERBS, 'i * 7')} || ' ' || ${pick(OBJECTS, 'i * 11 + j')} || ' ' ||
              case when i % 3 = 0 then 'from ' || ${pick(SERVICES, 'i * 13')} else 'in ' || topic end || ' ' || ${pick(TAILS, 'i * 17 + k')},
            array[topic, ${pick(CATEGORIES, 'i * 3')}] || case when i % 2 = 0 then array[${pick(ACTIONS, 'i * 5')}] else array[]::text[] end,
            (1 + i % 3) || '.' || (i % 7) || '.' || (i % 11),
            created, least(now(), created + ((i * 31) % 120) * interval '1 day')
     from (
       select i, k, j, ${nsName('k')} as ns, topic, topic || '-' || ${pick(ACTIONS, 'k * 3 + j')} as slug,
              now() - ((i * 7919) % 730) * interval '1 day' - (i % 86400) * interval '1 second' as created
       from (
         select i, i % ${namespaces} as k, i / ${namespaces} as j, ${pick(TOPICS, `(i / ${namespaces}) * 7 + i % ${namespaces}`)} as topic
         from generate_series(0, ${skills - 1}) as i
       ) a
     ) b`,
    `insert into skill_versions (skill_id, version, manifest, aerostack, readme, integrity, shasum, blob_key, size, file_count, unpacked_size, published_by, published_at)
     select s.id, s.latest_version,
            jsonb_build_object('name', s.name, 'version', s.latest_version, 'description', s.description, 'keywords', to_jsonb(s.keywords), 'type', 'module', 'license', 'MIT'),
            jsonb_build_object('name', s.slug, 'type', 'skill', 'version', s.latest_version, 'description', s.description, 'main', 'index.js',
              'tool', jsonb_build_object('name', replace(s.slug, '-', '_'), 'description', s.description,
                'input_schema', '{"type":"object","properties":{"query":{"type":"string"}}}'::jsonb)),
            '# ' || s.slug || E'\\n\\n' || s.description || E'.\\n\\n## Usage\\n\\nInstall it into a workspace and call the tool from any MCP client.\\n',
            'sha512-' || encode(sha512(convert_to(s.name, 'UTF8')), 'base64'),
            md5(s.name) || substr(md5(s.slug), 1, 8),
            'tarballs/sha512/' || substr(encode(sha512(convert_to(s.name, 'UTF8')), 'hex'), 1, 2) || '/' || encode(sha512(convert_to(s.name, 'UTF8')), 'hex'),
            1500 + s.id % 5000, 3 + s.id % 10, 4000 + s.id % 20000, u.id, s.updated_at
     from skills s join users u on u.username = s.namespace
     where u.password_hash = '${SEEDED_PASSWORD_HASH}'`,
    `insert into dist_tags (skill_id, tag, version)
     select s.id, 'latest', s.latest_version
     from skills s join users u on u.username = s.namespace
     where u.password_hash = '${SEEDED_PASSWORD_HASH}'`,
  ];
}
