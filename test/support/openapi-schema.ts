/** The parts of an OpenAPI 3.0 document the tests read, and a checker for values against its schemas. */

export interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
}

export interface Operation {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<
    string,
    {
      description: string;
      content?: Record<string, { schema: Schema }>;
      headers?: Record<string, { schema: Schema }>;
    }
  >;
}

export interface OpenApiDocument {
  openapi: string;
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme: string }>;
    schemas: Record<string, Schema>;
  };
  /** What the API sends rather than serves (OpenAPI 3.1's `webhooks`, as an extension of 3.0). */
  'x-webhooks'?: Record<string, Record<string, Operation>>;
}

export const schemaName = (ref: string | undefined) => ref?.replace('#/components/schemas/', '') ?? '';

/** Where a value breaks its schema: the keywords the document uses, and no field it does not list. */
export function schemaViolations(doc: OpenApiDocument, schema: Schema, value: unknown, at: string): string[] {
  if (schema.$ref) return schemaViolations(doc, doc.components.schemas[schemaName(schema.$ref)], value, at);
  // OpenAPI 3.0: null is a value only where the schema says nullable.
  if (value === null && schema.nullable) return [];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not in the enum`];
  if (schema.type === 'string') {
    if (typeof value !== 'string') return [`${at}: not a string`];
    const problems: string[] = [];
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: over maxLength`);
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: under minLength`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: does not match pattern`);
    return problems;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) {
      return [`${at}: not an ${schema.type}`];
    }
    const problems: string[] = [];
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: over maximum`);
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: under minimum`);
    return problems;
  }
  if (schema.type === 'array') {
    if (!Array.isArray(value)) return [`${at}: not an array`];
    const problems = value.flatMap((item, i) => schemaViolations(doc, schema.items ?? {}, item, `${at}[${i}]`));
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${at}: over maxItems`);
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: under minItems`);
    return problems;
  }
  if (schema.type === 'object' || schema.properties) {
    if (typeof value !== 'object' || value === null) return [`${at}: not an object`];
    const properties = schema.properties ?? {};
    const record = value as Record<string, unknown>;
    return [
      ...(schema.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key}: missing`),
      ...Object.keys(record)
        .filter((key) => !(key in properties))
        .map((key) => `${at}.${key}: not in the schema`),
      ...Object.entries(properties).flatMap(([key, property]) =>
        key in record ? schemaViolations(doc, property, record[key], `${at}.${key}`) : [],
      ),
    ];
  }
  return [];
}
