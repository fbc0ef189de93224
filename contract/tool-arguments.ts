/**
 * A tool's input schema as a table a person reads: one row per argument, nested object properties
 * as `parent.child` (array items as `parent[].child`), enums as `"a" | "b"`. The skill page and
 * `aerostack skill info` both show this, so the two always agree. Schemas come from authors and from
 * hostile servers: anything unexpected is shown as plainly as possible, never thrown on, and the
 * rows and their text are bounded.
 */

export interface ArgumentRow {
  /** `query`, `filter.status`, `items[].id`. */
  name: string;
  /** `string`, `integer`, `"open" | "closed"`, `array of string`, `object`, or `any`. */
  type: string;
  required: boolean;
  /** The schema's description (or title), on one line; a default is added as `(default: …)`. */
  description: string;
}

const MAX_ROWS = 200;
const MAX_DEPTH = 4;
const MAX_ENUM_SHOWN = 12;
const MAX_TEXT = 300;

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The rows of an object schema's properties (none when it takes no arguments or is not an object schema). */
export function argumentsTable(schema: unknown): ArgumentRow[] {
  const rows: ArgumentRow[] = [];
  if (isSchema(schema)) addProperties(schema, '', 0, rows);
  return rows;
}

function addProperties(schema: Schema, prefix: string, depth: number, rows: ArgumentRow[]): void {
  const props = schema.properties;
  if (!isSchema(props) || depth >= MAX_DEPTH) return;
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  for (const [key, raw] of Object.entries(props)) {
    if (rows.length >= MAX_ROWS) return;
    const prop = isSchema(raw) ? raw : {};
    const name = `${prefix}${key}`;
    rows.push({
      name: cut(oneLine(name)),
      type: typeOf(prop),
      required: required.has(key),
      description: describe(prop),
    });
    // Nested objects and arrays of objects: their properties follow as their own rows.
    if (isSchema(prop.properties)) addProperties(prop, `${name}.`, depth + 1, rows);
    else if (isSchema(prop.items) && isSchema(prop.items.properties))
      addProperties(prop.items, `${name}[].`, depth + 1, rows);
  }
}

/** The type as one short phrase. */
export function typeOf(schema: Schema, depth = 0): string {
  if (depth > 3) return 'any';
  if (Array.isArray(schema.enum)) return choices(schema.enum);
  if ('const' in schema) return literal(schema.const);
  const alternatives = [schema.anyOf, schema.oneOf].find(Array.isArray);
  if (alternatives) {
    const types = [...new Set(alternatives.filter(isSchema).map((s) => typeOf(s, depth + 1)))];
    return types.length ? cut(types.join(' | ')) : 'any';
  }
  const type = Array.isArray(schema.type)
    ? schema.type.filter((t) => typeof t === 'string').join(' | ')
    : typeof schema.type === 'string'
      ? schema.type
      : isSchema(schema.properties)
        ? 'object'
        : 'any';
  if (type === 'array') {
    const items = isSchema(schema.items) ? typeOf(schema.items, depth + 1) : 'any';
    return cut(`array of ${items}`);
  }
  if (typeof schema.format === 'string' && type === 'string') return cut(`string (${schema.format})`);
  return cut(type || 'any');
}

function choices(values: unknown[]): string {
  const shown = values.slice(0, MAX_ENUM_SHOWN).map(literal);
  return cut(shown.join(' | ') + (values.length > MAX_ENUM_SHOWN ? ' | …' : ''));
}

function literal(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return 'any';
  }
}

function describe(schema: Schema): string {
  const text =
    typeof schema.description === 'string' ? schema.description : typeof schema.title === 'string' ? schema.title : '';
  const dflt = 'default' in schema ? ` (default: ${literal(schema.default)})` : '';
  return cut(oneLine(text) + dflt).trim();
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const cut = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);
