// batch/v1 Job and CronJob: pod templates that run to completion (restartPolicy OnFailure or
// Never), the generated controller-uid selector, completion modes, and cron schedules.

import { type Obj, isObj, num, obj, semanticEqual, str, strMap } from './access.js';
import { type Causes, FieldPath, FIELD_IMMUTABLE, GoValue, goStringMap, invalid, nonNegative, notSupported, required } from './field.js';
import { cronScheduleError, isValidTimeZone } from './cron.js';
import { validatePodTemplateSpec } from './pod.js';
import { goLabelSelector, selectorIsUsable, selectorMatches, validateLabelSelector } from './selectors.js';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_INDEXED_PARALLELISM = 100000;
const MAX_INDEXED_COMPLETIONS = 100000;
const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/** The part of a JobSpec shared by Jobs and CronJob job templates. */
function validateJobSpecCommon(spec: Obj, p: FieldPath): Causes {
  const causes: Causes = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    causes.push(...nonNegative(p.child(f), num(spec[f])));
  }
  const mode = spec.completionMode;
  if (typeof mode === 'string') {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') causes.push(notSupported(p.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      const completions = num(spec.completions);
      const parallelism = num(spec.parallelism);
      if (completions === undefined) causes.push(required(p.child('completions'), 'when completion mode is Indexed'));
      else if (completions > MAX_INDEXED_COMPLETIONS) {
        causes.push(invalid(p.child('completions'), completions, `must be less than or equal to ${MAX_INDEXED_COMPLETIONS} when completion mode is Indexed`));
      }
      if (parallelism !== undefined && parallelism > MAX_INDEXED_PARALLELISM) {
        causes.push(invalid(p.child('parallelism'), parallelism, `must be less than or equal to ${MAX_INDEXED_PARALLELISM} when completion mode is Indexed`));
      }
    }
  }
  const prp = spec.podReplacementPolicy;
  if (typeof prp === 'string' && prp !== 'TerminatingOrFailed' && prp !== 'Failed') {
    causes.push(notSupported(p.child('podReplacementPolicy'), prp, ['TerminatingOrFailed', 'Failed']));
  }
  causes.push(...validatePodTemplateSpec(spec.template, p.child('template')));
  const restartPolicy = str(obj(obj(spec.template)?.spec)?.restartPolicy);
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    causes.push(notSupported(p.child('template', 'spec', 'restartPolicy'), restartPolicy, ['OnFailure', 'Never']));
  }
  return causes;
}

function templateMeta(spec: Obj): Obj {
  return obj(obj(spec.template)?.metadata) ?? {};
}

/** With a generated selector the template must carry the labels the selector was generated from. */
function validateGeneratedSelector(job: Obj, spec: Obj): Causes {
  if (spec.manualSelector === true) return [];
  const labels = templateMeta(spec).labels;
  if (!isObj(labels)) return [];
  const meta = obj(job.metadata) ?? {};
  const uid = str(meta.uid);
  const name = str(meta.name);
  const p = FieldPath.root('spec', 'template', 'metadata', 'labels');
  const causes: Causes = [];
  const expect = (key: string, value: string) => {
    if (!(key in labels)) causes.push(required(p.key(key), `must be '${value}'`));
    else if (labels[key] !== value) causes.push(invalid(p.key(key), goStringMap(strMap(labels)), `must be '${value}'`));
  };
  expect(LEGACY_CONTROLLER_UID_LABEL, uid);
  expect(LEGACY_JOB_NAME_LABEL, name);
  expect(CONTROLLER_UID_LABEL, uid);
  expect(JOB_NAME_LABEL, name);
  if (!selectorMatches(spec.selector, { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name })) {
    causes.push(invalid(FieldPath.root('spec', 'selector'), goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return causes;
}

export function validateJob(job: Obj, old?: Obj): Causes {
  const spec = obj(job.spec) ?? {};
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  if (!isObj(spec.selector)) causes.push(required(p.child('selector')));
  else causes.push(...validateLabelSelector(spec.selector, p.child('selector')));
  if (selectorIsUsable(spec.selector)) {
    const labels = strMap(templateMeta(spec).labels);
    if (!selectorMatches(spec.selector, labels)) causes.push(invalid(p.child('template', 'metadata', 'labels'), goStringMap(labels), SELECTOR_MISMATCH));
  }
  causes.push(...validateJobSpecCommon(spec, p));
  if (!old) return causes.concat(validateGeneratedSelector(job, spec));

  const oldSpec = obj(old.spec) ?? {};
  if (!semanticEqual(spec.selector, oldSpec.selector)) causes.push(invalid(p.child('selector'), goLabelSelector(spec.selector), FIELD_IMMUTABLE));
  if (!semanticEqual(spec.completionMode, oldSpec.completionMode)) causes.push(invalid(p.child('completionMode'), spec.completionMode ?? null, FIELD_IMMUTABLE));
  if (!semanticEqual(spec.podFailurePolicy, oldSpec.podFailurePolicy)) causes.push(invalid(p.child('podFailurePolicy'), new GoValue('...'), FIELD_IMMUTABLE));
  // Indexed jobs are elastic: completions may follow parallelism.
  const elastic = spec.completionMode === 'Indexed' && num(spec.completions) === num(spec.parallelism);
  if (!elastic && num(spec.completions) !== num(oldSpec.completions)) causes.push(invalid(p.child('completions'), num(spec.completions) ?? null, FIELD_IMMUTABLE));
  if (!semanticEqual(spec.template, oldSpec.template)) {
    // A suspended job that never started may still be retargeted (node placement, labels).
    const placement = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'];
    const strip = (t: unknown) => {
      const tt = obj(t) ?? {};
      const s = { ...(obj(tt.spec) ?? {}) };
      for (const f of placement) delete s[f];
      return { spec: s };
    };
    const mayRetarget = oldSpec.suspend === true && !num(obj(old.status)?.active) && !obj(old.status)?.startTime;
    if (!mayRetarget || !semanticEqual(strip(spec.template), strip(oldSpec.template))) {
      causes.push(invalid(p.child('template'), new GoValue('core.PodTemplateSpec{...}'), FIELD_IMMUTABLE));
    }
  }
  return causes;
}

function validateJobTemplateSpec(template: unknown, p: FieldPath): Causes {
  const t = obj(template) ?? {};
  const spec = obj(t.spec) ?? {};
  const sp = p.child('spec');
  const causes = validateJobSpecCommon(spec, sp);
  if (spec.selector !== undefined && spec.selector !== null) causes.push(invalid(sp.child('selector'), goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  if (spec.manualSelector === true) causes.push(notSupported(sp.child('manualSelector'), true, ['nil', 'false']));
  return causes;
}

export function validateCronJob(cronJob: Obj, old?: Obj): Causes {
  const spec = obj(cronJob.spec) ?? {};
  const oldSpec = old ? obj(old.spec) ?? {} : undefined;
  const p = FieldPath.root('spec');
  const causes: Causes = [];
  // Jobs get an 11-character suffix and the job name must stay a valid label value.
  const name = str(obj(cronJob.metadata)?.name);
  if (!old && name.length > 52) causes.push(invalid(FieldPath.root('metadata', 'name'), name, 'must be no more than 52 characters'));

  const schedule = str(spec.schedule);
  const timeZone = spec.timeZone;
  if (schedule === '') {
    causes.push(required(p.child('schedule')));
  } else {
    const err = cronScheduleError(schedule);
    if (err) causes.push(invalid(p.child('schedule'), schedule, err));
    const allowTZ = oldSpec ? str(oldSpec.schedule).includes('TZ') : false;
    if (allowTZ && schedule.includes('TZ') && typeof timeZone === 'string') {
      causes.push(invalid(p.child('schedule'), schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      causes.push(invalid(p.child('schedule'), schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  causes.push(...nonNegative(p.child('startingDeadlineSeconds'), num(spec.startingDeadlineSeconds)));
  if (typeof timeZone === 'string' && (!oldSpec || oldSpec.timeZone !== timeZone)) {
    if (timeZone === '') causes.push(invalid(p.child('timeZone'), timeZone, 'timeZone must be nil or non-empty string'));
    else if (timeZone === 'Local' || timeZone.toLowerCase() === 'local') {
      causes.push(invalid(p.child('timeZone'), timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    } else if (!isValidTimeZone(timeZone)) causes.push(invalid(p.child('timeZone'), timeZone, `unknown time zone ${timeZone}`));
  }
  const policy = str(spec.concurrencyPolicy);
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (policy === '') causes.push(required(p.child('concurrencyPolicy')));
  else if (!policies.includes(policy)) causes.push(notSupported(p.child('concurrencyPolicy'), policy, policies));
  causes.push(...validateJobTemplateSpec(spec.jobTemplate, p.child('jobTemplate')));
  causes.push(...nonNegative(p.child('successfulJobsHistoryLimit'), num(spec.successfulJobsHistoryLimit)));
  causes.push(...nonNegative(p.child('failedJobsHistoryLimit'), num(spec.failedJobsHistoryLimit)));
  return causes;
}
