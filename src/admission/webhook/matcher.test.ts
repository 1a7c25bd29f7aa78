// Which webhooks a request goes to, and the defaults applied to webhook configurations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../../api/catalogue.js';
import { StatusError } from '../../api/status.js';
import type { AdmissionAttributes, AdmissionLookup } from '../types.js';
import { orderedWebhooks } from './config.js';
import { matchingWebhooks, ruleMatches } from './matcher.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;

function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'CREATE',
    resource: PODS,
    subresource: '',
    namespace: 'ns',
    name: 'x',
    object: { metadata: { name: 'x', labels: { app: 'a' } } },
    user: { username: 'u', groups: [] },
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
    ...over,
  };
}

const noNamespaces: AdmissionLookup = { get: async () => undefined, list: async () => [] };

describe('ruleMatches', () => {
  const all = { operations: ['*'], apiGroups: ['*'], apiVersions: ['*'] };
  it('distinguishes main resources from subresources', () => {
    assert.equal(ruleMatches({ ...all, resources: ['*'] }, attrs()), true);
    assert.equal(ruleMatches({ ...all, resources: ['*'] }, attrs({ subresource: 'status' })), false);
    assert.equal(ruleMatches({ ...all, resources: ['*/*'] }, attrs()), true);
    assert.equal(ruleMatches({ ...all, resources: ['*/*'] }, attrs({ subresource: 'status' })), true);
    assert.equal(ruleMatches({ ...all, resources: ['pods/*'] }, attrs()), false);
    assert.equal(ruleMatches({ ...all, resources: ['pods/*'] }, attrs({ subresource: 'status' })), true);
    assert.equal(ruleMatches({ ...all, resources: ['*/status'] }, attrs({ subresource: 'status' })), true);
    assert.equal(ruleMatches({ ...all, resources: ['*/scale'] }, attrs({ subresource: 'status' })), false);
    assert.equal(ruleMatches({ ...all, resources: ['pods/status'] }, attrs({ resource: DEPLOYMENTS, subresource: 'status' })), false);
  });
  it('checks operations, groups and versions, with empty lists matching nothing', () => {
    assert.equal(ruleMatches({ operations: ['UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }, attrs()), false);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }, attrs({ resource: DEPLOYMENTS })), true);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['apps'], apiVersions: ['v1beta1'], resources: ['deployments'] }, attrs({ resource: DEPLOYMENTS })), false);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: [], apiVersions: ['*'], resources: ['*'] }, attrs()), false);
  });
  it('applies scope: Namespaces count as cluster-scoped', () => {
    const r = (scope: string) => ({ ...all, resources: ['*'], scope });
    assert.equal(ruleMatches(r('Cluster'), attrs({ resource: NODES, namespace: '' })), true);
    assert.equal(ruleMatches(r('Cluster'), attrs({ resource: NAMESPACES, namespace: '' })), true);
    assert.equal(ruleMatches(r('Cluster'), attrs()), false);
    assert.equal(ruleMatches(r('Namespaced'), attrs()), true);
    assert.equal(ruleMatches(r('Namespaced'), attrs({ resource: NAMESPACES, namespace: '' })), false);
    assert.equal(ruleMatches(r('*'), attrs({ resource: NODES, namespace: '' })), true);
  });
});

describe('matchingWebhooks', () => {
  const rules = [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }];
  it('does not exclude cluster-scoped objects by namespaceSelector, and refuses when the namespace is missing', async () => {
    const hooks = orderedWebhooks([{ metadata: { name: 'c' }, webhooks: [{ name: 'w', rules, namespaceSelector: { matchLabels: { env: 'prod' } } }] }]);
    assert.equal((await matchingWebhooks(hooks, attrs({ resource: NODES, namespace: '' }), noNamespaces)).length, 1);
    await assert.rejects(matchingWebhooks(hooks, attrs(), noNamespaces), (e: unknown) => e instanceof StatusError && e.code === 500 && /namespaces "ns" not found/.test(e.message));
  });
  it('reports an unparseable selector as a broken webhook instead of skipping it', async () => {
    const hooks = orderedWebhooks([{ metadata: { name: 'c' }, webhooks: [{ name: 'w', rules, objectSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }] }]);
    const [m] = await matchingWebhooks(hooks, attrs(), noNamespaces);
    assert.ok(m?.broken?.startsWith('invalid objectSelector:'));
  });
});

describe('orderedWebhooks', () => {
  it('sorts configurations by name, keeps webhook order and applies defaults', () => {
    const hooks = orderedWebhooks([
      { metadata: { name: 'b' }, webhooks: [{ name: 'b1', timeoutSeconds: 99 }, { name: 'b2', timeoutSeconds: 3, failurePolicy: 'Ignore', reinvocationPolicy: 'IfNeeded', matchPolicy: 'Exact' }] },
      { metadata: { name: 'a' }, webhooks: [{ name: 'a1' }] },
    ]);
    assert.deepEqual(hooks.map((h) => h.name), ['a1', 'b1', 'b2']);
    assert.deepEqual(
      hooks.map((h) => [h.timeoutSeconds, h.failurePolicy, h.reinvocationPolicy, h.matchPolicy]),
      [
        [10, 'Fail', 'Never', 'Equivalent'],
        [30, 'Fail', 'Never', 'Equivalent'],
        [3, 'Ignore', 'IfNeeded', 'Exact'],
      ],
    );
    // An unset selector selects everything.
    const sel = hooks[0]!.namespaceSelector;
    assert.ok(typeof sel !== 'string' && sel.empty);
  });
});
