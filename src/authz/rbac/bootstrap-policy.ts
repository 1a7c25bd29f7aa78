// The default roles and bindings every Bulwark cluster starts with: upstream's bootstrap policy
// (cluster-admin, admin/edit/view by aggregation, discovery and self-review roles, node bootstrap
// roles), narrowed to the resources Bulwark serves.
import {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAPPING_LABEL,
  BOOTSTRAPPING_VALUE,
  RBAC_API_VERSION,
  RBAC_GROUP,
  SYSTEM_MASTERS,
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
} from './types.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

function clusterRole(name: string, rules: PolicyRule[] | undefined, extraLabels: Record<string, string> = {}, aggregateFrom?: string): ClusterRole {
  const role: ClusterRole = {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE, ...extraLabels },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
  };
  if (aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] };
  if (rules) role.rules = rules;
  return role;
}

function clusterRoleBinding(name: string, roleName: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: {
      name,
      labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    subjects: groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: g })),
  };
}

/**
 * Fresh copies of the bootstrap ClusterRoles and ClusterRoleBindings. admin, edit and view carry
 * only their aggregationRule: their rules come from aggregation (aggregateClusterRoles), through
 * the system:aggregate-to-* roles and the chain view → edit → admin.
 */
export function bootstrapPolicy(): { clusterRoles: ClusterRole[]; clusterRoleBindings: ClusterRoleBinding[] } {
  const clusterRoles: ClusterRole[] = [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),

    // aggregated user-facing roles: edit feeds admin, view feeds edit
    clusterRole('admin', undefined, {}, AGGREGATE_TO_ADMIN),
    clusterRole('edit', undefined, { [AGGREGATE_TO_ADMIN]: 'true' }, AGGREGATE_TO_EDIT),
    clusterRole('view', undefined, { [AGGREGATE_TO_EDIT]: 'true' }, AGGREGATE_TO_VIEW),

    clusterRole(
      'system:aggregate-to-admin',
      [
        rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
        rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles']),
      ],
      { [AGGREGATE_TO_ADMIN]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        // secrets are readable by edit (not view): reading a service account token grants its rights
        rule(READ, [''], ['secrets']),
        rule(['impersonate'], [''], ['serviceaccounts']),
        rule(WRITE, [''], ['pods']),
        rule(WRITE, [''], ['configmaps', 'events', 'secrets', 'serviceaccounts', 'services']),
        rule(['create'], [''], ['serviceaccounts/token']),
        rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
        rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
        rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      ],
      { [AGGREGATE_TO_EDIT]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(READ, [''], ['configmaps', 'endpoints', 'pods', 'serviceaccounts', 'services', 'services/status']),
        rule(READ, [''], ['events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'resourcequotas', 'resourcequotas/status']),
        rule(READ, [''], ['namespaces']),
        rule(READ, ['apps'], [
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'statefulsets',
          'statefulsets/scale',
          'statefulsets/status',
        ]),
        rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      ],
      { [AGGREGATE_TO_VIEW]: 'true' },
    ),

    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:discovery', [
      urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient']),
    ]),
  ];

  const clusterRoleBindings: ClusterRoleBinding[] = [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [SYSTEM_MASTERS]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', ['system:authenticated']),
    clusterRoleBinding('system:discovery', 'system:discovery', ['system:authenticated']),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    clusterRoleBinding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', ['system:serviceaccounts']),
  ];

  return { clusterRoles, clusterRoleBindings };
}
