import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { SchemaError, type SchemaCompiler, type Validate } from '@aerostack/contract/json-schema.js';

/**
 * Checks a tools/call's arguments against the tool's input schema before any skill code runs. A
 * validator is compiled once per schema object (the catalogue reuses them while a version's
 * manifest, or an MCP server's tool list, stays cached) and dropped with it.
 */
export class ArgumentChecker {
  private readonly compiled = new WeakMap<object, Validate | SchemaError>();

  constructor(private readonly schemas: SchemaCompiler) {}

  /** null when `args` fit, else what is wrong, naming the first failing path. */
  check(tool: Tool, args: Record<string, unknown>): string | null {
    let validate = this.compiled.get(tool.inputSchema);
    if (!validate) {
      try {
        validate = this.schemas.compile(tool.inputSchema);
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        validate = err;
      }
      this.compiled.set(tool.inputSchema, validate);
    }
    if (validate instanceof SchemaError) return `the tool's input schema cannot be used (it ${validate.message})`;
    const result = validate(args);
    return result.valid ? null : result.error;
  }
}
