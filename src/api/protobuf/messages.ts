// Field table for the Kubernetes protobuf encoding (k8s.io/api generated.proto) of the kinds Bulwark serves,
// kept in our own compact form so that decode.ts can turn kubectl's protobuf request bodies into JSON objects.

/**
 * How a field's value is written on the wire and rendered in JSON:
 * - a scalar: `string`, `bool`, `int32`, `int64`, `uint32`, `uint64`, `double`, `float`, `bytes` (base64 in JSON);
 * - a well-known type with its own JSON form: `Time` (RFC 3339, seconds), `MicroTime` (RFC 3339, microseconds),
 *   `Quantity` (its string), `IntOrString` (number or string), `RawJSON` (FieldsV1 / RawExtension: raw JSON bytes),
 *   `StringList` (ExtraValue: a message wrapping `repeated string items`, rendered as a plain array);
 * - `map<string,V>`: repeated entry messages {1: key, 2: value} rendered as a JSON object;
 * - a message: `Name` in the same group/version, or `group/version.Name` elsewhere.
 */
export type FieldKind = string;

/**
 * `repeated`: a list. `pointer`: a Go pointer scalar, so a zero value on the wire was set on purpose and is kept.
 * `inline`: an embedded Go struct whose fields JSON flattens into the parent (json:",inline").
 * No mode: a Go value field, always written by the Go encoder, so a zero scalar means "unset" and is omitted.
 */
export type FieldMode = 'repeated' | 'pointer' | 'inline';

/** [JSON name, field number, kind, mode]; listed in Go struct order, which is the JSON key order. */
export type FieldSpec = readonly [json: string, number: number, kind: FieldKind, mode?: FieldMode];

export type MessageTable = Readonly<Record<string, Readonly<Record<string, readonly FieldSpec[]>>>>;

/**
 * Messages by package ("core/v1", "meta/v1", "apps/v1", …), as encoded by Kubernetes 1.33: the messages reachable
 * from KINDS. Numbers, names and Go pointer-ness were read from the protobuf descriptors kubectl 1.33 embeds and
 * spot-checked against k8s.io/api's generated.proto; JSON names differ from protobuf names in two places
 * (admissionregistration `Webhooks` → `webhooks`, authentication BoundObjectReference `uID` → `uid`).
 */
export const MESSAGES: MessageTable = {
  'admissionregistration/v1': {
    MatchCondition: [['name', 1, 'string'], ['expression', 2, 'string']],
    MutatingWebhook: [
      ['name', 1, 'string'], ['clientConfig', 2, 'WebhookClientConfig'], ['rules', 3, 'RuleWithOperations', 'repeated'],
      ['failurePolicy', 4, 'string', 'pointer'], ['matchPolicy', 9, 'string', 'pointer'], ['namespaceSelector', 5, 'meta/v1.LabelSelector'],
      ['objectSelector', 11, 'meta/v1.LabelSelector'], ['sideEffects', 6, 'string', 'pointer'], ['timeoutSeconds', 7, 'int32', 'pointer'],
      ['admissionReviewVersions', 8, 'string', 'repeated'], ['reinvocationPolicy', 10, 'string', 'pointer'],
      ['matchConditions', 12, 'MatchCondition', 'repeated'],
    ],
    MutatingWebhookConfiguration: [['metadata', 1, 'meta/v1.ObjectMeta'], ['webhooks', 2, 'MutatingWebhook', 'repeated']],
    Rule: [
      ['apiGroups', 1, 'string', 'repeated'], ['apiVersions', 2, 'string', 'repeated'], ['resources', 3, 'string', 'repeated'],
      ['scope', 4, 'string', 'pointer'],
    ],
    RuleWithOperations: [['operations', 1, 'string', 'repeated'], ['rule', 2, 'Rule', 'inline']],
    ServiceReference: [['namespace', 1, 'string'], ['name', 2, 'string'], ['path', 3, 'string', 'pointer'], ['port', 4, 'int32', 'pointer']],
    ValidatingWebhook: [
      ['name', 1, 'string'], ['clientConfig', 2, 'WebhookClientConfig'], ['rules', 3, 'RuleWithOperations', 'repeated'],
      ['failurePolicy', 4, 'string', 'pointer'], ['matchPolicy', 9, 'string', 'pointer'], ['namespaceSelector', 5, 'meta/v1.LabelSelector'],
      ['objectSelector', 10, 'meta/v1.LabelSelector'], ['sideEffects', 6, 'string', 'pointer'], ['timeoutSeconds', 7, 'int32', 'pointer'],
      ['admissionReviewVersions', 8, 'string', 'repeated'], ['matchConditions', 11, 'MatchCondition', 'repeated'],
    ],
    ValidatingWebhookConfiguration: [['metadata', 1, 'meta/v1.ObjectMeta'], ['webhooks', 2, 'ValidatingWebhook', 'repeated']],
    WebhookClientConfig: [['url', 3, 'string', 'pointer'], ['service', 1, 'ServiceReference'], ['caBundle', 2, 'bytes']],
  },
  'apps/v1': {
    DaemonSet: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'DaemonSetSpec'], ['status', 3, 'DaemonSetStatus']],
    DaemonSetCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastTransitionTime', 3, 'Time'], ['reason', 4, 'string'], ['message', 5, 'string'],
    ],
    DaemonSetSpec: [
      ['selector', 1, 'meta/v1.LabelSelector'], ['template', 2, 'core/v1.PodTemplateSpec'], ['updateStrategy', 3, 'DaemonSetUpdateStrategy'],
      ['minReadySeconds', 4, 'int32'], ['revisionHistoryLimit', 6, 'int32', 'pointer'],
    ],
    DaemonSetStatus: [
      ['currentNumberScheduled', 1, 'int32'], ['numberMisscheduled', 2, 'int32'], ['desiredNumberScheduled', 3, 'int32'], ['numberReady', 4, 'int32'],
      ['observedGeneration', 5, 'int64'], ['updatedNumberScheduled', 6, 'int32'], ['numberAvailable', 7, 'int32'], ['numberUnavailable', 8, 'int32'],
      ['collisionCount', 9, 'int32', 'pointer'], ['conditions', 10, 'DaemonSetCondition', 'repeated'],
    ],
    DaemonSetUpdateStrategy: [['type', 1, 'string'], ['rollingUpdate', 2, 'RollingUpdateDaemonSet']],
    Deployment: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'DeploymentSpec'], ['status', 3, 'DeploymentStatus']],
    DeploymentCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastUpdateTime', 6, 'Time'], ['lastTransitionTime', 7, 'Time'], ['reason', 4, 'string'],
      ['message', 5, 'string'],
    ],
    DeploymentSpec: [
      ['replicas', 1, 'int32', 'pointer'], ['selector', 2, 'meta/v1.LabelSelector'], ['template', 3, 'core/v1.PodTemplateSpec'],
      ['strategy', 4, 'DeploymentStrategy'], ['minReadySeconds', 5, 'int32'], ['revisionHistoryLimit', 6, 'int32', 'pointer'], ['paused', 7, 'bool'],
      ['progressDeadlineSeconds', 9, 'int32', 'pointer'],
    ],
    DeploymentStatus: [
      ['observedGeneration', 1, 'int64'], ['replicas', 2, 'int32'], ['updatedReplicas', 3, 'int32'], ['readyReplicas', 7, 'int32'],
      ['availableReplicas', 4, 'int32'], ['unavailableReplicas', 5, 'int32'], ['terminatingReplicas', 9, 'int32', 'pointer'],
      ['conditions', 6, 'DeploymentCondition', 'repeated'], ['collisionCount', 8, 'int32', 'pointer'],
    ],
    DeploymentStrategy: [['type', 1, 'string'], ['rollingUpdate', 2, 'RollingUpdateDeployment']],
    ReplicaSet: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'ReplicaSetSpec'], ['status', 3, 'ReplicaSetStatus']],
    ReplicaSetCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastTransitionTime', 3, 'Time'], ['reason', 4, 'string'], ['message', 5, 'string'],
    ],
    ReplicaSetSpec: [
      ['replicas', 1, 'int32', 'pointer'], ['minReadySeconds', 4, 'int32'], ['selector', 2, 'meta/v1.LabelSelector'],
      ['template', 3, 'core/v1.PodTemplateSpec'],
    ],
    ReplicaSetStatus: [
      ['replicas', 1, 'int32'], ['fullyLabeledReplicas', 2, 'int32'], ['readyReplicas', 4, 'int32'], ['availableReplicas', 5, 'int32'],
      ['terminatingReplicas', 7, 'int32', 'pointer'], ['observedGeneration', 3, 'int64'], ['conditions', 6, 'ReplicaSetCondition', 'repeated'],
    ],
    RollingUpdateDaemonSet: [['maxUnavailable', 1, 'IntOrString'], ['maxSurge', 2, 'IntOrString']],
    RollingUpdateDeployment: [['maxUnavailable', 1, 'IntOrString'], ['maxSurge', 2, 'IntOrString']],
    RollingUpdateStatefulSetStrategy: [['partition', 1, 'int32', 'pointer'], ['maxUnavailable', 2, 'IntOrString']],
    StatefulSet: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'StatefulSetSpec'], ['status', 3, 'StatefulSetStatus']],
    StatefulSetCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastTransitionTime', 3, 'Time'], ['reason', 4, 'string'], ['message', 5, 'string'],
    ],
    StatefulSetOrdinals: [['start', 1, 'int32']],
    StatefulSetPersistentVolumeClaimRetentionPolicy: [['whenDeleted', 1, 'string'], ['whenScaled', 2, 'string']],
    StatefulSetSpec: [
      ['replicas', 1, 'int32', 'pointer'], ['selector', 2, 'meta/v1.LabelSelector'], ['template', 3, 'core/v1.PodTemplateSpec'],
      ['volumeClaimTemplates', 4, 'core/v1.PersistentVolumeClaim', 'repeated'], ['serviceName', 5, 'string'], ['podManagementPolicy', 6, 'string'],
      ['updateStrategy', 7, 'StatefulSetUpdateStrategy'], ['revisionHistoryLimit', 8, 'int32', 'pointer'], ['minReadySeconds', 9, 'int32'],
      ['persistentVolumeClaimRetentionPolicy', 10, 'StatefulSetPersistentVolumeClaimRetentionPolicy'], ['ordinals', 11, 'StatefulSetOrdinals'],
    ],
    StatefulSetStatus: [
      ['observedGeneration', 1, 'int64'], ['replicas', 2, 'int32'], ['readyReplicas', 3, 'int32'], ['currentReplicas', 4, 'int32'],
      ['updatedReplicas', 5, 'int32'], ['currentRevision', 6, 'string'], ['updateRevision', 7, 'string'], ['collisionCount', 9, 'int32', 'pointer'],
      ['conditions', 10, 'StatefulSetCondition', 'repeated'], ['availableReplicas', 11, 'int32'],
    ],
    StatefulSetUpdateStrategy: [['type', 1, 'string'], ['rollingUpdate', 2, 'RollingUpdateStatefulSetStrategy']],
  },
  'authentication/v1': {
    BoundObjectReference: [['kind', 1, 'string'], ['apiVersion', 2, 'string'], ['name', 3, 'string'], ['uid', 4, 'string']],
    SelfSubjectReview: [['metadata', 1, 'meta/v1.ObjectMeta'], ['status', 2, 'SelfSubjectReviewStatus']],
    SelfSubjectReviewStatus: [['userInfo', 1, 'UserInfo']],
    TokenRequest: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'TokenRequestSpec'], ['status', 3, 'TokenRequestStatus']],
    TokenRequestSpec: [
      ['audiences', 1, 'string', 'repeated'], ['expirationSeconds', 4, 'int64', 'pointer'], ['boundObjectRef', 3, 'BoundObjectReference'],
    ],
    TokenRequestStatus: [['token', 1, 'string'], ['expirationTimestamp', 2, 'Time']],
    TokenReview: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'TokenReviewSpec'], ['status', 3, 'TokenReviewStatus']],
    TokenReviewSpec: [['token', 1, 'string'], ['audiences', 2, 'string', 'repeated']],
    TokenReviewStatus: [['authenticated', 1, 'bool'], ['user', 2, 'UserInfo'], ['audiences', 4, 'string', 'repeated'], ['error', 3, 'string']],
    UserInfo: [['username', 1, 'string'], ['uid', 2, 'string'], ['groups', 3, 'string', 'repeated'], ['extra', 4, 'map<string,StringList>']],
  },
  'authorization/v1': {
    FieldSelectorAttributes: [['rawSelector', 1, 'string'], ['requirements', 2, 'meta/v1.FieldSelectorRequirement', 'repeated']],
    LabelSelectorAttributes: [['rawSelector', 1, 'string'], ['requirements', 2, 'meta/v1.LabelSelectorRequirement', 'repeated']],
    LocalSubjectAccessReview: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'SubjectAccessReviewSpec'], ['status', 3, 'SubjectAccessReviewStatus'],
    ],
    NonResourceAttributes: [['path', 1, 'string'], ['verb', 2, 'string']],
    NonResourceRule: [['verbs', 1, 'string', 'repeated'], ['nonResourceURLs', 2, 'string', 'repeated']],
    ResourceAttributes: [
      ['namespace', 1, 'string'], ['verb', 2, 'string'], ['group', 3, 'string'], ['version', 4, 'string'], ['resource', 5, 'string'],
      ['subresource', 6, 'string'], ['name', 7, 'string'], ['fieldSelector', 8, 'FieldSelectorAttributes'],
      ['labelSelector', 9, 'LabelSelectorAttributes'],
    ],
    ResourceRule: [
      ['verbs', 1, 'string', 'repeated'], ['apiGroups', 2, 'string', 'repeated'], ['resources', 3, 'string', 'repeated'],
      ['resourceNames', 4, 'string', 'repeated'],
    ],
    SelfSubjectAccessReview: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'SelfSubjectAccessReviewSpec'], ['status', 3, 'SubjectAccessReviewStatus'],
    ],
    SelfSubjectAccessReviewSpec: [['resourceAttributes', 1, 'ResourceAttributes'], ['nonResourceAttributes', 2, 'NonResourceAttributes']],
    SelfSubjectRulesReview: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'SelfSubjectRulesReviewSpec'], ['status', 3, 'SubjectRulesReviewStatus'],
    ],
    SelfSubjectRulesReviewSpec: [['namespace', 1, 'string']],
    SubjectAccessReview: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'SubjectAccessReviewSpec'], ['status', 3, 'SubjectAccessReviewStatus']],
    SubjectAccessReviewSpec: [
      ['resourceAttributes', 1, 'ResourceAttributes'], ['nonResourceAttributes', 2, 'NonResourceAttributes'], ['user', 3, 'string'],
      ['groups', 4, 'string', 'repeated'], ['extra', 5, 'map<string,StringList>'], ['uid', 6, 'string'],
    ],
    SubjectAccessReviewStatus: [['allowed', 1, 'bool'], ['denied', 4, 'bool'], ['reason', 2, 'string'], ['evaluationError', 3, 'string']],
    SubjectRulesReviewStatus: [
      ['resourceRules', 1, 'ResourceRule', 'repeated'], ['nonResourceRules', 2, 'NonResourceRule', 'repeated'], ['incomplete', 3, 'bool'],
      ['evaluationError', 4, 'string'],
    ],
  },
  'autoscaling/v1': {
    Scale: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'ScaleSpec'], ['status', 3, 'ScaleStatus']],
    ScaleSpec: [['replicas', 1, 'int32']],
    ScaleStatus: [['replicas', 1, 'int32'], ['selector', 2, 'string']],
  },
  'batch/v1': {
    CronJob: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'CronJobSpec'], ['status', 3, 'CronJobStatus']],
    CronJobSpec: [
      ['schedule', 1, 'string'], ['timeZone', 8, 'string', 'pointer'], ['startingDeadlineSeconds', 2, 'int64', 'pointer'],
      ['concurrencyPolicy', 3, 'string'], ['suspend', 4, 'bool', 'pointer'], ['jobTemplate', 5, 'JobTemplateSpec'],
      ['successfulJobsHistoryLimit', 6, 'int32', 'pointer'], ['failedJobsHistoryLimit', 7, 'int32', 'pointer'],
    ],
    CronJobStatus: [['active', 1, 'core/v1.ObjectReference', 'repeated'], ['lastScheduleTime', 4, 'Time'], ['lastSuccessfulTime', 5, 'Time']],
    Job: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'JobSpec'], ['status', 3, 'JobStatus']],
    JobCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastProbeTime', 3, 'Time'], ['lastTransitionTime', 4, 'Time'], ['reason', 5, 'string'],
      ['message', 6, 'string'],
    ],
    JobSpec: [
      ['parallelism', 1, 'int32', 'pointer'], ['completions', 2, 'int32', 'pointer'], ['activeDeadlineSeconds', 3, 'int64', 'pointer'],
      ['podFailurePolicy', 11, 'PodFailurePolicy'], ['successPolicy', 16, 'SuccessPolicy'], ['backoffLimit', 7, 'int32', 'pointer'],
      ['backoffLimitPerIndex', 12, 'int32', 'pointer'], ['maxFailedIndexes', 13, 'int32', 'pointer'], ['selector', 4, 'meta/v1.LabelSelector'],
      ['manualSelector', 5, 'bool', 'pointer'], ['template', 6, 'core/v1.PodTemplateSpec'], ['ttlSecondsAfterFinished', 8, 'int32', 'pointer'],
      ['completionMode', 9, 'string', 'pointer'], ['suspend', 10, 'bool', 'pointer'], ['podReplacementPolicy', 14, 'string', 'pointer'],
      ['managedBy', 15, 'string', 'pointer'],
    ],
    JobStatus: [
      ['conditions', 1, 'JobCondition', 'repeated'], ['startTime', 2, 'Time'], ['completionTime', 3, 'Time'], ['active', 4, 'int32'],
      ['succeeded', 5, 'int32'], ['failed', 6, 'int32'], ['terminating', 11, 'int32', 'pointer'], ['completedIndexes', 7, 'string'],
      ['failedIndexes', 10, 'string', 'pointer'], ['uncountedTerminatedPods', 8, 'UncountedTerminatedPods'], ['ready', 9, 'int32', 'pointer'],
    ],
    JobTemplateSpec: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'JobSpec']],
    PodFailurePolicy: [['rules', 1, 'PodFailurePolicyRule', 'repeated']],
    PodFailurePolicyOnExitCodesRequirement: [
      ['containerName', 1, 'string', 'pointer'], ['operator', 2, 'string'], ['values', 3, 'int32', 'repeated'],
    ],
    PodFailurePolicyOnPodConditionsPattern: [['type', 1, 'string'], ['status', 2, 'string']],
    PodFailurePolicyRule: [
      ['action', 1, 'string'], ['onExitCodes', 2, 'PodFailurePolicyOnExitCodesRequirement'],
      ['onPodConditions', 3, 'PodFailurePolicyOnPodConditionsPattern', 'repeated'],
    ],
    SuccessPolicy: [['rules', 1, 'SuccessPolicyRule', 'repeated']],
    SuccessPolicyRule: [['succeededIndexes', 1, 'string', 'pointer'], ['succeededCount', 2, 'int32', 'pointer']],
    UncountedTerminatedPods: [['succeeded', 1, 'string', 'repeated'], ['failed', 2, 'string', 'repeated']],
  },
  'certificates/v1': {
    CertificateSigningRequest: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'CertificateSigningRequestSpec'], ['status', 3, 'CertificateSigningRequestStatus'],
    ],
    CertificateSigningRequestCondition: [
      ['type', 1, 'string'], ['status', 6, 'string'], ['reason', 2, 'string'], ['message', 3, 'string'], ['lastUpdateTime', 4, 'Time'],
      ['lastTransitionTime', 5, 'Time'],
    ],
    CertificateSigningRequestSpec: [
      ['request', 1, 'bytes'], ['signerName', 7, 'string'], ['expirationSeconds', 8, 'int32', 'pointer'], ['usages', 5, 'string', 'repeated'],
      ['username', 2, 'string'], ['uid', 3, 'string'], ['groups', 4, 'string', 'repeated'], ['extra', 6, 'map<string,StringList>'],
    ],
    CertificateSigningRequestStatus: [['conditions', 1, 'CertificateSigningRequestCondition', 'repeated'], ['certificate', 2, 'bytes']],
  },
  'coordination/v1': {
    Lease: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'LeaseSpec']],
    LeaseSpec: [
      ['holderIdentity', 1, 'string', 'pointer'], ['leaseDurationSeconds', 2, 'int32', 'pointer'], ['acquireTime', 3, 'MicroTime'],
      ['renewTime', 4, 'MicroTime'], ['leaseTransitions', 5, 'int32', 'pointer'], ['strategy', 6, 'string', 'pointer'],
      ['preferredHolder', 7, 'string', 'pointer'],
    ],
  },
  'core/v1': {
    Affinity: [['nodeAffinity', 1, 'NodeAffinity'], ['podAffinity', 2, 'PodAffinity'], ['podAntiAffinity', 3, 'PodAntiAffinity']],
    AppArmorProfile: [['type', 1, 'string'], ['localhostProfile', 2, 'string', 'pointer']],
    AttachedVolume: [['name', 1, 'string'], ['devicePath', 2, 'string']],
    AWSElasticBlockStoreVolumeSource: [['volumeID', 1, 'string'], ['fsType', 2, 'string'], ['partition', 3, 'int32'], ['readOnly', 4, 'bool']],
    AzureDiskVolumeSource: [
      ['diskName', 1, 'string'], ['diskURI', 2, 'string'], ['cachingMode', 3, 'string', 'pointer'], ['fsType', 4, 'string', 'pointer'],
      ['readOnly', 5, 'bool', 'pointer'], ['kind', 6, 'string', 'pointer'],
    ],
    AzureFileVolumeSource: [['secretName', 1, 'string'], ['shareName', 2, 'string'], ['readOnly', 3, 'bool']],
    Binding: [['metadata', 1, 'meta/v1.ObjectMeta'], ['target', 2, 'ObjectReference']],
    Capabilities: [['add', 1, 'string', 'repeated'], ['drop', 2, 'string', 'repeated']],
    CephFSVolumeSource: [
      ['monitors', 1, 'string', 'repeated'], ['path', 2, 'string'], ['user', 3, 'string'], ['secretFile', 4, 'string'],
      ['secretRef', 5, 'LocalObjectReference'], ['readOnly', 6, 'bool'],
    ],
    CinderVolumeSource: [['volumeID', 1, 'string'], ['fsType', 2, 'string'], ['readOnly', 3, 'bool'], ['secretRef', 4, 'LocalObjectReference']],
    ClientIPConfig: [['timeoutSeconds', 1, 'int32', 'pointer']],
    ClusterTrustBundleProjection: [
      ['name', 1, 'string', 'pointer'], ['signerName', 2, 'string', 'pointer'], ['labelSelector', 3, 'meta/v1.LabelSelector'],
      ['optional', 5, 'bool', 'pointer'], ['path', 4, 'string'],
    ],
    ConfigMap: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['immutable', 4, 'bool', 'pointer'], ['data', 2, 'map<string,string>'],
      ['binaryData', 3, 'map<string,bytes>'],
    ],
    ConfigMapEnvSource: [['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['optional', 2, 'bool', 'pointer']],
    ConfigMapKeySelector: [['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['key', 2, 'string'], ['optional', 3, 'bool', 'pointer']],
    ConfigMapNodeConfigSource: [
      ['namespace', 1, 'string'], ['name', 2, 'string'], ['uid', 3, 'string'], ['resourceVersion', 4, 'string'], ['kubeletConfigKey', 5, 'string'],
    ],
    ConfigMapProjection: [
      ['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['items', 2, 'KeyToPath', 'repeated'], ['optional', 4, 'bool', 'pointer'],
    ],
    ConfigMapVolumeSource: [
      ['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['items', 2, 'KeyToPath', 'repeated'], ['defaultMode', 3, 'int32', 'pointer'],
      ['optional', 4, 'bool', 'pointer'],
    ],
    Container: [
      ['name', 1, 'string'], ['image', 2, 'string'], ['command', 3, 'string', 'repeated'], ['args', 4, 'string', 'repeated'],
      ['workingDir', 5, 'string'], ['ports', 6, 'ContainerPort', 'repeated'], ['envFrom', 19, 'EnvFromSource', 'repeated'],
      ['env', 7, 'EnvVar', 'repeated'], ['resources', 8, 'ResourceRequirements'], ['resizePolicy', 23, 'ContainerResizePolicy', 'repeated'],
      ['restartPolicy', 24, 'string', 'pointer'], ['volumeMounts', 9, 'VolumeMount', 'repeated'], ['volumeDevices', 21, 'VolumeDevice', 'repeated'],
      ['livenessProbe', 10, 'Probe'], ['readinessProbe', 11, 'Probe'], ['startupProbe', 22, 'Probe'], ['lifecycle', 12, 'Lifecycle'],
      ['terminationMessagePath', 13, 'string'], ['terminationMessagePolicy', 20, 'string'], ['imagePullPolicy', 14, 'string'],
      ['securityContext', 15, 'SecurityContext'], ['stdin', 16, 'bool'], ['stdinOnce', 17, 'bool'], ['tty', 18, 'bool'],
    ],
    ContainerImage: [['names', 1, 'string', 'repeated'], ['sizeBytes', 2, 'int64']],
    ContainerPort: [
      ['name', 1, 'string'], ['hostPort', 2, 'int32'], ['containerPort', 3, 'int32'], ['protocol', 4, 'string'], ['hostIP', 5, 'string'],
    ],
    ContainerResizePolicy: [['resourceName', 1, 'string'], ['restartPolicy', 2, 'string']],
    ContainerState: [['waiting', 1, 'ContainerStateWaiting'], ['running', 2, 'ContainerStateRunning'], ['terminated', 3, 'ContainerStateTerminated']],
    ContainerStateRunning: [['startedAt', 1, 'Time']],
    ContainerStateTerminated: [
      ['exitCode', 1, 'int32'], ['signal', 2, 'int32'], ['reason', 3, 'string'], ['message', 4, 'string'], ['startedAt', 5, 'Time'],
      ['finishedAt', 6, 'Time'], ['containerID', 7, 'string'],
    ],
    ContainerStateWaiting: [['reason', 1, 'string'], ['message', 2, 'string']],
    ContainerStatus: [
      ['name', 1, 'string'], ['state', 2, 'ContainerState'], ['lastState', 3, 'ContainerState'], ['ready', 4, 'bool'], ['restartCount', 5, 'int32'],
      ['image', 6, 'string'], ['imageID', 7, 'string'], ['containerID', 8, 'string'], ['started', 9, 'bool', 'pointer'],
      ['allocatedResources', 10, 'map<string,Quantity>'], ['resources', 11, 'ResourceRequirements'],
      ['volumeMounts', 12, 'VolumeMountStatus', 'repeated'], ['user', 13, 'ContainerUser'],
      ['allocatedResourcesStatus', 14, 'ResourceStatus', 'repeated'], ['stopSignal', 15, 'string', 'pointer'],
    ],
    ContainerUser: [['linux', 1, 'LinuxContainerUser']],
    CSIVolumeSource: [
      ['driver', 1, 'string'], ['readOnly', 2, 'bool', 'pointer'], ['fsType', 3, 'string', 'pointer'], ['volumeAttributes', 4, 'map<string,string>'],
      ['nodePublishSecretRef', 5, 'LocalObjectReference'],
    ],
    DaemonEndpoint: [['Port', 1, 'int32']],
    DownwardAPIProjection: [['items', 1, 'DownwardAPIVolumeFile', 'repeated']],
    DownwardAPIVolumeFile: [
      ['path', 1, 'string'], ['fieldRef', 2, 'ObjectFieldSelector'], ['resourceFieldRef', 3, 'ResourceFieldSelector'],
      ['mode', 4, 'int32', 'pointer'],
    ],
    DownwardAPIVolumeSource: [['items', 1, 'DownwardAPIVolumeFile', 'repeated'], ['defaultMode', 2, 'int32', 'pointer']],
    EmptyDirVolumeSource: [['medium', 1, 'string'], ['sizeLimit', 2, 'Quantity']],
    EndpointAddress: [['ip', 1, 'string'], ['hostname', 3, 'string'], ['nodeName', 4, 'string', 'pointer'], ['targetRef', 2, 'ObjectReference']],
    EndpointPort: [['name', 1, 'string'], ['port', 2, 'int32'], ['protocol', 3, 'string'], ['appProtocol', 4, 'string', 'pointer']],
    Endpoints: [['metadata', 1, 'meta/v1.ObjectMeta'], ['subsets', 2, 'EndpointSubset', 'repeated']],
    EndpointSubset: [
      ['addresses', 1, 'EndpointAddress', 'repeated'], ['notReadyAddresses', 2, 'EndpointAddress', 'repeated'],
      ['ports', 3, 'EndpointPort', 'repeated'],
    ],
    EnvFromSource: [['prefix', 1, 'string'], ['configMapRef', 2, 'ConfigMapEnvSource'], ['secretRef', 3, 'SecretEnvSource']],
    EnvVar: [['name', 1, 'string'], ['value', 2, 'string'], ['valueFrom', 3, 'EnvVarSource']],
    EnvVarSource: [
      ['fieldRef', 1, 'ObjectFieldSelector'], ['resourceFieldRef', 2, 'ResourceFieldSelector'], ['configMapKeyRef', 3, 'ConfigMapKeySelector'],
      ['secretKeyRef', 4, 'SecretKeySelector'],
    ],
    EphemeralContainer: [['ephemeralContainerCommon', 1, 'EphemeralContainerCommon', 'inline'], ['targetContainerName', 2, 'string']],
    EphemeralContainerCommon: [
      ['name', 1, 'string'], ['image', 2, 'string'], ['command', 3, 'string', 'repeated'], ['args', 4, 'string', 'repeated'],
      ['workingDir', 5, 'string'], ['ports', 6, 'ContainerPort', 'repeated'], ['envFrom', 19, 'EnvFromSource', 'repeated'],
      ['env', 7, 'EnvVar', 'repeated'], ['resources', 8, 'ResourceRequirements'], ['resizePolicy', 23, 'ContainerResizePolicy', 'repeated'],
      ['restartPolicy', 24, 'string', 'pointer'], ['volumeMounts', 9, 'VolumeMount', 'repeated'], ['volumeDevices', 21, 'VolumeDevice', 'repeated'],
      ['livenessProbe', 10, 'Probe'], ['readinessProbe', 11, 'Probe'], ['startupProbe', 22, 'Probe'], ['lifecycle', 12, 'Lifecycle'],
      ['terminationMessagePath', 13, 'string'], ['terminationMessagePolicy', 20, 'string'], ['imagePullPolicy', 14, 'string'],
      ['securityContext', 15, 'SecurityContext'], ['stdin', 16, 'bool'], ['stdinOnce', 17, 'bool'], ['tty', 18, 'bool'],
    ],
    EphemeralVolumeSource: [['volumeClaimTemplate', 1, 'PersistentVolumeClaimTemplate']],
    Event: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['involvedObject', 2, 'ObjectReference'], ['reason', 3, 'string'], ['message', 4, 'string'],
      ['source', 5, 'EventSource'], ['firstTimestamp', 6, 'Time'], ['lastTimestamp', 7, 'Time'], ['count', 8, 'int32'], ['type', 9, 'string'],
      ['eventTime', 10, 'MicroTime'], ['series', 11, 'EventSeries'], ['action', 12, 'string'], ['related', 13, 'ObjectReference'],
      ['reportingComponent', 14, 'string'], ['reportingInstance', 15, 'string'],
    ],
    EventSeries: [['count', 1, 'int32'], ['lastObservedTime', 2, 'MicroTime']],
    EventSource: [['component', 1, 'string'], ['host', 2, 'string']],
    ExecAction: [['command', 1, 'string', 'repeated']],
    FCVolumeSource: [
      ['targetWWNs', 1, 'string', 'repeated'], ['lun', 2, 'int32', 'pointer'], ['fsType', 3, 'string'], ['readOnly', 4, 'bool'],
      ['wwids', 5, 'string', 'repeated'],
    ],
    FlexVolumeSource: [
      ['driver', 1, 'string'], ['fsType', 2, 'string'], ['secretRef', 3, 'LocalObjectReference'], ['readOnly', 4, 'bool'],
      ['options', 5, 'map<string,string>'],
    ],
    FlockerVolumeSource: [['datasetName', 1, 'string'], ['datasetUUID', 2, 'string']],
    GCEPersistentDiskVolumeSource: [['pdName', 1, 'string'], ['fsType', 2, 'string'], ['partition', 3, 'int32'], ['readOnly', 4, 'bool']],
    GitRepoVolumeSource: [['repository', 1, 'string'], ['revision', 2, 'string'], ['directory', 3, 'string']],
    GlusterfsVolumeSource: [['endpoints', 1, 'string'], ['path', 2, 'string'], ['readOnly', 3, 'bool']],
    GRPCAction: [['port', 1, 'int32'], ['service', 2, 'string', 'pointer']],
    HostAlias: [['ip', 1, 'string'], ['hostnames', 2, 'string', 'repeated']],
    HostIP: [['ip', 1, 'string']],
    HostPathVolumeSource: [['path', 1, 'string'], ['type', 2, 'string', 'pointer']],
    HTTPGetAction: [
      ['path', 1, 'string'], ['port', 2, 'IntOrString'], ['host', 3, 'string'], ['scheme', 4, 'string'], ['httpHeaders', 5, 'HTTPHeader', 'repeated'],
    ],
    HTTPHeader: [['name', 1, 'string'], ['value', 2, 'string']],
    ImageVolumeSource: [['reference', 1, 'string'], ['pullPolicy', 2, 'string']],
    ISCSIVolumeSource: [
      ['targetPortal', 1, 'string'], ['iqn', 2, 'string'], ['lun', 3, 'int32'], ['iscsiInterface', 4, 'string'], ['fsType', 5, 'string'],
      ['readOnly', 6, 'bool'], ['portals', 7, 'string', 'repeated'], ['chapAuthDiscovery', 8, 'bool'], ['chapAuthSession', 11, 'bool'],
      ['secretRef', 10, 'LocalObjectReference'], ['initiatorName', 12, 'string', 'pointer'],
    ],
    KeyToPath: [['key', 1, 'string'], ['path', 2, 'string'], ['mode', 3, 'int32', 'pointer']],
    Lifecycle: [['postStart', 1, 'LifecycleHandler'], ['preStop', 2, 'LifecycleHandler'], ['stopSignal', 3, 'string', 'pointer']],
    LifecycleHandler: [['exec', 1, 'ExecAction'], ['httpGet', 2, 'HTTPGetAction'], ['tcpSocket', 3, 'TCPSocketAction'], ['sleep', 4, 'SleepAction']],
    LimitRange: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'LimitRangeSpec']],
    LimitRangeItem: [
      ['type', 1, 'string'], ['max', 2, 'map<string,Quantity>'], ['min', 3, 'map<string,Quantity>'], ['default', 4, 'map<string,Quantity>'],
      ['defaultRequest', 5, 'map<string,Quantity>'], ['maxLimitRequestRatio', 6, 'map<string,Quantity>'],
    ],
    LimitRangeSpec: [['limits', 1, 'LimitRangeItem', 'repeated']],
    LinuxContainerUser: [['uid', 1, 'int64'], ['gid', 2, 'int64'], ['supplementalGroups', 3, 'int64', 'repeated']],
    LoadBalancerIngress: [['ip', 1, 'string'], ['hostname', 2, 'string'], ['ipMode', 3, 'string', 'pointer'], ['ports', 4, 'PortStatus', 'repeated']],
    LoadBalancerStatus: [['ingress', 1, 'LoadBalancerIngress', 'repeated']],
    LocalObjectReference: [['name', 1, 'string']],
    ModifyVolumeStatus: [['targetVolumeAttributesClassName', 1, 'string'], ['status', 2, 'string']],
    Namespace: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'NamespaceSpec'], ['status', 3, 'NamespaceStatus']],
    NamespaceCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastTransitionTime', 4, 'Time'], ['reason', 5, 'string'], ['message', 6, 'string'],
    ],
    NamespaceSpec: [['finalizers', 1, 'string', 'repeated']],
    NamespaceStatus: [['phase', 1, 'string'], ['conditions', 2, 'NamespaceCondition', 'repeated']],
    NFSVolumeSource: [['server', 1, 'string'], ['path', 2, 'string'], ['readOnly', 3, 'bool']],
    Node: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'NodeSpec'], ['status', 3, 'NodeStatus']],
    NodeAddress: [['type', 1, 'string'], ['address', 2, 'string']],
    NodeAffinity: [
      ['requiredDuringSchedulingIgnoredDuringExecution', 1, 'NodeSelector'],
      ['preferredDuringSchedulingIgnoredDuringExecution', 2, 'PreferredSchedulingTerm', 'repeated'],
    ],
    NodeCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastHeartbeatTime', 3, 'Time'], ['lastTransitionTime', 4, 'Time'], ['reason', 5, 'string'],
      ['message', 6, 'string'],
    ],
    NodeConfigSource: [['configMap', 2, 'ConfigMapNodeConfigSource']],
    NodeConfigStatus: [
      ['assigned', 1, 'NodeConfigSource'], ['active', 2, 'NodeConfigSource'], ['lastKnownGood', 3, 'NodeConfigSource'], ['error', 4, 'string'],
    ],
    NodeDaemonEndpoints: [['kubeletEndpoint', 1, 'DaemonEndpoint']],
    NodeFeatures: [['supplementalGroupsPolicy', 1, 'bool', 'pointer']],
    NodeRuntimeHandler: [['name', 1, 'string'], ['features', 2, 'NodeRuntimeHandlerFeatures']],
    NodeRuntimeHandlerFeatures: [['recursiveReadOnlyMounts', 1, 'bool', 'pointer'], ['userNamespaces', 2, 'bool', 'pointer']],
    NodeSelector: [['nodeSelectorTerms', 1, 'NodeSelectorTerm', 'repeated']],
    NodeSelectorRequirement: [['key', 1, 'string'], ['operator', 2, 'string'], ['values', 3, 'string', 'repeated']],
    NodeSelectorTerm: [['matchExpressions', 1, 'NodeSelectorRequirement', 'repeated'], ['matchFields', 2, 'NodeSelectorRequirement', 'repeated']],
    NodeSpec: [
      ['podCIDR', 1, 'string'], ['podCIDRs', 7, 'string', 'repeated'], ['providerID', 3, 'string'], ['unschedulable', 4, 'bool'],
      ['taints', 5, 'Taint', 'repeated'], ['configSource', 6, 'NodeConfigSource'], ['externalID', 2, 'string'],
    ],
    NodeStatus: [
      ['capacity', 1, 'map<string,Quantity>'], ['allocatable', 2, 'map<string,Quantity>'], ['phase', 3, 'string'],
      ['conditions', 4, 'NodeCondition', 'repeated'], ['addresses', 5, 'NodeAddress', 'repeated'], ['daemonEndpoints', 6, 'NodeDaemonEndpoints'],
      ['nodeInfo', 7, 'NodeSystemInfo'], ['images', 8, 'ContainerImage', 'repeated'], ['volumesInUse', 9, 'string', 'repeated'],
      ['volumesAttached', 10, 'AttachedVolume', 'repeated'], ['config', 11, 'NodeConfigStatus'],
      ['runtimeHandlers', 12, 'NodeRuntimeHandler', 'repeated'], ['features', 13, 'NodeFeatures'],
    ],
    NodeSwapStatus: [['capacity', 1, 'int64', 'pointer']],
    NodeSystemInfo: [
      ['machineID', 1, 'string'], ['systemUUID', 2, 'string'], ['bootID', 3, 'string'], ['kernelVersion', 4, 'string'], ['osImage', 5, 'string'],
      ['containerRuntimeVersion', 6, 'string'], ['kubeletVersion', 7, 'string'], ['kubeProxyVersion', 8, 'string'], ['operatingSystem', 9, 'string'],
      ['architecture', 10, 'string'], ['swap', 11, 'NodeSwapStatus'],
    ],
    ObjectFieldSelector: [['apiVersion', 1, 'string'], ['fieldPath', 2, 'string']],
    ObjectReference: [
      ['kind', 1, 'string'], ['namespace', 2, 'string'], ['name', 3, 'string'], ['uid', 4, 'string'], ['apiVersion', 5, 'string'],
      ['resourceVersion', 6, 'string'], ['fieldPath', 7, 'string'],
    ],
    PersistentVolumeClaim: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'PersistentVolumeClaimSpec'], ['status', 3, 'PersistentVolumeClaimStatus'],
    ],
    PersistentVolumeClaimCondition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['lastProbeTime', 3, 'Time'], ['lastTransitionTime', 4, 'Time'], ['reason', 5, 'string'],
      ['message', 6, 'string'],
    ],
    PersistentVolumeClaimSpec: [
      ['accessModes', 1, 'string', 'repeated'], ['selector', 4, 'meta/v1.LabelSelector'], ['resources', 2, 'VolumeResourceRequirements'],
      ['volumeName', 3, 'string'], ['storageClassName', 5, 'string', 'pointer'], ['volumeMode', 6, 'string', 'pointer'],
      ['dataSource', 7, 'TypedLocalObjectReference'], ['dataSourceRef', 8, 'TypedObjectReference'],
      ['volumeAttributesClassName', 9, 'string', 'pointer'],
    ],
    PersistentVolumeClaimStatus: [
      ['phase', 1, 'string'], ['accessModes', 2, 'string', 'repeated'], ['capacity', 3, 'map<string,Quantity>'],
      ['conditions', 4, 'PersistentVolumeClaimCondition', 'repeated'], ['allocatedResources', 5, 'map<string,Quantity>'],
      ['allocatedResourceStatuses', 7, 'map<string,string>'], ['currentVolumeAttributesClassName', 8, 'string', 'pointer'],
      ['modifyVolumeStatus', 9, 'ModifyVolumeStatus'],
    ],
    PersistentVolumeClaimTemplate: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'PersistentVolumeClaimSpec']],
    PersistentVolumeClaimVolumeSource: [['claimName', 1, 'string'], ['readOnly', 2, 'bool']],
    PhotonPersistentDiskVolumeSource: [['pdID', 1, 'string'], ['fsType', 2, 'string']],
    Pod: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'PodSpec'], ['status', 3, 'PodStatus']],
    PodAffinity: [
      ['requiredDuringSchedulingIgnoredDuringExecution', 1, 'PodAffinityTerm', 'repeated'],
      ['preferredDuringSchedulingIgnoredDuringExecution', 2, 'WeightedPodAffinityTerm', 'repeated'],
    ],
    PodAffinityTerm: [
      ['labelSelector', 1, 'meta/v1.LabelSelector'], ['namespaces', 2, 'string', 'repeated'], ['topologyKey', 3, 'string'],
      ['namespaceSelector', 4, 'meta/v1.LabelSelector'], ['matchLabelKeys', 5, 'string', 'repeated'], ['mismatchLabelKeys', 6, 'string', 'repeated'],
    ],
    PodAntiAffinity: [
      ['requiredDuringSchedulingIgnoredDuringExecution', 1, 'PodAffinityTerm', 'repeated'],
      ['preferredDuringSchedulingIgnoredDuringExecution', 2, 'WeightedPodAffinityTerm', 'repeated'],
    ],
    PodCondition: [
      ['type', 1, 'string'], ['observedGeneration', 7, 'int64'], ['status', 2, 'string'], ['lastProbeTime', 3, 'Time'],
      ['lastTransitionTime', 4, 'Time'], ['reason', 5, 'string'], ['message', 6, 'string'],
    ],
    PodDNSConfig: [['nameservers', 1, 'string', 'repeated'], ['searches', 2, 'string', 'repeated'], ['options', 3, 'PodDNSConfigOption', 'repeated']],
    PodDNSConfigOption: [['name', 1, 'string'], ['value', 2, 'string', 'pointer']],
    PodIP: [['ip', 1, 'string']],
    PodOS: [['name', 1, 'string']],
    PodReadinessGate: [['conditionType', 1, 'string']],
    PodResourceClaim: [['name', 1, 'string'], ['resourceClaimName', 3, 'string', 'pointer'], ['resourceClaimTemplateName', 4, 'string', 'pointer']],
    PodResourceClaimStatus: [['name', 1, 'string'], ['resourceClaimName', 2, 'string', 'pointer']],
    PodSchedulingGate: [['name', 1, 'string']],
    PodSecurityContext: [
      ['seLinuxOptions', 1, 'SELinuxOptions'], ['windowsOptions', 8, 'WindowsSecurityContextOptions'], ['runAsUser', 2, 'int64', 'pointer'],
      ['runAsGroup', 6, 'int64', 'pointer'], ['runAsNonRoot', 3, 'bool', 'pointer'], ['supplementalGroups', 4, 'int64', 'repeated'],
      ['supplementalGroupsPolicy', 12, 'string', 'pointer'], ['fsGroup', 5, 'int64', 'pointer'], ['sysctls', 7, 'Sysctl', 'repeated'],
      ['fsGroupChangePolicy', 9, 'string', 'pointer'], ['seccompProfile', 10, 'SeccompProfile'], ['appArmorProfile', 11, 'AppArmorProfile'],
      ['seLinuxChangePolicy', 13, 'string', 'pointer'],
    ],
    PodSpec: [
      ['volumes', 1, 'Volume', 'repeated'], ['initContainers', 20, 'Container', 'repeated'], ['containers', 2, 'Container', 'repeated'],
      ['ephemeralContainers', 34, 'EphemeralContainer', 'repeated'], ['restartPolicy', 3, 'string'],
      ['terminationGracePeriodSeconds', 4, 'int64', 'pointer'], ['activeDeadlineSeconds', 5, 'int64', 'pointer'], ['dnsPolicy', 6, 'string'],
      ['nodeSelector', 7, 'map<string,string>'], ['serviceAccountName', 8, 'string'], ['serviceAccount', 9, 'string'],
      ['automountServiceAccountToken', 21, 'bool', 'pointer'], ['nodeName', 10, 'string'], ['hostNetwork', 11, 'bool'], ['hostPID', 12, 'bool'],
      ['hostIPC', 13, 'bool'], ['shareProcessNamespace', 27, 'bool', 'pointer'], ['securityContext', 14, 'PodSecurityContext'],
      ['imagePullSecrets', 15, 'LocalObjectReference', 'repeated'], ['hostname', 16, 'string'], ['subdomain', 17, 'string'],
      ['affinity', 18, 'Affinity'], ['schedulerName', 19, 'string'], ['tolerations', 22, 'Toleration', 'repeated'],
      ['hostAliases', 23, 'HostAlias', 'repeated'], ['priorityClassName', 24, 'string'], ['priority', 25, 'int32', 'pointer'],
      ['dnsConfig', 26, 'PodDNSConfig'], ['readinessGates', 28, 'PodReadinessGate', 'repeated'], ['runtimeClassName', 29, 'string', 'pointer'],
      ['enableServiceLinks', 30, 'bool', 'pointer'], ['preemptionPolicy', 31, 'string', 'pointer'], ['overhead', 32, 'map<string,Quantity>'],
      ['topologySpreadConstraints', 33, 'TopologySpreadConstraint', 'repeated'], ['setHostnameAsFQDN', 35, 'bool', 'pointer'], ['os', 36, 'PodOS'],
      ['hostUsers', 37, 'bool', 'pointer'], ['schedulingGates', 38, 'PodSchedulingGate', 'repeated'],
      ['resourceClaims', 39, 'PodResourceClaim', 'repeated'], ['resources', 40, 'ResourceRequirements'],
    ],
    PodStatus: [
      ['observedGeneration', 17, 'int64'], ['phase', 1, 'string'], ['conditions', 2, 'PodCondition', 'repeated'], ['message', 3, 'string'],
      ['reason', 4, 'string'], ['nominatedNodeName', 11, 'string'], ['hostIP', 5, 'string'], ['hostIPs', 16, 'HostIP', 'repeated'],
      ['podIP', 6, 'string'], ['podIPs', 12, 'PodIP', 'repeated'], ['startTime', 7, 'Time'],
      ['initContainerStatuses', 10, 'ContainerStatus', 'repeated'], ['containerStatuses', 8, 'ContainerStatus', 'repeated'],
      ['qosClass', 9, 'string'], ['ephemeralContainerStatuses', 13, 'ContainerStatus', 'repeated'], ['resize', 14, 'string'],
      ['resourceClaimStatuses', 15, 'PodResourceClaimStatus', 'repeated'],
    ],
    PodTemplateSpec: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'PodSpec']],
    PortStatus: [['port', 1, 'int32'], ['protocol', 2, 'string'], ['error', 3, 'string', 'pointer']],
    PortworxVolumeSource: [['volumeID', 1, 'string'], ['fsType', 2, 'string'], ['readOnly', 3, 'bool']],
    PreferredSchedulingTerm: [['weight', 1, 'int32'], ['preference', 2, 'NodeSelectorTerm']],
    Probe: [
      ['handler', 1, 'ProbeHandler', 'inline'], ['initialDelaySeconds', 2, 'int32'], ['timeoutSeconds', 3, 'int32'], ['periodSeconds', 4, 'int32'],
      ['successThreshold', 5, 'int32'], ['failureThreshold', 6, 'int32'], ['terminationGracePeriodSeconds', 7, 'int64', 'pointer'],
    ],
    ProbeHandler: [['exec', 1, 'ExecAction'], ['httpGet', 2, 'HTTPGetAction'], ['tcpSocket', 3, 'TCPSocketAction'], ['grpc', 4, 'GRPCAction']],
    ProjectedVolumeSource: [['sources', 1, 'VolumeProjection', 'repeated'], ['defaultMode', 2, 'int32', 'pointer']],
    QuobyteVolumeSource: [
      ['registry', 1, 'string'], ['volume', 2, 'string'], ['readOnly', 3, 'bool'], ['user', 4, 'string'], ['group', 5, 'string'],
      ['tenant', 6, 'string'],
    ],
    RBDVolumeSource: [
      ['monitors', 1, 'string', 'repeated'], ['image', 2, 'string'], ['fsType', 3, 'string'], ['pool', 4, 'string'], ['user', 5, 'string'],
      ['keyring', 6, 'string'], ['secretRef', 7, 'LocalObjectReference'], ['readOnly', 8, 'bool'],
    ],
    ResourceClaim: [['name', 1, 'string'], ['request', 2, 'string']],
    ResourceFieldSelector: [['containerName', 1, 'string'], ['resource', 2, 'string'], ['divisor', 3, 'Quantity']],
    ResourceHealth: [['resourceID', 1, 'string'], ['health', 2, 'string']],
    ResourceQuota: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'ResourceQuotaSpec'], ['status', 3, 'ResourceQuotaStatus']],
    ResourceQuotaSpec: [['hard', 1, 'map<string,Quantity>'], ['scopes', 2, 'string', 'repeated'], ['scopeSelector', 3, 'ScopeSelector']],
    ResourceQuotaStatus: [['hard', 1, 'map<string,Quantity>'], ['used', 2, 'map<string,Quantity>']],
    ResourceRequirements: [
      ['limits', 1, 'map<string,Quantity>'], ['requests', 2, 'map<string,Quantity>'], ['claims', 3, 'ResourceClaim', 'repeated'],
    ],
    ResourceStatus: [['name', 1, 'string'], ['resources', 2, 'ResourceHealth', 'repeated']],
    ScaleIOVolumeSource: [
      ['gateway', 1, 'string'], ['system', 2, 'string'], ['secretRef', 3, 'LocalObjectReference'], ['sslEnabled', 4, 'bool'],
      ['protectionDomain', 5, 'string'], ['storagePool', 6, 'string'], ['storageMode', 7, 'string'], ['volumeName', 8, 'string'],
      ['fsType', 9, 'string'], ['readOnly', 10, 'bool'],
    ],
    ScopedResourceSelectorRequirement: [['scopeName', 1, 'string'], ['operator', 2, 'string'], ['values', 3, 'string', 'repeated']],
    ScopeSelector: [['matchExpressions', 1, 'ScopedResourceSelectorRequirement', 'repeated']],
    SeccompProfile: [['type', 1, 'string'], ['localhostProfile', 2, 'string', 'pointer']],
    Secret: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['immutable', 5, 'bool', 'pointer'], ['data', 2, 'map<string,bytes>'],
      ['stringData', 4, 'map<string,string>'], ['type', 3, 'string'],
    ],
    SecretEnvSource: [['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['optional', 2, 'bool', 'pointer']],
    SecretKeySelector: [['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['key', 2, 'string'], ['optional', 3, 'bool', 'pointer']],
    SecretProjection: [
      ['localObjectReference', 1, 'LocalObjectReference', 'inline'], ['items', 2, 'KeyToPath', 'repeated'], ['optional', 4, 'bool', 'pointer'],
    ],
    SecretVolumeSource: [
      ['secretName', 1, 'string'], ['items', 2, 'KeyToPath', 'repeated'], ['defaultMode', 3, 'int32', 'pointer'], ['optional', 4, 'bool', 'pointer'],
    ],
    SecurityContext: [
      ['capabilities', 1, 'Capabilities'], ['privileged', 2, 'bool', 'pointer'], ['seLinuxOptions', 3, 'SELinuxOptions'],
      ['windowsOptions', 10, 'WindowsSecurityContextOptions'], ['runAsUser', 4, 'int64', 'pointer'], ['runAsGroup', 8, 'int64', 'pointer'],
      ['runAsNonRoot', 5, 'bool', 'pointer'], ['readOnlyRootFilesystem', 6, 'bool', 'pointer'], ['allowPrivilegeEscalation', 7, 'bool', 'pointer'],
      ['procMount', 9, 'string', 'pointer'], ['seccompProfile', 11, 'SeccompProfile'], ['appArmorProfile', 12, 'AppArmorProfile'],
    ],
    SELinuxOptions: [['user', 1, 'string'], ['role', 2, 'string'], ['type', 3, 'string'], ['level', 4, 'string']],
    Service: [['metadata', 1, 'meta/v1.ObjectMeta'], ['spec', 2, 'ServiceSpec'], ['status', 3, 'ServiceStatus']],
    ServiceAccount: [
      ['metadata', 1, 'meta/v1.ObjectMeta'], ['secrets', 2, 'ObjectReference', 'repeated'],
      ['imagePullSecrets', 3, 'LocalObjectReference', 'repeated'], ['automountServiceAccountToken', 4, 'bool', 'pointer'],
    ],
    ServiceAccountTokenProjection: [['audience', 1, 'string'], ['expirationSeconds', 2, 'int64', 'pointer'], ['path', 3, 'string']],
    ServicePort: [
      ['name', 1, 'string'], ['protocol', 2, 'string'], ['appProtocol', 6, 'string', 'pointer'], ['port', 3, 'int32'],
      ['targetPort', 4, 'IntOrString'], ['nodePort', 5, 'int32'],
    ],
    ServiceSpec: [
      ['ports', 1, 'ServicePort', 'repeated'], ['selector', 2, 'map<string,string>'], ['clusterIP', 3, 'string'],
      ['clusterIPs', 18, 'string', 'repeated'], ['type', 4, 'string'], ['externalIPs', 5, 'string', 'repeated'], ['sessionAffinity', 7, 'string'],
      ['loadBalancerIP', 8, 'string'], ['loadBalancerSourceRanges', 9, 'string', 'repeated'], ['externalName', 10, 'string'],
      ['externalTrafficPolicy', 11, 'string'], ['healthCheckNodePort', 12, 'int32'], ['publishNotReadyAddresses', 13, 'bool'],
      ['sessionAffinityConfig', 14, 'SessionAffinityConfig'], ['ipFamilies', 19, 'string', 'repeated'], ['ipFamilyPolicy', 17, 'string', 'pointer'],
      ['allocateLoadBalancerNodePorts', 20, 'bool', 'pointer'], ['loadBalancerClass', 21, 'string', 'pointer'],
      ['internalTrafficPolicy', 22, 'string', 'pointer'], ['trafficDistribution', 23, 'string', 'pointer'],
    ],
    ServiceStatus: [['loadBalancer', 1, 'LoadBalancerStatus'], ['conditions', 2, 'meta/v1.Condition', 'repeated']],
    SessionAffinityConfig: [['clientIP', 1, 'ClientIPConfig']],
    SleepAction: [['seconds', 1, 'int64']],
    StorageOSVolumeSource: [
      ['volumeName', 1, 'string'], ['volumeNamespace', 2, 'string'], ['fsType', 3, 'string'], ['readOnly', 4, 'bool'],
      ['secretRef', 5, 'LocalObjectReference'],
    ],
    Sysctl: [['name', 1, 'string'], ['value', 2, 'string']],
    Taint: [['key', 1, 'string'], ['value', 2, 'string'], ['effect', 3, 'string'], ['timeAdded', 4, 'Time']],
    TCPSocketAction: [['port', 1, 'IntOrString'], ['host', 2, 'string']],
    Toleration: [
      ['key', 1, 'string'], ['operator', 2, 'string'], ['value', 3, 'string'], ['effect', 4, 'string'], ['tolerationSeconds', 5, 'int64', 'pointer'],
    ],
    TopologySpreadConstraint: [
      ['maxSkew', 1, 'int32'], ['topologyKey', 2, 'string'], ['whenUnsatisfiable', 3, 'string'], ['labelSelector', 4, 'meta/v1.LabelSelector'],
      ['minDomains', 5, 'int32', 'pointer'], ['nodeAffinityPolicy', 6, 'string', 'pointer'], ['nodeTaintsPolicy', 7, 'string', 'pointer'],
      ['matchLabelKeys', 8, 'string', 'repeated'],
    ],
    TypedLocalObjectReference: [['apiGroup', 1, 'string', 'pointer'], ['kind', 2, 'string'], ['name', 3, 'string']],
    TypedObjectReference: [['apiGroup', 1, 'string', 'pointer'], ['kind', 2, 'string'], ['name', 3, 'string'], ['namespace', 4, 'string', 'pointer']],
    Volume: [['name', 1, 'string'], ['volumeSource', 2, 'VolumeSource', 'inline']],
    VolumeDevice: [['name', 1, 'string'], ['devicePath', 2, 'string']],
    VolumeMount: [
      ['name', 1, 'string'], ['readOnly', 2, 'bool'], ['recursiveReadOnly', 7, 'string', 'pointer'], ['mountPath', 3, 'string'],
      ['subPath', 4, 'string'], ['mountPropagation', 5, 'string', 'pointer'], ['subPathExpr', 6, 'string'],
    ],
    VolumeMountStatus: [['name', 1, 'string'], ['mountPath', 2, 'string'], ['readOnly', 3, 'bool'], ['recursiveReadOnly', 4, 'string', 'pointer']],
    VolumeProjection: [
      ['secret', 1, 'SecretProjection'], ['downwardAPI', 2, 'DownwardAPIProjection'], ['configMap', 3, 'ConfigMapProjection'],
      ['serviceAccountToken', 4, 'ServiceAccountTokenProjection'], ['clusterTrustBundle', 5, 'ClusterTrustBundleProjection'],
    ],
    VolumeResourceRequirements: [['limits', 1, 'map<string,Quantity>'], ['requests', 2, 'map<string,Quantity>']],
    VolumeSource: [
      ['hostPath', 1, 'HostPathVolumeSource'], ['emptyDir', 2, 'EmptyDirVolumeSource'], ['gcePersistentDisk', 3, 'GCEPersistentDiskVolumeSource'],
      ['awsElasticBlockStore', 4, 'AWSElasticBlockStoreVolumeSource'], ['gitRepo', 5, 'GitRepoVolumeSource'], ['secret', 6, 'SecretVolumeSource'],
      ['nfs', 7, 'NFSVolumeSource'], ['iscsi', 8, 'ISCSIVolumeSource'], ['glusterfs', 9, 'GlusterfsVolumeSource'],
      ['persistentVolumeClaim', 10, 'PersistentVolumeClaimVolumeSource'], ['rbd', 11, 'RBDVolumeSource'], ['flexVolume', 12, 'FlexVolumeSource'],
      ['cinder', 13, 'CinderVolumeSource'], ['cephfs', 14, 'CephFSVolumeSource'], ['flocker', 15, 'FlockerVolumeSource'],
      ['downwardAPI', 16, 'DownwardAPIVolumeSource'], ['fc', 17, 'FCVolumeSource'], ['azureFile', 18, 'AzureFileVolumeSource'],
      ['configMap', 19, 'ConfigMapVolumeSource'], ['vsphereVolume', 20, 'VsphereVirtualDiskVolumeSource'], ['quobyte', 21, 'QuobyteVolumeSource'],
      ['azureDisk', 22, 'AzureDiskVolumeSource'], ['photonPersistentDisk', 23, 'PhotonPersistentDiskVolumeSource'],
      ['projected', 26, 'ProjectedVolumeSource'], ['portworxVolume', 24, 'PortworxVolumeSource'], ['scaleIO', 25, 'ScaleIOVolumeSource'],
      ['storageos', 27, 'StorageOSVolumeSource'], ['csi', 28, 'CSIVolumeSource'], ['ephemeral', 29, 'EphemeralVolumeSource'],
      ['image', 30, 'ImageVolumeSource'],
    ],
    VsphereVirtualDiskVolumeSource: [
      ['volumePath', 1, 'string'], ['fsType', 2, 'string'], ['storagePolicyName', 3, 'string'], ['storagePolicyID', 4, 'string'],
    ],
    WeightedPodAffinityTerm: [['weight', 1, 'int32'], ['podAffinityTerm', 2, 'PodAffinityTerm']],
    WindowsSecurityContextOptions: [
      ['gmsaCredentialSpecName', 1, 'string', 'pointer'], ['gmsaCredentialSpec', 2, 'string', 'pointer'], ['runAsUserName', 3, 'string', 'pointer'],
      ['hostProcess', 4, 'bool', 'pointer'],
    ],
  },
  'meta/v1': {
    Condition: [
      ['type', 1, 'string'], ['status', 2, 'string'], ['observedGeneration', 3, 'int64'], ['lastTransitionTime', 4, 'Time'], ['reason', 5, 'string'],
      ['message', 6, 'string'],
    ],
    DeleteOptions: [
      ['gracePeriodSeconds', 1, 'int64', 'pointer'], ['preconditions', 2, 'Preconditions'], ['orphanDependents', 3, 'bool', 'pointer'],
      ['propagationPolicy', 4, 'string', 'pointer'], ['dryRun', 5, 'string', 'repeated'],
      ['ignoreStoreReadErrorWithClusterBreakingPotential', 6, 'bool', 'pointer'],
    ],
    FieldSelectorRequirement: [['key', 1, 'string'], ['operator', 2, 'string'], ['values', 3, 'string', 'repeated']],
    LabelSelector: [['matchLabels', 1, 'map<string,string>'], ['matchExpressions', 2, 'LabelSelectorRequirement', 'repeated']],
    LabelSelectorRequirement: [['key', 1, 'string'], ['operator', 2, 'string'], ['values', 3, 'string', 'repeated']],
    ManagedFieldsEntry: [
      ['manager', 1, 'string'], ['operation', 2, 'string'], ['apiVersion', 3, 'string'], ['time', 4, 'Time'], ['fieldsType', 6, 'string'],
      ['fieldsV1', 7, 'RawJSON'], ['subresource', 8, 'string'],
    ],
    ObjectMeta: [
      ['name', 1, 'string'], ['generateName', 2, 'string'], ['namespace', 3, 'string'], ['selfLink', 4, 'string'], ['uid', 5, 'string'],
      ['resourceVersion', 6, 'string'], ['generation', 7, 'int64'], ['creationTimestamp', 8, 'Time'], ['deletionTimestamp', 9, 'Time'],
      ['deletionGracePeriodSeconds', 10, 'int64', 'pointer'], ['labels', 11, 'map<string,string>'], ['annotations', 12, 'map<string,string>'],
      ['ownerReferences', 13, 'OwnerReference', 'repeated'], ['finalizers', 14, 'string', 'repeated'],
      ['managedFields', 17, 'ManagedFieldsEntry', 'repeated'],
    ],
    OwnerReference: [
      ['apiVersion', 5, 'string'], ['kind', 1, 'string'], ['name', 3, 'string'], ['uid', 4, 'string'], ['controller', 6, 'bool', 'pointer'],
      ['blockOwnerDeletion', 7, 'bool', 'pointer'],
    ],
    Preconditions: [['uid', 1, 'string', 'pointer'], ['resourceVersion', 2, 'string', 'pointer']],
  },
  'policy/v1': {
    Eviction: [['metadata', 1, 'meta/v1.ObjectMeta'], ['deleteOptions', 2, 'meta/v1.DeleteOptions']],
  },
  'rbac/v1': {
    AggregationRule: [['clusterRoleSelectors', 1, 'meta/v1.LabelSelector', 'repeated']],
    ClusterRole: [['metadata', 1, 'meta/v1.ObjectMeta'], ['rules', 2, 'PolicyRule', 'repeated'], ['aggregationRule', 3, 'AggregationRule']],
    ClusterRoleBinding: [['metadata', 1, 'meta/v1.ObjectMeta'], ['subjects', 2, 'Subject', 'repeated'], ['roleRef', 3, 'RoleRef']],
    PolicyRule: [
      ['verbs', 1, 'string', 'repeated'], ['apiGroups', 2, 'string', 'repeated'], ['resources', 3, 'string', 'repeated'],
      ['resourceNames', 4, 'string', 'repeated'], ['nonResourceURLs', 5, 'string', 'repeated'],
    ],
    Role: [['metadata', 1, 'meta/v1.ObjectMeta'], ['rules', 2, 'PolicyRule', 'repeated']],
    RoleBinding: [['metadata', 1, 'meta/v1.ObjectMeta'], ['subjects', 2, 'Subject', 'repeated'], ['roleRef', 3, 'RoleRef']],
    RoleRef: [['apiGroup', 1, 'string'], ['kind', 2, 'string'], ['name', 3, 'string']],
    Subject: [['kind', 1, 'string'], ['apiGroup', 2, 'string'], ['name', 3, 'string'], ['namespace', 4, 'string']],
  },
};

/** apiVersion → kind → message ("package.Name") of the top-level objects a protobuf body may carry. */
export const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Binding: 'core/v1.Binding', ConfigMap: 'core/v1.ConfigMap', Endpoints: 'core/v1.Endpoints', Event: 'core/v1.Event',
    LimitRange: 'core/v1.LimitRange', Namespace: 'core/v1.Namespace', Node: 'core/v1.Node', Pod: 'core/v1.Pod',
    ResourceQuota: 'core/v1.ResourceQuota', Secret: 'core/v1.Secret', Service: 'core/v1.Service', ServiceAccount: 'core/v1.ServiceAccount',
  },
  'apps/v1': { DaemonSet: 'apps/v1.DaemonSet', Deployment: 'apps/v1.Deployment', ReplicaSet: 'apps/v1.ReplicaSet', StatefulSet: 'apps/v1.StatefulSet' },
  'batch/v1': { CronJob: 'batch/v1.CronJob', Job: 'batch/v1.Job' },
  'coordination.k8s.io/v1': { Lease: 'coordination/v1.Lease' },
  'rbac.authorization.k8s.io/v1': {
    ClusterRole: 'rbac/v1.ClusterRole', ClusterRoleBinding: 'rbac/v1.ClusterRoleBinding', Role: 'rbac/v1.Role', RoleBinding: 'rbac/v1.RoleBinding',
  },
  'certificates.k8s.io/v1': { CertificateSigningRequest: 'certificates/v1.CertificateSigningRequest' },
  'admissionregistration.k8s.io/v1': {
    MutatingWebhookConfiguration: 'admissionregistration/v1.MutatingWebhookConfiguration',
    ValidatingWebhookConfiguration: 'admissionregistration/v1.ValidatingWebhookConfiguration',
  },
  'authentication.k8s.io/v1': {
    SelfSubjectReview: 'authentication/v1.SelfSubjectReview', TokenRequest: 'authentication/v1.TokenRequest', TokenReview: 'authentication/v1.TokenReview',
  },
  'authorization.k8s.io/v1': {
    LocalSubjectAccessReview: 'authorization/v1.LocalSubjectAccessReview', SelfSubjectAccessReview: 'authorization/v1.SelfSubjectAccessReview',
    SelfSubjectRulesReview: 'authorization/v1.SelfSubjectRulesReview', SubjectAccessReview: 'authorization/v1.SubjectAccessReview',
  },
  'policy/v1': { Eviction: 'policy/v1.Eviction' },
  'autoscaling/v1': { Scale: 'autoscaling/v1.Scale' },
  'meta.k8s.io/v1': { DeleteOptions: 'meta/v1.DeleteOptions' },
};

/** Kinds that every group/version accepts (meta/v1 types registered into each of them, as kube-apiserver does). */
export const SHARED_KINDS: Readonly<Record<string, string>> = { DeleteOptions: 'meta/v1.DeleteOptions' };
