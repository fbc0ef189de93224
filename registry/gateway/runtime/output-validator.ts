import type { jsonSchemaValidator, JsonSchemaValidatorResult } from '@modelcontextprotocol/sdk/validation/types.js';
import type { SchemaCompiler } from '@aerostack/contract/json-schema.js';

/**
 * The SDK Client's check of an MCP server's structured results against the tool's outputSchema,
 * on the registry's SchemaCompiler: the schema comes from the (hostile) server, so it gets the same
 * bounds as every other skill schema. A schema that cannot be used fails the results it would check.
 */
export function outputValidator(schemas: SchemaCompiler): jsonSchemaValidator {
  return {
    getValidator<T>(schema: unknown) {
      let check: ReturnType<SchemaCompiler['compile']>;
      try {
        check = schemas.compile(schema);
      } catch (err) {
        const errorMessage = `the tool's outputSchema cannot be used: ${(err as Error).message}`;
        return (): JsonSchemaValidatorResult<T> => ({ valid: false, data: undefined, errorMessage });
      }
      return (input: unknown): JsonSchemaValidatorResult<T> => {
        const r = check(input);
        return r.valid
          ? { valid: true, data: input as T, errorMessage: undefined }
          : { valid: false, data: undefined, errorMessage: r.error };
      };
    },
  };
}
