// The RBAC API objects this package works on (rbac.authorization.k8s.io/v1), and the names of
// the bootstrap labels and annotations that reconciliation and aggregation read.
export type {
  AggregationRule,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from 'kubernetes-types/rbac/v1.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

export type RBACKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

/** `"false"` here opts an object out of bootstrap reconciliation. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAPPING_VALUE = 'rbac-defaults';

/** The group whose members the API server never restricts (privileged loopback and break-glass). */
export const SYSTEM_MASTERS = 'system:masters';
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
