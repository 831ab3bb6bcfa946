/**
 * The operations of the app's own OpenAPI document (/docs-json), reduced to
 * what the contract fuzz needs: method, path, which token the operation
 * takes, its JSON body schema and its success response. Read from the
 * running app, so a new route is fuzzed without anyone listing it.
 */

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  format?: string;
  enum?: unknown[];
  items?: JsonSchema;
  $ref?: string;
}

export type OperationAuth = 'public' | 'pre-auth' | 'access-token';

export interface FuzzOperation {
  method: string;
  /** OpenAPI style: {param} for path parameters. */
  path: string;
  pathParams: string[];
  auth: OperationAuth;
  /** The JSON request body's schema, $refs resolved one level; undefined for bodiless operations. */
  body?: JsonSchema;
  successStatus: number;
  /** Fields every success body must have (from the documented response schema). */
  successRequired: string[];
}

interface OpenApiOperation {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

export function fuzzOperations(doc: OpenApiDocument): FuzzOperation[] {
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined =>
    schema?.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): FuzzOperation => {
      const schemes = (op.security ?? []).flatMap((requirement) => Object.keys(requirement));
      const [successStatus] = Object.keys(op.responses).filter((status) => /^2\d\d$/.test(status));
      const success = resolve(op.responses[successStatus]?.content?.['application/json']?.schema);
      return {
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        auth: schemes.includes('access-token') ? 'access-token' : schemes.includes('pre-auth') ? 'pre-auth' : 'public',
        body: resolve(op.requestBody?.content['application/json']?.schema),
        successStatus: Number(successStatus),
        successRequired: success?.required ?? [],
      };
    }),
  );
}
