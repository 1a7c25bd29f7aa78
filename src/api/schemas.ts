// Runtime access to the OpenAPI v3 component schemas that the build derives from kubernetes-types
// (scripts/gen-openapi-defs.ts writes them next to this module as generated/definitions.json).

import { readFileSync } from 'node:fs';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The subset of an OpenAPI v3 schema object that Bulwark's definitions use. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export const REF_PREFIX = '#/components/schemas/';

let cache: Record<string, Schema> | undefined;

/** All generated definitions keyed by upstream name (io.k8s.api.core.v1.Pod …). Loaded once. */
export function definitions(): Record<string, Schema> {
  if (!cache) {
    const url = new URL('./generated/definitions.json', import.meta.url);
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch (err) {
      throw new Error(`OpenAPI definitions not found at ${url.pathname}: run the build (npm run build) to generate them (${(err as Error).message})`);
    }
    cache = JSON.parse(text) as Record<string, Schema>;
  }
  return cache;
}

export function schemaFor(definition: string): Schema | undefined {
  return definitions()[definition];
}

/** The definition name a `$ref` (v3 `#/components/schemas/…` or v2 `#/definitions/…`) points to. */
export function refName(ref: string): string {
  const slash = ref.lastIndexOf('/');
  return slash >= 0 ? ref.slice(slash + 1) : ref;
}

/** The definition a field schema stands for, looking through `allOf: [{$ref}]` wrappers. */
export function definitionNameOf(schema: Schema): string | undefined {
  if (schema.$ref) return refName(schema.$ref);
  if (schema.allOf?.length === 1) return definitionNameOf(schema.allOf[0]);
  return undefined;
}

/**
 * Follows `$ref` and single-element `allOf` wrappers to the schema that describes the value.
 * An unknown reference resolves to an empty (free-form) schema so callers degrade gracefully.
 */
export function resolve(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    if (current.$ref) {
      current = definitions()[refName(current.$ref)] ?? {};
    } else if (current.allOf?.length === 1 && !current.type && !current.properties) {
      current = current.allOf[0];
    } else {
      return current;
    }
  }
  throw new Error('OpenAPI schema reference cycle');
}
