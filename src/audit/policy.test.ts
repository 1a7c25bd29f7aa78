import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AuditPolicyError, DEFAULT_AUDIT_POLICY_YAML, defaultAuditPolicy, loadAuditPolicy, parseAuditPolicy } from './policy.js';
import type { AuditAttributes, AuditPolicyEvaluator } from './types.js';

function policy(rules: string, extra = ''): string {
  return `apiVersion: audit.k8s.io/v1\nkind: Policy\n${extra}rules:\n${rules}`;
}

function errorsOf(text: string): string[] {
  try {
    parseAuditPolicy(text, 'policy.yaml');
  } catch (err) {
    assert.ok(err instanceof AuditPolicyError, String(err));
    assert.match(err.message, /^invalid audit policy policy\.yaml: /);
    return err.errors;
  }
  assert.fail('expected the policy to be refused');
}

const alice = { username: 'alice', groups: ['devs', 'system:authenticated'] };

function res(over: Partial<AuditAttributes> = {}): AuditAttributes {
  return { user: alice, verb: 'get', isResourceRequest: true, path: '/api/v1/namespaces/default/pods/p1', namespace: 'default', apiGroup: '', resource: 'pods', name: 'p1', ...over };
}

function nonRes(p: string, over: Partial<AuditAttributes> = {}): AuditAttributes {
  return { user: alice, verb: 'get', isResourceRequest: false, path: p, ...over };
}

function level(p: AuditPolicyEvaluator, a: AuditAttributes): string {
  return p.evaluate(a).level;
}

test('validation errors name the rule and field', () => {
  const errs = errorsOf(
    policy(`  - level: Metadata
  - level: None
    resources:
      - group: ""
        resourceNames: [x]
  - level: Verbose
  - users: [bob]
  - level: Request
    nonResourceURLs: ["healthz", "/a*/b", "/ok*"]
  - level: Request
    resources: [{group: "apps/v1", resources: [deployments]}]
    nonResourceURLs: ["/x"]
  - level: Metadata
    omitStages: [ResponseComplete, Done]
    levle: None
  - level: Metadata
    resources: [{group: "", resources: ["Pods", "*/*", "pods/log/x"]}]
    verbs: ["*", GET]
    namespaces: ["*"]
`),
  );
  const expect = [
    'rules[1].resources[0].resourceNames: Invalid value: ["x"]: using resourceNames requires at least one resource',
    'rules[2].level: Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse"',
    'rules[3].level: Required value',
    `rules[4].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a '/' character`,
    `rules[4].nonResourceURLs[1]: Invalid value: "/a*/b": non-resource URL wildcards '*' must be the final character of the rule`,
    'rules[5].resources[0].group: Invalid value: "apps/v1"',
    'rules[5].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs',
    'rules[6].omitStages[1]: Invalid value: "Done": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
    'rules[6].levle: Invalid value: unknown field "levle"',
    'rules[7].resources[0].resources[0]: Invalid value: "Pods"',
    'rules[7].resources[0].resources[1]: Invalid value: "*/*"',
    'rules[7].resources[0].resources[2]: Invalid value: "pods/log/x"',
    'rules[7].verbs[0]: Invalid value: "*": audit rules have no verb wildcard',
    'rules[7].verbs[1]: Invalid value: "GET"',
    'rules[7].namespaces[0]: Invalid value: "*"',
  ];
  for (const e of expect) assert.ok(errs.some((x) => x.startsWith(e)), `missing ${e} in\n${errs.join('\n')}`);
  assert.equal(errs.length, expect.length, errs.join('\n'));
  assert.ok(!errs.some((e) => e.startsWith('rules[0]')), 'a valid rule is not reported');
  assert.ok(!errs.some((e) => e.includes('"/ok*"')), 'a trailing wildcard is valid');
});

test('refuses removed versions, other kinds, unknown top-level fields and empty policies', () => {
  const v1beta1 = errorsOf('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n');
  assert.equal(v1beta1.length, 1);
  assert.match(v1beta1[0]!, /^apiVersion: Unsupported value: "audit\.k8s\.io\/v1beta1": supported values: "audit\.k8s\.io\/v1" \(.*removed in Kubernetes 1\.24/);
  assert.match(errorsOf('apiVersion: audit.k8s.io/v1\nkind: Pollicy\nrules: [{level: None}]\n')[0]!, /^kind: Unsupported value: "Pollicy"/);
  assert.match(errorsOf('kind: Policy\nrules: [{level: None}]\n')[0]!, /^apiVersion: Required value/);
  assert.match(errorsOf(policy('  - level: None\n', 'omitStage: [RequestReceived]\n'))[0]!, /^omitStage: Invalid value: unknown field "omitStage"/);
  assert.match(errorsOf('apiVersion: audit.k8s.io/v1\nkind: Policy\n')[0]!, /^rules: Required value: a policy needs at least one rule/);
  assert.match(errorsOf('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n')[0]!, /^rules: Required value/);
  assert.match(errorsOf(policy('  - level: None\n', 'omitStages: [Start]\n'))[0]!, /^omitStages\[0\]: Invalid value: "Start"/);
  assert.match(errorsOf(policy('  - level: None\n    users: alice\n'))[0]!, /^rules\[0\]\.users: Invalid value: "alice": must be a list of strings/);
  assert.match(errorsOf(policy('  - level: None\n    omitManagedFields: "yes"\n'))[0]!, /^rules\[0\]\.omitManagedFields: Invalid value: "yes": must be true or false/);
  assert.match(errorsOf(policy('  - level: None\n  - level: None\n', 'rules: []\n'))[0]!, /not valid YAML or JSON/);
  assert.match(errorsOf('[1, 2]')[0]!, /must be a mapping/);
});

test('accepts JSON and a realistic kube policy', () => {
  const json = parseAuditPolicy(
    JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', metadata: { name: 'p' }, rules: [{ level: 'RequestResponse', users: ['alice'] }] }),
    'p.json',
  );
  assert.equal(level(json, res()), 'RequestResponse');
  assert.equal(level(json, res({ user: { username: 'bob' } })), 'None');

  const p = parseAuditPolicy(
    policy(`  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services", "services/status"]
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get"]
    resources:
      - group: ""
        resources: ["nodes", "nodes/status"]
  - level: None
    nonResourceURLs: ["/healthz*", "/version", "/swagger*"]
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]
    omitStages: ["RequestReceived"]
  - level: Request
    verbs: ["get", "list", "watch"]
    resources:
      - group: ""
      - group: "apps"
      - group: "rbac.authorization.k8s.io"
  - level: RequestResponse
    resources:
      - group: ""
      - group: "apps"
  - level: Metadata
    omitStages: ["RequestReceived"]
`),
    'gce-like.yaml',
  );
  assert.equal(level(p, res({ user: { username: 'system:kube-proxy' }, verb: 'watch', resource: 'endpoints', namespace: 'default', name: undefined })), 'None');
  assert.equal(level(p, res({ user: { username: 'system:node:n1', groups: ['system:nodes'] }, resource: 'nodes', subresource: 'status', namespace: undefined, name: 'n1' })), 'None');
  assert.equal(level(p, nonRes('/healthz/etcd')), 'None');
  assert.deepEqual(p.evaluate(res({ resource: 'secrets' })), { level: 'Metadata', omitStages: ['RequestReceived'], omitManagedFields: false });
  assert.equal(level(p, res({ verb: 'list', apiGroup: 'apps', resource: 'deployments' })), 'Request');
  assert.equal(level(p, res({ verb: 'create', apiGroup: 'apps', resource: 'deployments' })), 'RequestResponse');
  assert.equal(level(p, res({ verb: 'create', apiGroup: 'batch', resource: 'jobs' })), 'Metadata');
});

test('first matching rule wins; no match means None with the policy-level omitStages', () => {
  const p = parseAuditPolicy(
    policy(
      `  - level: RequestResponse
    users: [alice]
    verbs: [create]
  - level: Request
    users: [alice]
  - level: Metadata
    verbs: [create]
`,
      'omitStages: [RequestReceived]\n',
    ),
    't',
  );
  assert.equal(level(p, res({ verb: 'create' })), 'RequestResponse');
  assert.equal(level(p, res({ verb: 'delete' })), 'Request');
  assert.equal(level(p, res({ verb: 'create', user: { username: 'bob' } })), 'Metadata');
  assert.deepEqual(p.evaluate(res({ verb: 'delete', user: { username: 'bob' } })), { level: 'None', omitStages: ['RequestReceived'], omitManagedFields: false });
});

test('users, userGroups and verbs matchers', () => {
  const p = parseAuditPolicy(
    policy(`  - level: RequestResponse
    users: [alice, carol]
  - level: Request
    userGroups: [admins, ops]
  - level: Metadata
    verbs: [delete, deletecollection]
`),
    't',
  );
  assert.equal(level(p, res({ user: { username: 'carol' } })), 'RequestResponse');
  assert.equal(level(p, res({ user: { username: 'dave', groups: ['x', 'ops'] } })), 'Request');
  assert.equal(level(p, res({ user: { username: 'dave' } })), 'None', 'a user without groups matches no group rule');
  assert.equal(level(p, res({ user: { username: 'dave', groups: ['x'] }, verb: 'deletecollection' })), 'Metadata');
  assert.equal(level(p, res({ user: { username: 'dave', groups: ['x'] }, verb: 'get' })), 'None');
  assert.equal(level(p, res({ user: { username: 'Alice' } })), 'None', 'names are compared exactly');
});

test('namespaces: only resource requests, "" is cluster scope', () => {
  const p = parseAuditPolicy(
    policy(`  - level: RequestResponse
    namespaces: [kube-system]
  - level: Request
    namespaces: [""]
  - level: Metadata
`),
    't',
  );
  assert.equal(level(p, res({ namespace: 'kube-system' })), 'RequestResponse');
  assert.equal(level(p, res({ namespace: undefined, resource: 'nodes', name: 'n1' })), 'Request');
  assert.equal(level(p, res({ namespace: '', resource: 'namespaces', name: 'x' })), 'Request');
  assert.equal(level(p, res({ namespace: 'default' })), 'Metadata');
  assert.equal(level(p, nonRes('/api')), 'Metadata', 'a namespaces rule never matches a non-resource request');
});

test('resources: group "" is the core group only; other groups by name; no resources = whole group', () => {
  const p = parseAuditPolicy(
    policy(`  - level: RequestResponse
    resources: [{group: "", resources: [pods]}]
  - level: Request
    resources: [{group: apps}]
  - level: Metadata
    resources: [{group: "", resources: ["*"]}]
`),
    't',
  );
  assert.equal(level(p, res()), 'RequestResponse');
  assert.equal(level(p, res({ apiGroup: undefined })), 'RequestResponse', 'an absent group is the core group');
  assert.equal(level(p, res({ apiGroup: 'metrics.k8s.io' })), 'None', 'pods in another group are not core pods');
  assert.equal(level(p, res({ apiGroup: 'apps', resource: 'deployments' })), 'Request');
  assert.equal(level(p, res({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' })), 'Request');
  assert.equal(level(p, res({ resource: 'configmaps' })), 'Metadata');
  assert.equal(level(p, res({ resource: 'pods', subresource: 'log' })), 'Metadata', '"pods" alone does not cover subresources, "*" does');
  assert.equal(level(p, nonRes('/api/v1')), 'None', 'resource rules never match non-resource requests');
});

test('resources: subresources, pods/*, */scale and resourceNames', () => {
  const p = parseAuditPolicy(
    policy(`  - level: RequestResponse
    resources: [{group: "", resources: ["pods/log"]}]
  - level: Request
    resources: [{group: "", resources: ["pods/*"]}]
  - level: Metadata
    resources: [{group: apps, resources: ["*/scale"]}]
  - level: Metadata
    verbs: [update]
    resources: [{group: "", resources: [configmaps], resourceNames: [cfg-a, cfg-b]}]
`),
    't',
  );
  assert.equal(level(p, res({ subresource: 'log' })), 'RequestResponse');
  assert.equal(level(p, res({ subresource: 'exec' })), 'Request');
  assert.equal(level(p, res()), 'Request', '"pods/*" covers the pods themselves too');
  assert.equal(level(p, res({ resource: 'podtemplates' })), 'None');
  assert.equal(level(p, res({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' })), 'Metadata');
  assert.equal(level(p, res({ apiGroup: 'apps', resource: 'statefulsets', subresource: 'scale' })), 'Metadata');
  assert.equal(level(p, res({ apiGroup: 'apps', resource: 'deployments' })), 'None', '"*/scale" does not cover the resource itself');
  assert.equal(level(p, res({ apiGroup: 'apps', resource: 'deployments', subresource: 'status' })), 'None');
  assert.equal(level(p, res({ verb: 'update', resource: 'configmaps', name: 'cfg-b' })), 'Metadata');
  assert.equal(level(p, res({ verb: 'update', resource: 'configmaps', name: 'cfg-c' })), 'None');
  assert.equal(level(p, res({ verb: 'update', resource: 'configmaps', name: undefined })), 'None');
});

test('nonResourceURLs: exact, trailing * prefix, and * for every path', () => {
  const p = parseAuditPolicy(
    policy(`  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: Request
    users: [alice]
    nonResourceURLs: ["*"]
  - level: Metadata
    nonResourceURLs: ["/apis/*"]
`),
    't',
  );
  assert.equal(level(p, nonRes('/healthz')), 'None');
  assert.equal(level(p, nonRes('/healthzz')), 'None', 'the prefix match is textual, as in kube');
  assert.equal(level(p, nonRes('/version')), 'None');
  assert.equal(level(p, nonRes('/version/x', { user: { username: 'bob' } })), 'None', 'no match falls through to None');
  assert.equal(level(p, nonRes('/openapi/v2')), 'Request');
  assert.equal(level(p, nonRes('/apis/apps', { user: { username: 'bob' } })), 'Metadata');
  assert.equal(level(p, nonRes('/apis', { user: { username: 'bob' } })), 'None');
  assert.equal(level(p, res({ path: '/healthz' })), 'None', 'nonResourceURLs rules, even "*", never match resource requests');
});

test('omitStages: policy ∪ rule; omitManagedFields: the rule overrides the policy', () => {
  const p = parseAuditPolicy(
    policy(
      `  - level: Request
    users: [alice]
    omitStages: [ResponseComplete, RequestReceived]
    omitManagedFields: false
  - level: Metadata
    omitStages: [Panic]
`,
      'omitStages: [RequestReceived]\nomitManagedFields: true\n',
    ),
    't',
  );
  assert.deepEqual(p.evaluate(res()), { level: 'Request', omitStages: ['RequestReceived', 'ResponseComplete'], omitManagedFields: false });
  assert.deepEqual(p.evaluate(res({ user: { username: 'bob' } })), { level: 'Metadata', omitStages: ['RequestReceived', 'Panic'], omitManagedFields: true });
});

test('default policy: credentials at Metadata, writes at Request, reads at Metadata, probes skipped', () => {
  const p = defaultAuditPolicy();
  for (const verb of ['create', 'update', 'patch', 'get', 'list', 'watch', 'delete']) {
    assert.equal(level(p, res({ verb, resource: 'secrets', name: 's' })), 'Metadata', `secrets ${verb}`);
    assert.equal(level(p, res({ verb, resource: 'configmaps', name: 'c' })), 'Metadata', `configmaps ${verb}`);
  }
  assert.equal(level(p, res({ verb: 'create', apiGroup: 'authentication.k8s.io', resource: 'tokenreviews', namespace: undefined, name: undefined })), 'Metadata');
  assert.equal(level(p, res({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'default' })), 'Metadata');
  assert.equal(level(p, res({ verb: 'create', resource: 'serviceaccounts', name: 'default' })), 'Request');
  for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
    assert.equal(level(p, res({ verb })), 'Request', `pods ${verb}`);
  }
  for (const verb of ['get', 'list', 'watch']) assert.equal(level(p, res({ verb })), 'Metadata', `pods ${verb}`);
  assert.equal(level(p, res({ verb: 'create', resource: 'events' })), 'Metadata');
  assert.equal(level(p, res({ verb: 'create', apiGroup: 'events.k8s.io', resource: 'events' })), 'Metadata');
  for (const path of ['/healthz', '/healthz/ping', '/livez', '/livez/etcd', '/readyz', '/readyz?verbose', '/metrics', '/version']) {
    assert.equal(level(p, nonRes(path)), 'None', path);
  }
  assert.equal(level(p, nonRes('/apis')), 'Metadata');
  assert.equal(level(p, nonRes('/metrics/extra')), 'Metadata', '/metrics is an exact match');
  assert.deepEqual(p.evaluate(res()).omitStages, []);
  assert.equal(p.evaluate(res()).omitManagedFields, false);
  assert.equal(defaultAuditPolicy(), p, 'compiled once');
  assert.doesNotThrow(() => parseAuditPolicy(DEFAULT_AUDIT_POLICY_YAML, 'copy'));
});

test('loadAuditPolicy reads a file and names it in errors', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-policy-'));
  try {
    const good = path.join(dir, 'good.yaml');
    await writeFile(good, policy('  - level: Request\n'));
    assert.equal(level(await loadAuditPolicy(good), res()), 'Request');
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, policy('  - level: Everything\n'));
    await assert.rejects(loadAuditPolicy(bad), (err: Error) => err instanceof AuditPolicyError && err.message.includes(bad) && err.message.includes('rules[0].level'));
    await assert.rejects(loadAuditPolicy(path.join(dir, 'missing.yaml')), /cannot read the policy file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
