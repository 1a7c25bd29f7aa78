// Build step: derives OpenAPI v3 component schemas for every served kind from kubernetes-types'
// declarations (generated upstream from Kubernetes' own OpenAPI) and writes generated/definitions.json.

import ts from 'typescript';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogue, groupVersion } from '../src/api/catalogue.js';
import { ATOMIC_STRUCTS, FIELD_PATCH_INFO } from '../src/api/merge-keys.js';
import { REF_PREFIX, type GroupVersionKind, type Schema } from '../src/api/schemas.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Go int64 fields (everything else numeric is int32); format only tightens range checks. */
const INT64_FIELDS = new Set([
  'generation', 'observedGeneration', 'deletionGracePeriodSeconds', 'activeDeadlineSeconds', 'terminationGracePeriodSeconds',
  'runAsUser', 'runAsGroup', 'fsGroup', 'supplementalGroups', 'tolerationSeconds', 'startingDeadlineSeconds',
  'expirationSeconds', 'gracePeriodSeconds', 'remainingItemCount', 'sizeBytes', 'seconds',
]);
/** Exceptions to the name rule above, by definition.field. */
const FORMAT_OVERRIDES: Record<string, string> = {
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec.expirationSeconds': 'int32',
  // []byte fields travel as base64 strings.
  'io.k8s.api.core.v1.Secret.data': 'byte',
  'io.k8s.api.core.v1.ConfigMap.binaryData': 'byte',
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec.request': 'byte',
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus.certificate': 'byte',
  'io.k8s.api.admissionregistration.v1.WebhookClientConfig.caBundle': 'byte',
};
/** Defaults upstream publishes in its schemas (+default markers). */
const DEFAULTS: Record<string, unknown> = {
  'io.k8s.api.core.v1.ContainerPort.protocol': 'TCP',
  'io.k8s.api.core.v1.ServicePort.protocol': 'TCP',
  'io.k8s.api.core.v1.EndpointPort.protocol': 'TCP',
};

/** Upstream's definition-name prefix for a kubernetes-types module path such as `core/v1`. */
export function packagePrefix(modulePath: string): string {
  switch (modulePath) {
    case 'meta/v1':
      return META;
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default:
      return `io.k8s.api.${modulePath.split('/').join('.')}`;
  }
}

function listDeclarationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listDeclarationFiles(full));
    else if (entry.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

class Generator {
  readonly defs: Record<string, Schema> = {};
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;

  constructor(private readonly root: string) {
    this.program = ts.createProgram(listDeclarationFiles(root), { noEmit: true, types: [], skipLibCheck: true });
    this.checker = this.program.getTypeChecker();
  }

  run(): void {
    for (const file of this.program.getSourceFiles()) {
      const prefix = this.prefixOf(file.fileName);
      if (!prefix) continue;
      for (const stmt of file.statements) {
        if (ts.isInterfaceDeclaration(stmt)) this.defs[`${prefix}.${stmt.name.text}`] = this.interfaceSchema(stmt, `${prefix}.${stmt.name.text}`);
        else if (ts.isTypeAliasDeclaration(stmt)) {
          const s = this.aliasSchema(stmt, `${prefix}.${stmt.name.text}`);
          if (s) this.defs[`${prefix}.${stmt.name.text}`] = s;
        }
      }
    }
    this.defs[INT_OR_STRING] = {
      description:
        'IntOrString holds either an int32 or a string. In JSON and YAML it is written as the bare number or the string, so one field can take a port number or a port name.',
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    };
  }

  private prefixOf(fileName: string): string | undefined {
    const rel = path.relative(this.root, fileName).split(path.sep).join('/');
    if (rel.startsWith('..') || !rel.endsWith('.d.ts')) return undefined;
    return packagePrefix(rel.slice(0, -'.d.ts'.length));
  }

  private docOf(node: ts.Node & { name?: ts.Node }): string | undefined {
    const symbol = node.name ? this.checker.getSymbolAtLocation(node.name) : undefined;
    const text = symbol ? ts.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim() : '';
    return text || undefined;
  }

  private interfaceSchema(decl: ts.InterfaceDeclaration, defName: string): Schema {
    const schema: Schema = { description: this.docOf(decl), type: 'object' };
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const literals: Record<string, string> = {};
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const name = member.name.getText().replace(/^["']|["']$/g, '');
      if (ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal)) literals[name] = member.type.literal.text;
      let field = this.typeSchema(member.type, `${defName}.${name}`, name);
      const description = this.docOf(member);
      if (field.$ref) field = description ? { allOf: [field], description } : field;
      else if (description) field = { description, ...field };
      const dflt = DEFAULTS[`${defName}.${name}`];
      if (dflt !== undefined) field.default = dflt;
      properties[name] = field;
      if (!member.questionToken) required.push(name);
    }
    if (Object.keys(properties).length > 0) schema.properties = properties;
    if (required.length > 0) schema.required = required.sort();
    if (literals.apiVersion && literals.kind) {
      const slash = literals.apiVersion.indexOf('/');
      const gvk: GroupVersionKind =
        slash < 0
          ? { group: '', version: literals.apiVersion, kind: literals.kind }
          : { group: literals.apiVersion.slice(0, slash), version: literals.apiVersion.slice(slash + 1), kind: literals.kind };
      schema['x-kubernetes-group-version-kind'] = [gvk];
    }
    if (!schema.description) delete schema.description;
    return schema;
  }

  private aliasSchema(decl: ts.TypeAliasDeclaration, defName: string): Schema | undefined {
    const description = this.docOf(decl);
    const name = decl.name.text;
    if (defName === `${META}.Time` || defName === `${META}.MicroTime`) return { description, type: 'string', format: 'date-time' };
    if (name === 'Quantity') return { description, oneOf: [{ type: 'string' }, { type: 'number' }] };
    // JSONSchemaPropsOr* unions (apiextensions) are never served here; keep them free-form.
    return { description };
  }

  /** Schema for a field's type; `where` is definition.field, used for overrides. */
  private typeSchema(node: ts.TypeNode, where: string, fieldName: string): Schema {
    const override = FORMAT_OVERRIDES[where];
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return override === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer', format: override ?? (INT64_FIELDS.has(fieldName) ? 'int64' : 'int32') };
      case ts.SyntaxKind.LiteralType:
        return { type: 'string' };
    }
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.typeSchema(node.elementType, where, fieldName) };
    if (ts.isUnionTypeNode(node)) {
      const kinds = node.types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds[0] === ts.SyntaxKind.NumberKeyword && kinds[1] === ts.SyntaxKind.StringKeyword) return { $ref: REF_PREFIX + INT_OR_STRING };
      return {};
    }
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index) return { type: 'object', additionalProperties: this.typeSchema(index.type, where, fieldName) };
      return { type: 'object' };
    }
    if (ts.isTypeReferenceNode(node)) {
      const typeName = node.typeName.getText();
      if ((typeName === 'Array' || typeName === 'ReadonlyArray') && node.typeArguments?.length === 1) {
        return { type: 'array', items: this.typeSchema(node.typeArguments[0], where, fieldName) };
      }
      const target = this.referencedDefinition(node);
      if (target) return { $ref: REF_PREFIX + target };
    }
    throw new Error(`gen-openapi-defs: unsupported type "${node.getText()}" at ${where}`);
  }

  private referencedDefinition(node: ts.TypeReferenceNode): string | undefined {
    let symbol = this.checker.getSymbolAtLocation(node.typeName);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const decl = symbol?.declarations?.[0];
    if (!decl || !symbol) return undefined;
    const prefix = this.prefixOf(decl.getSourceFile().fileName);
    return prefix ? `${prefix}.${symbol.name}` : undefined;
  }
}

function stampPatchFacts(defs: Record<string, Schema>): void {
  for (const [defName, fields] of Object.entries(FIELD_PATCH_INFO)) {
    const def = defs[defName];
    if (!def) throw new Error(`gen-openapi-defs: merge-keys names unknown definition ${defName}`);
    for (const [field, info] of Object.entries(fields)) {
      const prop = def.properties?.[field];
      if (!prop) throw new Error(`gen-openapi-defs: merge-keys names unknown field ${defName}.${field}`);
      if (info.listType && prop.type !== 'array') throw new Error(`gen-openapi-defs: list type on non-list ${defName}.${field}`);
      if (info.patchMergeKey) prop['x-kubernetes-patch-merge-key'] = info.patchMergeKey;
      if (info.patchStrategy) prop['x-kubernetes-patch-strategy'] = info.patchStrategy;
      if (info.listType) prop['x-kubernetes-list-type'] = info.listType;
      if (info.listMapKeys) prop['x-kubernetes-list-map-keys'] = info.listMapKeys;
      if (info.mapType) prop['x-kubernetes-map-type'] = info.mapType;
    }
  }
  for (const defName of ATOMIC_STRUCTS) {
    const def = defs[defName];
    if (!def) throw new Error(`gen-openapi-defs: merge-keys names unknown definition ${defName}`);
    def['x-kubernetes-map-type'] = 'atomic';
  }
}

/** Kinds that every group-version carries (DeleteOptions, WatchEvent) and the core Status. */
function stampMetaKinds(defs: Record<string, Schema>): void {
  const gvs = new Map<string, { group: string; version: string }>([['/v1', { group: '', version: 'v1' }]]);
  for (const r of catalogue) gvs.set(groupVersion(r), { group: r.group, version: r.version });
  const every = (kind: string): GroupVersionKind[] =>
    [...gvs.values()].sort((a, b) => (a.group + a.version).localeCompare(b.group + b.version)).map((gv) => ({ ...gv, kind }));
  defs[`${META}.DeleteOptions`]['x-kubernetes-group-version-kind'] = every('DeleteOptions');
  defs[`${META}.WatchEvent`]['x-kubernetes-group-version-kind'] = every('WatchEvent');
  defs[`${META}.Status`]['x-kubernetes-group-version-kind'] = [{ group: '', version: 'v1', kind: 'Status' }];
}

function collectRefs(schema: unknown, out: Set<string>): void {
  if (Array.isArray(schema)) for (const s of schema) collectRefs(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) out.add(v.slice(REF_PREFIX.length));
      else collectRefs(v, out);
    }
  }
}

/** Definitions reachable from the given roots (roots missing from `defs` are reported). */
export function reachable(defs: Record<string, Schema>, roots: string[]): Record<string, Schema> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const def = defs[name];
    if (!def) throw new Error(`gen-openapi-defs: no definition ${name} in kubernetes-types`);
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(def, refs);
    queue.push(...refs);
  }
  const out: Record<string, Schema> = {};
  for (const name of [...seen].sort()) out[name] = defs[name];
  return out;
}

/**
 * Fields kubernetes-types leaves out because Go embeds them (facts of the API, added by hand):
 * admissionregistration/v1 RuleWithOperations inlines Rule's resources and scope.
 */
function addEmbeddedFields(defs: Record<string, Schema>): void {
  const rule = defs['io.k8s.api.admissionregistration.v1.RuleWithOperations'];
  if (rule) {
    rule.properties = {
      ...rule.properties,
      resources: {
        type: 'array',
        items: { type: 'string', default: '' },
        description: "Resources is a list of resources this rule applies to. '*' means all resources, 'pods/*' all subresources of pods, '*/scale' the scale subresource of every resource, '*/*' everything.",
        'x-kubernetes-list-type': 'atomic',
      },
      scope: { type: 'string', description: 'Scope specifies the scope of this rule: "Cluster", "Namespaced" or "*" (the default).' },
    };
  }
}

export function generate(): Record<string, Schema> {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('kubernetes-types/package.json'));
  const gen = new Generator(root);
  gen.run();
  addEmbeddedFields(gen.defs);
  stampPatchFacts(gen.defs);
  stampMetaKinds(gen.defs);
  const roots = new Set<string>([
    `${META}.Status`, `${META}.DeleteOptions`, `${META}.WatchEvent`, `${META}.Patch`,
    `${META}.APIResourceList`, `${META}.APIGroupList`, `${META}.APIGroup`, `${META}.APIVersions`,
    'io.k8s.apimachinery.pkg.version.Info',
  ]);
  for (const r of catalogue) {
    roots.add(r.definition);
    if (gen.defs[`${r.definition}List`]) roots.add(`${r.definition}List`);
  }
  return reachable(gen.defs, [...roots]);
}

function main(): void {
  const defs = generate();
  const out = fileURLToPath(new URL('../src/api/generated/definitions.json', import.meta.url));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(defs));
  console.log(`gen-openapi-defs: wrote ${Object.keys(defs).length} definitions to ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
