// Facts from upstream Kubernetes: per definition and field, the strategic-merge-patch strategy and
// merge key, and the list/map topology. The OpenAPI generator stamps these onto the schemas.

export type PatchStrategy = 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
export type ListType = 'atomic' | 'set' | 'map';

export interface FieldPatchInfo {
  /** x-kubernetes-patch-strategy */
  patchStrategy?: PatchStrategy;
  /** x-kubernetes-patch-merge-key */
  patchMergeKey?: string;
  /** x-kubernetes-list-type */
  listType?: ListType;
  /** x-kubernetes-list-map-keys (only with listType 'map') */
  listMapKeys?: string[];
  /** x-kubernetes-map-type on the field */
  mapType?: 'atomic' | 'granular';
}

const core = 'io.k8s.api.core.v1';
const apps = 'io.k8s.api.apps.v1';
const batch = 'io.k8s.api.batch.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const certificates = 'io.k8s.api.certificates.v1';
const admission = 'io.k8s.api.admissionregistration.v1';

const byName: FieldPatchInfo = { patchStrategy: 'merge', patchMergeKey: 'name' };
const conditionsByType: FieldPatchInfo = { patchStrategy: 'merge', patchMergeKey: 'type' };
const atomic: FieldPatchInfo = { listType: 'atomic' };

// A container's lists, shared by Container and EphemeralContainer (upstream copies the tags).
const containerLists: Record<string, FieldPatchInfo> = {
  ports: { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  env: byName,
  volumeMounts: { patchStrategy: 'merge', patchMergeKey: 'mountPath' },
  volumeDevices: { patchStrategy: 'merge', patchMergeKey: 'devicePath' },
  resizePolicy: atomic,
  args: atomic,
  command: atomic,
  envFrom: atomic,
};

/** definition name → field name → patch facts. */
export const FIELD_PATCH_INFO: Record<string, Record<string, FieldPatchInfo>> = {
  [`${meta}.ObjectMeta`]: {
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    ownerReferences: { patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] },
  },
  [`${core}.PodSpec`]: {
    volumes: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
    initContainers: byName,
    containers: byName,
    ephemeralContainers: byName,
    imagePullSecrets: byName,
    hostAliases: { patchStrategy: 'merge', patchMergeKey: 'ip' },
    topologySpreadConstraints: { patchStrategy: 'merge', patchMergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    schedulingGates: { ...byName, listType: 'map', listMapKeys: ['name'] },
    resourceClaims: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  },
  [`${core}.PodStatus`]: {
    conditions: conditionsByType,
    podIPs: { patchStrategy: 'merge', patchMergeKey: 'ip' },
    hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
    resourceClaimStatuses: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  },
  [`${core}.Container`]: containerLists,
  [`${core}.EphemeralContainer`]: containerLists,
  [`${core}.ResourceRequirements`]: { claims: { listType: 'map', listMapKeys: ['name'] } },
  [`${core}.ServiceSpec`]: {
    ports: { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
    clusterIPs: atomic,
    ipFamilies: atomic,
  },
  [`${core}.ServiceStatus`]: { conditions: { ...conditionsByType, listType: 'map', listMapKeys: ['type'] } },
  [`${core}.LoadBalancerStatus`]: { ingress: atomic },
  [`${core}.LoadBalancerIngress`]: { ports: atomic },
  [`${core}.ServiceAccount`]: { secrets: byName },
  [`${core}.NodeSpec`]: { podCIDRs: { patchStrategy: 'merge', listType: 'set' } },
  [`${core}.NodeStatus`]: { conditions: conditionsByType, addresses: conditionsByType },
  [`${core}.NamespaceStatus`]: { conditions: conditionsByType },
  [`${core}.PersistentVolumeClaimStatus`]: { conditions: conditionsByType },
  [`${apps}.DeploymentSpec`]: { strategy: { patchStrategy: 'retainKeys' } },
  [`${apps}.DeploymentStatus`]: { conditions: conditionsByType },
  [`${apps}.ReplicaSetStatus`]: { conditions: conditionsByType },
  [`${apps}.StatefulSetStatus`]: { conditions: conditionsByType },
  [`${apps}.DaemonSetStatus`]: { conditions: conditionsByType },
  [`${apps}.StatefulSetSpec`]: { volumeClaimTemplates: atomic },
  [`${batch}.JobStatus`]: { conditions: { ...conditionsByType, listType: 'atomic' } },
  [`${batch}.CronJobStatus`]: { active: atomic },
  [`${certificates}.CertificateSigningRequestSpec`]: { usages: atomic, groups: atomic },
  [`${certificates}.CertificateSigningRequestStatus`]: { conditions: { listType: 'map', listMapKeys: ['type'] } },
  [`${admission}.MutatingWebhookConfiguration`]: { webhooks: { ...byName, listType: 'map', listMapKeys: ['name'] } },
  [`${admission}.ValidatingWebhookConfiguration`]: { webhooks: { ...byName, listType: 'map', listMapKeys: ['name'] } },
  [`${admission}.MutatingWebhook`]: { matchConditions: { ...byName, listType: 'map', listMapKeys: ['name'] } },
  [`${admission}.ValidatingWebhook`]: { matchConditions: { ...byName, listType: 'map', listMapKeys: ['name'] } },
};

/** Definitions upstream marks `+structType=atomic` (x-kubernetes-map-type: atomic on the definition). */
export const ATOMIC_STRUCTS: string[] = [
  `${meta}.LabelSelector`,
  `${meta}.OwnerReference`,
  `${core}.LocalObjectReference`,
  `${core}.ObjectReference`,
  `${core}.TypedLocalObjectReference`,
  `${core}.NodeSelector`,
  `${core}.NodeSelectorTerm`,
  `${core}.TopologySelectorTerm`,
  `${core}.ObjectFieldSelector`,
  `${core}.ResourceFieldSelector`,
  `${core}.ConfigMapKeySelector`,
  `${core}.SecretKeySelector`,
  `${core}.ScopeSelector`,
];

export function fieldPatchInfo(definition: string, field: string): FieldPatchInfo | undefined {
  return FIELD_PATCH_INFO[definition]?.[field];
}
