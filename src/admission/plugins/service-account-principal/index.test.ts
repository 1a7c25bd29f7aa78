import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceAccountPrincipal } from './index.js';
import { ServiceAccountAdmission } from '../service-account/index.js';
import { AdmissionChain } from '../../chain.js';
import type { AdmissionAttributes } from '../../types.js';
import type { Authorizer, AuthorizationResult } from '../../../authz/types.js';
import type { RequestInfo } from '../../../endpoints/request-info.js';
import type { UserInfo } from '../../../endpoints/context.js';
import { findResource } from '../../../api/catalogue.js';
import { StatusError } from '../../../api/status.js';

type Obj = Record<string, unknown>;

/** Answers from `user → allowed ServiceAccount names`; system:masters is allowed everything, as RBAC does. */
function tableAuthorizer(table: Record<string, string[]>, opts: { throws?: boolean } = {}): Authorizer & { asked: RequestInfo[] } {
  const asked: RequestInfo[] = [];
  return {
    name: 'table',
    asked,
    async authorize(user: UserInfo, info: RequestInfo): Promise<AuthorizationResult> {
      asked.push(info);
      if (opts.throws) throw new Error('authorizer down');
      if (user.groups.includes('system:masters')) return { decision: 'allow', reason: '' };
      const ok = info.verb === 'impersonate' && info.resource === 'serviceaccounts' && info.apiGroup === '' && info.namespace === 'demo' && (table[user.username] ?? []).includes(info.name);
      return ok ? { decision: 'allow', reason: '' } : { decision: 'noOpinion', reason: '' };
    },
  };
}

const bob: UserInfo = { username: 'bob', groups: ['system:authenticated'] };

function attrs(group: string, resource: string, object: Obj, op: AdmissionAttributes['operation'] = 'CREATE', oldObject?: Obj, user = bob): AdmissionAttributes {
  return {
    operation: op,
    resource: findResource(group, 'v1', resource)!,
    subresource: '',
    namespace: 'demo',
    name: String((object['metadata'] as Obj)['name']),
    object,
    oldObject,
    user,
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
  };
}

const pod = (sa?: string): Obj => ({ metadata: { name: 'p', namespace: 'demo' }, spec: { containers: [{ name: 'c', image: 'i:1' }], ...(sa ? { serviceAccountName: sa } : {}) } });
const template = (sa?: string): Obj => ({ spec: { containers: [{ name: 'c', image: 'i:1' }], ...(sa ? { serviceAccountName: sa } : {}) } });

async function run(p: ServiceAccountPrincipal, a: AdmissionAttributes): Promise<void> {
  await p.admit(a);
  await p.validate(a);
}

test('a pod naming an account the requester may not impersonate is refused with a message naming it', async () => {
  const authz = tableAuthorizer({});
  await assert.rejects(run(new ServiceAccountPrincipal({ authorizer: authz }), attrs('', 'pods', pod('deployer'))), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "p" is forbidden: user "bob" may not run pods as ServiceAccount "demo/deployer": it needs permission to impersonate that ServiceAccount');
    return true;
  });
  assert.equal(authz.asked.length, 1);
  const q = authz.asked[0]!;
  assert.deepEqual([q.verb, q.apiGroup, q.resource, q.namespace, q.name], ['impersonate', '', 'serviceaccounts', 'demo', 'deployer']);
});

test('granted impersonate: admitted; masters are asked too and allowed by the authorizer', async () => {
  await run(new ServiceAccountPrincipal({ authorizer: tableAuthorizer({ bob: ['deployer'] }) }), attrs('', 'pods', pod('deployer')));
  const authz = tableAuthorizer({});
  await run(new ServiceAccountPrincipal({ authorizer: authz }), attrs('', 'pods', pod('deployer'), 'CREATE', undefined, { username: 'admin', groups: ['system:masters'] }));
  assert.equal(authz.asked.length, 1);
});

test('an authorizer error denies', async () => {
  await assert.rejects(run(new ServiceAccountPrincipal({ authorizer: tableAuthorizer({}, { throws: true }) }), attrs('', 'pods', pod('deployer'))), /may not run pods as ServiceAccount "demo\/deployer".*authorizer down/);
});

test('a pod naming no account is not checked, even after ServiceAccount fills in default; naming default explicitly is', async () => {
  const authz = tableAuthorizer({});
  const principal = new ServiceAccountPrincipal({ authorizer: authz });
  const sa = new ServiceAccountAdmission({ lookup: { get: async (_g, _r, _ns, name) => ({ metadata: { name, namespace: 'demo' } }), list: async () => [] } });
  const chain = new AdmissionChain([principal, sa]);
  const implicit = attrs('', 'pods', pod());
  await chain.admit(implicit);
  assert.equal((implicit.object!['spec'] as Obj)['serviceAccountName'], 'default');
  await chain.validate(implicit);
  assert.equal(authz.asked.length, 0);

  const explicit = attrs('', 'pods', pod('default'));
  await chain.admit(explicit);
  await assert.rejects(chain.validate(explicit), /ServiceAccount "demo\/default"/);
});

test('workload templates: create checks the named account, including CronJob job templates', async () => {
  const p = new ServiceAccountPrincipal({ authorizer: tableAuthorizer({}) });
  const deploy = { metadata: { name: 'web' }, spec: { template: template('deployer') } };
  await assert.rejects(run(p, attrs('apps', 'deployments', deploy)), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.message, 'deployments.apps "web" is forbidden: user "bob" may not run pods as ServiceAccount "demo/deployer": it needs permission to impersonate that ServiceAccount');
    return true;
  });
  for (const resource of ['replicasets', 'statefulsets', 'daemonsets']) {
    await assert.rejects(run(p, attrs('apps', resource, { metadata: { name: 'w' }, spec: { template: template('deployer') } })), /deployer/);
  }
  await assert.rejects(run(p, attrs('batch', 'jobs', { metadata: { name: 'j' }, spec: { template: template('deployer') } })), /jobs.batch "j" is forbidden/);
  await assert.rejects(
    run(p, attrs('batch', 'cronjobs', { metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template: template('deployer') } } } })),
    /cronjobs.batch "cj" is forbidden/,
  );
  // A template naming no account is not checked.
  await run(p, attrs('apps', 'deployments', { metadata: { name: 'web' }, spec: { template: template() } }));
});

test('workload updates are checked only when the account changes', async () => {
  const authz = tableAuthorizer({});
  const p = new ServiceAccountPrincipal({ authorizer: authz });
  const mk = (sa?: string, replicas = 1) => ({ metadata: { name: 'web' }, spec: { replicas, template: template(sa) } });
  await run(p, attrs('apps', 'deployments', mk('deployer', 3), 'UPDATE', mk('deployer', 1)));
  assert.equal(authz.asked.length, 0);
  await assert.rejects(run(p, attrs('apps', 'deployments', mk('deployer'), 'UPDATE', mk('builder'))), /deployer/);
  await assert.rejects(run(p, attrs('apps', 'deployments', mk('deployer'), 'UPDATE', mk())), /deployer/);
});

test('other resources and pod updates are ignored', async () => {
  const authz = tableAuthorizer({});
  const p = new ServiceAccountPrincipal({ authorizer: authz });
  await run(p, attrs('', 'pods', pod('deployer'), 'UPDATE', pod('deployer')));
  await run(p, attrs('', 'configmaps', { metadata: { name: 'c' }, spec: { serviceAccountName: 'deployer' } }));
  assert.equal(authz.asked.length, 0);
});
