import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../../api/catalogue.js';
import { documentHash, gvPathOf, openapiV2, openapiV2Hash, openapiV2Protobuf, openapiV3Document, openapiV3Hash, openapiV3Index } from './openapi.js';

type Json = Record<string, unknown>;

function schemasOf(doc: Json): Record<string, Json> {
  return (doc.components as Json).schemas as Record<string, Json>;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

test('the v3 index lists every served group-version with a hash that matches its document', () => {
  const index = openapiV3Index();
  const expected = [...new Set(catalogue.map(gvPathOf))].sort();
  assert.deepEqual(Object.keys(index.paths).sort(), expected);
  assert.ok(expected.includes('api/v1') && expected.includes('apis/apps/v1'));
  for (const [gvPath, { serverRelativeURL }] of Object.entries(index.paths)) {
    const doc = openapiV3Document(gvPath);
    assert.ok(doc, gvPath);
    assert.equal(serverRelativeURL, `/openapi/v3/${gvPath}?hash=${documentHash(doc)}`);
    assert.equal(openapiV3Hash(gvPath), documentHash(doc));
    assert.match(openapiV3Hash(gvPath)!, /^[0-9A-F]{128}$/);
  }
  assert.deepEqual(openapiV3Index(), index, 'the index is stable');
  assert.equal(openapiV3Document('apis/nosuch.example.com/v1'), undefined);
  assert.equal(openapiV3Document('/api/v1'), openapiV3Document('api/v1'));
});

test('every catalogue kind has a schema with its GVK and PATCH operations that offer fieldValidation', () => {
  for (const r of catalogue) {
    const doc = openapiV3Document(gvPathOf(r))!;
    const schema = schemasOf(doc)[r.definition];
    assert.ok(schema, `${r.definition} in ${gvPathOf(r)}`);
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: r.kind }], r.definition);
    const list = schemasOf(doc)[`${r.definition}List`];
    assert.ok(list, `${r.definition}List`);
    assert.deepEqual(list['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: `${r.kind}List` }]);

    // kubectl decides on server-side validation from the PATCH operations tagged with the GVK.
    const patches = Object.values(doc.paths as Record<string, Json>)
      .map((item) => item.patch as Json | undefined)
      .filter((op): op is Json => !!op && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify({ group: r.group, version: r.version, kind: r.kind }));
    assert.ok(patches.length >= 1, `a PATCH operation for ${r.kind}`);
    for (const op of patches) {
      assert.ok((op.parameters as Json[]).some((p) => p.name === 'fieldValidation' && p.in === 'query'), `${op.operationId} has fieldValidation`);
      assert.equal(op['x-kubernetes-action'], 'patch');
    }
  }
});

test('pods have the expected paths and operations', () => {
  const doc = openapiV3Document('api/v1')!;
  const paths = doc.paths as Record<string, Json>;
  const collection = paths['/api/v1/namespaces/{namespace}/pods'];
  assert.deepEqual(Object.keys(collection).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'post']);
  assert.equal((collection.get as Json).operationId, 'listCoreV1NamespacedPod');
  assert.equal((collection.post as Json)['x-kubernetes-action'], 'post');
  assert.ok(((collection.post as Json).parameters as Json[]).some((p) => p.name === 'fieldValidation'));
  assert.ok(((collection.post as Json).parameters as Json[]).some((p) => p.name === 'dryRun'));
  assert.ok((collection.parameters as Json[]).some((p) => p.name === 'pretty'));
  const item = paths['/api/v1/namespaces/{namespace}/pods/{name}'];
  assert.deepEqual(Object.keys(item).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
  const patchBody = ((item.patch as Json).requestBody as Json).content as Json;
  assert.ok('application/strategic-merge-patch+json' in patchBody && 'application/apply-patch+yaml' in patchBody);
  assert.ok(paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch);
  assert.ok(paths['/api/v1/pods'].get);
  assert.equal((paths['/api/v1/watch/namespaces/{namespace}/pods/{name}'].get as Json)['x-kubernetes-action'], 'watch');
  assert.ok(paths['/api/v1/namespaces/{name}/finalize'].put);
  assert.equal(paths['/api/v1/namespaces/{namespace}/namespaces'], undefined, 'cluster-scoped kinds have no namespace path');
  const csr = openapiV3Document('apis/certificates.k8s.io/v1')!.paths as Record<string, Json>;
  assert.ok(csr['/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval'].put);
});

test('PodSpec carries the strategic-merge-patch facts that client-side apply relies on', () => {
  const schemas = schemasOf(openapiV3Document('api/v1')!);
  const spec = schemas['io.k8s.api.core.v1.PodSpec'].properties as Record<string, Json>;
  assert.equal(spec.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(spec.containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(spec.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.equal((spec.containers.items as Json).$ref, '#/components/schemas/io.k8s.api.core.v1.Container');
  const container = schemas['io.k8s.api.core.v1.Container'].properties as Record<string, Json>;
  assert.equal(container.env['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(container.ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.deepEqual(container.ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  const meta = schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties as Record<string, Json>;
  assert.equal(meta.finalizers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(meta.ownerReferences['x-kubernetes-patch-merge-key'], 'uid');
  const apps = schemasOf(openapiV3Document('apis/apps/v1')!);
  assert.equal((apps['io.k8s.api.apps.v1.DeploymentSpec'].properties as Record<string, Json>).strategy['x-kubernetes-patch-strategy'], 'retainKeys');
});

test('schemas are derived from kubernetes-types: descriptions, required fields, refs wrapped for explain', () => {
  const schemas = schemasOf(openapiV3Document('api/v1')!);
  const pod = schemas['io.k8s.api.core.v1.Pod'];
  assert.match(String(pod.description), /Pod is a collection of containers/);
  const podProps = pod.properties as Record<string, Json>;
  assert.deepEqual(podProps.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
  assert.match(String(podProps.spec.description), /specification of the desired behavior/i);
  assert.deepEqual(schemas['io.k8s.api.core.v1.PodSpec'].required, ['containers']);
  const container = schemas['io.k8s.api.core.v1.Container'].properties as Record<string, Json>;
  assert.equal(container.image.type, 'string');
  assert.equal((schemas['io.k8s.api.core.v1.ContainerPort'].properties as Record<string, Json>).containerPort.type, 'integer');
  assert.equal((schemas['io.k8s.api.core.v1.PodSpec'].properties as Record<string, Json>).terminationGracePeriodSeconds.format, 'int64');
  const intOrString = schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.equal(intOrString.format, 'int-or-string');
  assert.equal(intOrString['x-kubernetes-int-or-string'], true);
  assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
  const limits = (schemas['io.k8s.api.core.v1.ResourceRequirements'].properties as Record<string, Json>).limits;
  assert.deepEqual(limits.additionalProperties, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Status']);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent']);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
});

test('every $ref in every v3 document resolves inside that document', () => {
  for (const gvPath of Object.keys(openapiV3Index().paths)) {
    const doc = openapiV3Document(gvPath)!;
    const schemas = schemasOf(doc);
    const refs = refsIn(doc);
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      assert.ok(ref.startsWith('#/components/schemas/'), ref);
      assert.ok(schemas[ref.slice('#/components/schemas/'.length)], `${gvPath}: ${ref} resolves`);
    }
  }
});

test('the v2 document is swagger 2.0 with #/definitions refs that all resolve', () => {
  const doc = openapiV2();
  assert.equal(doc.swagger, '2.0');
  const defs = doc.definitions as Record<string, Json>;
  const refs = refsIn(doc);
  assert.ok(refs.length > 0);
  for (const ref of refs) {
    assert.ok(ref.startsWith('#/definitions/'), ref);
    assert.ok(defs[ref.slice('#/definitions/'.length)], `${ref} resolves`);
  }
  assert.equal(JSON.stringify(doc).includes('"allOf"'), false);
  const spec = defs['io.k8s.api.core.v1.Pod'].properties as Record<string, Json>;
  assert.equal(spec.spec.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
  assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  assert.equal(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  const paths = doc.paths as Record<string, Json>;
  assert.ok(paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch);
  assert.ok(paths['/api/v1/namespaces/{namespace}/pods'].post);
  assert.equal(openapiV2Hash(), documentHash(doc));
});

/** Reads the length-delimited and varint fields of one protobuf message: field number → raw values. */
function protoFields(buf: Uint8Array): Map<number, (Uint8Array | number)[]> {
  const out = new Map<number, (Uint8Array | number)[]>();
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = buf[i++];
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: Uint8Array | number;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      value = buf.subarray(i, i + len);
      i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const text = (v: Uint8Array | number | undefined) => Buffer.from(v as Uint8Array).toString('utf8');

test('the v2 protobuf (gnostic openapi.v2.Document) carries the definitions and their GVK extensions', () => {
  const json = openapiV2();
  const doc = protoFields(openapiV2Protobuf());
  assert.equal(text(doc.get(1)?.[0]), '2.0');
  const named = protoFields(doc.get(9)![0] as Uint8Array).get(1)!.map((n) => protoFields(n as Uint8Array));
  assert.deepEqual(named.map((n) => text(n.get(1)![0])), Object.keys(json.definitions as Json));
  const deployment = named.find((n) => text(n.get(1)![0]) === 'io.k8s.api.apps.v1.Deployment')!;
  const schema = protoFields(deployment.get(2)![0] as Uint8Array);
  // Schema.vendor_extension (31) → NamedAny{name, Any{yaml}}
  const ext = protoFields(schema.get(31)![0] as Uint8Array);
  assert.equal(text(ext.get(1)![0]), 'x-kubernetes-group-version-kind');
  const yaml = text(protoFields(ext.get(2)![0] as Uint8Array).get(2)![0]);
  assert.deepEqual(JSON.parse(yaml), [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  // Schema.properties (25) → NamedSchema entries; spec refers to DeploymentSpec.
  const props = protoFields(schema.get(25)![0] as Uint8Array).get(1)!.map((p) => protoFields(p as Uint8Array));
  const spec = props.find((p) => text(p.get(1)![0]) === 'spec')!;
  assert.equal(text(protoFields(spec.get(2)![0] as Uint8Array).get(1)![0]), '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  const paths = protoFields(doc.get(8)![0] as Uint8Array).get(2)!;
  assert.equal(paths.length, Object.keys(json.paths as Json).length);
});
