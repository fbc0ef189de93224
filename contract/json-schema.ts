/**
 * JSON Schemas from skill authors and MCP servers, compiled with Ajv so that a hostile schema cannot
 * hurt the process that checks against it:
 * - size and depth are bounded before Ajv sees the schema (compiling is recursive and can be slow);
 * - `pattern` and `patternProperties` run on V8's linear-time regexp engine, so no pattern can
 *   backtrack for ever on a caller's string (ReDoS). Patterns that need backtracking (backreferences,
 *   lookaround) are refused. The engine has no Unicode mode, so patterns are read without the `u` flag;
 * - a schema's `$id` is never registered in the shared instance, so one skill cannot shadow another's.
 */
import { setFlagsFromString } from 'node:v8';
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

// Enables the regexp flag `l` (linear engine); it changes nothing for regexps without the flag.
setFlagsFromString('--enable-experimental-regexp-engine');

/** Largest schema accepted, as JSON. */
export const MAX_SCHEMA_BYTES = 64 * 1024;
/** Deepest nesting of objects and arrays accepted in a schema. */
export const MAX_SCHEMA_DEPTH = 32;

/** A schema that cannot be used; the message says why, for a 400 or an MCP error. */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

export type Validate = (value: unknown) => { valid: true } | { valid: false; error: string };

const linearRegExp = Object.assign(compileLinear, { code: 'linearRegExp' });

function compileLinear(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, `${flags.replace('u', '')}l`);
  } catch (err) {
    const why = /linear time/.test((err as Error).message)
      ? 'cannot be checked in linear time (backreferences and lookaround are not supported)'
      : 'is not a valid regular expression';
    throw new SchemaError(`has a pattern ${JSON.stringify(pattern.slice(0, 200))} that ${why}`);
  }
}

type AjvClass = new (opts: Options) => Ajv;
type FormatsPlugin = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: under ESM its function arrives as the module object's `default`.
const addFormats = ((addFormatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  addFormatsPlugin) as unknown as FormatsPlugin;

/**
 * Compiles untrusted schemas. One per registry (compiled validators hold no caller data); the
 * Ajv instances for each draft are made on first use.
 */
export class SchemaCompiler {
  private readonly instances = new Map<AjvClass, Ajv>();

  private instanceFor(schema: AnySchemaObject): Ajv {
    const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
    const Class: AjvClass = declared.includes('2020-12') ? Ajv2020 : declared.includes('2019-09') ? Ajv2019 : Ajv;
    let ajv = this.instances.get(Class);
    if (!ajv) {
      ajv = new Class({
        strict: false,
        allErrors: false,
        validateFormats: true,
        addUsedSchema: false,
        ownProperties: true,
        unicodeRegExp: false,
        logger: false,
        code: { regExp: linearRegExp },
      });
      addFormats(ajv);
      this.instances.set(Class, ajv);
    }
    return ajv;
  }

  /** A validator for `schema`; throws SchemaError naming what is wrong with it. */
  compile(schema: unknown): Validate {
    checkShape(schema);
    const ajv = this.instanceFor(schema as AnySchemaObject);
    let fn: ValidateFunction;
    try {
      fn = ajv.compile(schema as AnySchemaObject);
    } catch (err) {
      if (err instanceof SchemaError) throw err;
      throw new SchemaError(err instanceof RangeError ? 'is nested too deeply' : ajvComplaint((err as Error).message));
    } finally {
      // Ajv keeps every compiled schema by identity; the validator below does not need the entry.
      ajv.removeSchema(schema as AnySchemaObject);
    }
    return (value) => (fn(value) ? { valid: true } : { valid: false, error: describeError(fn.errors?.[0]) });
  }
}

/** Ajv's compile errors, worded to follow "tool.input_schema …". */
function ajvComplaint(message: string): string {
  const invalid = /^schema is invalid: (.*)$/s.exec(message);
  if (invalid) return `is not a valid JSON Schema: ${invalid[1]!.replace(/\bdata\//g, '').slice(0, 300)}`;
  const ref = /^can't resolve reference (\S+)/.exec(message);
  if (ref)
    return `has a $ref that cannot be resolved: ${ref[1]!.slice(0, 200)} (only references inside the schema work)`;
  return `cannot be compiled: ${message.slice(0, 300)}`;
}

/** Refuses a schema too big or too deep to compile safely, before Ajv walks it. */
function checkShape(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new SchemaError('must be a JSON Schema object');
  let json: string | undefined;
  try {
    json = JSON.stringify(schema);
  } catch {
    throw new SchemaError('is not plain JSON');
  }
  if (json === undefined || Buffer.byteLength(json) > MAX_SCHEMA_BYTES)
    throw new SchemaError(`is larger than ${MAX_SCHEMA_BYTES} bytes`);
  const stack: Array<[unknown, number]> = [[schema, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_SCHEMA_DEPTH) throw new SchemaError(`is nested more than ${MAX_SCHEMA_DEPTH} levels deep`);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** `message: must be string`, `(root): must have required property 'message'` → the failing path first. */
function describeError(e: ErrorObject | undefined): string {
  if (!e) return 'does not match the input schema';
  const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (missing !== undefined) return `${[...segments, missing].join('.')} is required`;
  const extra =
    e.keyword === 'additionalProperties' ? (e.params as { additionalProperty?: string }).additionalProperty : undefined;
  if (extra !== undefined) return `${[...segments, extra].join('.')} is not allowed`;
  return `${segments.length ? segments.join('.') : '(arguments)'} ${e.message ?? 'is invalid'}`;
}
