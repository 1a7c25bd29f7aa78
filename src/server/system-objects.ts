// Objects every cluster has from its first start: the system namespaces, the `kubernetes`
// Service, and read access for anyone to kube-public/cluster-info (the join handshake reads it).
import type { GenericRegistry, RegistryLookup } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { IMMORTAL_NAMESPACES } from '../admission/plugins/namespace-lifecycle/index.js';
import { KUBERNETES_SERVICE_IP } from '../registry/service-ip-allocator.js';


async function createIfMissing(reg: GenericRegistry, namespace: string, obj: Record<string, unknown>, user: UserInfo): Promise<void> {
  try {
    await reg.create(namespace, obj, { user, warnings: [] });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
}

export async function ensureSystemObjects(registries: RegistryLookup, securePort: number, user: UserInfo): Promise<void> {
  const namespaces = registries.registry('', 'v1', 'namespaces')!;
  for (const name of IMMORTAL_NAMESPACES) await createIfMissing(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, user);
  await createIfMissing(
    registries.registry('', 'v1', 'services')!,
    'default',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: securePort }], sessionAffinity: 'None', type: 'ClusterIP' },
    },
    user,
  );
  const rbac = 'rbac.authorization.k8s.io';
  await createIfMissing(
    registries.registry(rbac, 'v1', 'roles')!,
    'kube-public',
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: 'system:cluster-info-reader', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }],
    },
    user,
  );
  await createIfMissing(
    registries.registry(rbac, 'v1', 'rolebindings')!,
    'kube-public',
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'system:cluster-info-reader', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'system:cluster-info-reader' },
      subjects: [
        { apiGroup: rbac, kind: 'User', name: 'system:anonymous' },
        { apiGroup: rbac, kind: 'Group', name: 'system:authenticated' },
      ],
    },
    user,
  );
}
