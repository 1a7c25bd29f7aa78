// apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet. The selector must select
// the template's labels (or the controller would create pods it never sees) and is immutable.

import { type Obj, isObj, num, obj, semanticEqual, str, strMap } from './access.js';
import { type Causes, FieldPath, FIELD_IMMUTABLE, GoValue, IS_NEGATIVE, forbidden, goStringMap, invalid, nonNegative, notSupported, required } from './field.js';
import { isValidPercent } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { goLabelSelector, selectorIsEmpty, selectorIsUsable, selectorMatches, validateLabelSelector } from './selectors.js';

type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';

const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

function templateLabels(spec: Obj): Record<string, string> | undefined {
  const labels = obj(obj(spec.template)?.metadata)?.labels;
  return isObj(labels) ? strMap(labels) : undefined;
}

/** Selector presence, syntax, non-emptiness, and that it selects the template's labels. */
function validateSelectorAndTemplate(spec: Obj, p: FieldPath, kind: WorkloadKind): Causes {
  const causes: Causes = [];
  const selector = spec.selector;
  const noun = kind === 'StatefulSet' ? 'statefulset' : kind === 'DaemonSet' ? 'daemonset' : 'deployment';
  if (!isObj(selector)) {
    causes.push(required(p.child('selector')));
  } else {
    causes.push(...validateLabelSelector(selector, p.child('selector')));
    if (selectorIsEmpty(selector)) causes.push(invalid(p.child('selector'), goLabelSelector(selector), `empty selector is invalid for ${noun}`));
  }
  const labels = templateLabels(spec);
  if (!selectorIsUsable(selector)) {
    causes.push(invalid(p.child('selector'), goLabelSelector(selector), kind === 'StatefulSet' ? '' : 'invalid label selector'));
  } else if (!(isObj(selector) && selectorIsEmpty(selector)) && !selectorMatches(selector, labels)) {
    // An absent selector matches nothing, so it is reported here too, as kube-apiserver does.
    causes.push(invalid(p.child('template', 'metadata', 'labels'), goStringMap(labels), SELECTOR_MISMATCH));
  }
  causes.push(...validatePodTemplateSpec(spec.template, p.child('template')));
  const tspec = obj(obj(spec.template)?.spec) ?? {};
  const restartPolicy = str(tspec.restartPolicy);
  if (isObj(spec.template) && restartPolicy !== '' && restartPolicy !== 'Always') {
    causes.push(notSupported(p.child('template', 'spec', 'restartPolicy'), restartPolicy, ['Always']));
  }
  if (num(tspec.activeDeadlineSeconds) !== undefined) {
    causes.push(forbidden(p.child('template', 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return causes;
}

function intOrPercent(v: unknown): { ok: boolean; value: number; percent: boolean } {
  if (typeof v === 'number') return { ok: true, value: v, percent: false };
  if (typeof v === 'string') return { ok: isValidPercent(v).length === 0, value: Number.parseInt(v, 10), percent: true };
  return { ok: false, value: 0, percent: false };
}

function validateIntOrPercent(v: unknown, p: FieldPath): Causes {
  if (typeof v === 'string') return isValidPercent(v).map((msg) => invalid(p, v, msg));
  if (typeof v === 'number') return v < 0 ? [invalid(p, v, IS_NEGATIVE)] : [];
  return [invalid(p, v ?? null, "must be an integer or percentage (e.g '5%')")];
}

/** maxUnavailable/maxSurge pairs of Deployments and DaemonSets. */
function validateRollingUpdate(ru: Obj, p: FieldPath, allowSurge: boolean): Causes {
  const causes: Causes = [];
  const unavailable = ru.maxUnavailable;
  const surge = ru.maxSurge;
  if (unavailable !== undefined) causes.push(...validateIntOrPercent(unavailable, p.child('maxUnavailable')));
  if (allowSurge && surge !== undefined) causes.push(...validateIntOrPercent(surge, p.child('maxSurge')));
  const u = intOrPercent(unavailable);
  const s = intOrPercent(surge);
  if (u.ok && s.ok && u.value === 0 && s.value === 0) causes.push(invalid(p.child('maxUnavailable'), unavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  if (u.ok && u.percent && u.value > 100) causes.push(invalid(p.child('maxUnavailable'), unavailable ?? '', 'must not be greater than 100%'));
  return causes;
}

function validateDeploymentSpec(spec: Obj, p: FieldPath): Causes {
  const causes: Causes = [...nonNegative(p.child('replicas'), num(spec.replicas))];
  causes.push(...validateSelectorAndTemplate(spec, p, 'Deployment'));
  const strategy = obj(spec.strategy) ?? {};
  const sp = p.child('strategy');
  const type = str(strategy.type);
  if (type === 'Recreate') {
    if (isObj(strategy.rollingUpdate)) causes.push(forbidden(sp.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    if (!ru) causes.push(required(sp.child('rollingUpdate'), 'this should be defaulted and never be nil'));
    else causes.push(...validateRollingUpdate(ru, sp.child('rollingUpdate'), true));
  } else {
    causes.push(notSupported(sp, type, ['Recreate', 'RollingUpdate']));
  }
  const minReady = num(spec.minReadySeconds) ?? 0;
  causes.push(...nonNegative(p.child('minReadySeconds'), minReady));
  causes.push(...nonNegative(p.child('revisionHistoryLimit'), num(spec.revisionHistoryLimit)));
  const pds = num(spec.progressDeadlineSeconds);
  if (pds !== undefined) {
    causes.push(...nonNegative(p.child('progressDeadlineSeconds'), pds));
    if (pds <= minReady) causes.push(invalid(p.child('progressDeadlineSeconds'), pds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

function validateReplicaSetSpec(spec: Obj, p: FieldPath): Causes {
  return [
    ...nonNegative(p.child('replicas'), num(spec.replicas)),
    ...nonNegative(p.child('minReadySeconds'), num(spec.minReadySeconds)),
    ...validateSelectorAndTemplate(spec, p, 'ReplicaSet'),
  ];
}

function validateStatefulSetSpec(spec: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  const pmp = str(spec.podManagementPolicy);
  if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    causes.push(invalid(p.child('podManagementPolicy'), pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const strategy = obj(spec.updateStrategy) ?? {};
  const type = str(strategy.type);
  const sp = p.child('updateStrategy');
  if (type === 'OnDelete') {
    if (isObj(strategy.rollingUpdate)) causes.push(invalid(sp.child('rollingUpdate'), new GoValue('...'), "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    if (ru) {
      causes.push(...nonNegative(sp.child('rollingUpdate', 'partition'), num(ru.partition)));
      if (ru.maxUnavailable !== undefined) {
        causes.push(...validateIntOrPercent(ru.maxUnavailable, sp.child('rollingUpdate', 'maxUnavailable')));
        const u = intOrPercent(ru.maxUnavailable);
        if (u.ok && u.value === 0) causes.push(invalid(sp.child('rollingUpdate', 'maxUnavailable'), ru.maxUnavailable, 'must be greater than 0'));
      }
    }
  } else if (type === '') {
    causes.push(required(sp, ''));
  } else {
    causes.push(invalid(sp, type, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  causes.push(...nonNegative(p.child('replicas'), num(spec.replicas)));
  causes.push(...nonNegative(p.child('minReadySeconds'), num(spec.minReadySeconds)));
  causes.push(...nonNegative(p.child('revisionHistoryLimit'), num(spec.revisionHistoryLimit)));
  const ordinals = obj(spec.ordinals);
  if (ordinals) causes.push(...nonNegative(p.child('ordinals', 'start'), num(ordinals.start)));
  const retention = obj(spec.persistentVolumeClaimRetentionPolicy);
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = str(retention[f]);
      if (v !== 'Retain' && v !== 'Delete') causes.push(notSupported(p.child('persistentVolumeClaimRetentionPolicy', f), v, ['Retain', 'Delete']));
    }
  }
  causes.push(...validateSelectorAndTemplate(spec, p, 'StatefulSet'));
  return causes;
}

function validateDaemonSetSpec(spec: Obj, p: FieldPath): Causes {
  const causes: Causes = [...validateSelectorAndTemplate(spec, p, 'DaemonSet')];
  causes.push(...nonNegative(p.child('minReadySeconds'), num(spec.minReadySeconds)));
  causes.push(...nonNegative(p.child('revisionHistoryLimit'), num(spec.revisionHistoryLimit)));
  const strategy = obj(spec.updateStrategy) ?? {};
  const type = str(strategy.type);
  const sp = p.child('updateStrategy');
  if (type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    if (!ru) causes.push(required(sp.child('rollingUpdate')));
    else causes.push(...validateRollingUpdate(ru, sp.child('rollingUpdate'), true));
  } else if (type === '') {
    causes.push(required(sp.child('type')));
  } else if (type !== 'OnDelete') {
    causes.push(notSupported(sp.child('type'), type, ['OnDelete', 'RollingUpdate']));
  }
  return causes;
}

/** StatefulSet updates may only touch a few spec fields; the rest shape pod identity and storage. */
const STATEFULSET_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'];

export function validateWorkload(kind: WorkloadKind, object: Obj, old?: Obj): Causes {
  const spec = obj(object.spec) ?? {};
  const p = FieldPath.root('spec');
  const causes: Causes =
    kind === 'Deployment'
      ? validateDeploymentSpec(spec, p)
      : kind === 'ReplicaSet'
        ? validateReplicaSetSpec(spec, p)
        : kind === 'StatefulSet'
          ? validateStatefulSetSpec(spec, p)
          : validateDaemonSetSpec(spec, p);
  if (!old) return causes;
  const oldSpec = obj(old.spec) ?? {};
  if (!semanticEqual(spec.selector, oldSpec.selector)) {
    causes.push(invalid(p.child('selector'), goLabelSelector(spec.selector), FIELD_IMMUTABLE));
  }
  if (kind === 'StatefulSet') {
    const rest = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
    if (!semanticEqual(rest(spec), rest(oldSpec))) {
      causes.push(
        forbidden(
          p,
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return causes;
}
