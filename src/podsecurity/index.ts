// Pod Security Standards: evaluate a pod spec against a level and policy version, parse the
// namespace labels into a policy, and format violations the way kube-apiserver words them.
import { asObj, CHECKS, LATEST_MINOR, type CheckFn, type PodView, type Violation } from './checks.js';

export type { Violation } from './checks.js';
export { LATEST_MINOR } from './checks.js';

export type Level = 'privileged' | 'baseline' | 'restricted';

export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** A level with the policy version it is pinned to, e.g. restricted:latest or baseline:v1.29. */
export interface LevelVersion {
  level: Level;
  /** 'latest' or 'v1.<minor>', as written in the label (a future minor is kept for messages). */
  version: string;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}

// ---- evaluation --------------------------------------------------------------------------------

const compiled = new Map<string, CheckFn[]>();

/** The checks for one level and minor version, in upstream's order, compiled once. */
function checksFor(level: 'baseline' | 'restricted', minor: number): CheckFn[] {
  const key = `${level}:${minor}`;
  let fns = compiled.get(key);
  if (fns) return fns;
  const active = (versions: (typeof CHECKS)[number]['versions']) => {
    let found: (typeof versions)[number] | undefined;
    for (const v of versions) if (v.min <= minor) found = v;
    return found;
  };
  const baseline = CHECKS.filter((c) => c.level === 'baseline').sort((a, b) => (a.id < b.id ? -1 : 1));
  const restricted = CHECKS.filter((c) => c.level === 'restricted').sort((a, b) => (a.id < b.id ? -1 : 1));
  const overridden = new Set<string>();
  const restrictedFns: CheckFn[] = [];
  for (const c of restricted) {
    const v = active(c.versions);
    if (!v) continue;
    restrictedFns.push(v.fn);
    for (const id of v.overrides ?? []) overridden.add(id);
  }
  fns = [];
  for (const c of baseline) {
    if (level === 'restricted' && overridden.has(c.id)) continue;
    const v = active(c.versions);
    if (v) fns.push(v.fn);
  }
  if (level === 'restricted') fns.push(...restrictedFns);
  compiled.set(key, fns);
  return fns;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

function podView(podMeta: Record<string, unknown> | undefined, podSpec: Record<string, unknown>): PodView {
  const containers: Record<string, unknown>[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = podSpec[list];
    if (!Array.isArray(items)) continue;
    for (const c of items) {
      const o = asObj(c);
      if (o) containers.push(o);
    }
  }
  return { annotations: asObj(podMeta?.['annotations']), spec: podSpec, podSC: asObj(podSpec['securityContext']), containers };
}

/**
 * Every violation of `level` at policy `version` ('latest' or 'v1.N'; newer than known or
 * unparseable means latest), in upstream's order: baseline checks by ID, then restricted checks
 * by ID, restricted checks replacing the baseline ones they override.
 */
export function checkPod(level: Level, version: string, podMeta: Record<string, unknown> | undefined, podSpec: Record<string, unknown>): Violation[] {
  if (level === 'privileged') return [];
  const fns = checksFor(level, parseVersion(version).minor);
  const pod = podView(podMeta, podSpec);
  const out: Violation[] = [];
  for (const fn of fns) {
    const v = fn(pod);
    if (v) out.push(v);
  }
  return out;
}

/** `reason (detail), reason (detail)`: the text after `violates PodSecurity "…": `. */
export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
}

/** Reasons only, comma-separated: what namespace-label warnings show per pod. */
export function formatReasons(violations: Violation[]): string {
  return violations.map((v) => v.reason).join(', ');
}

// ---- parsing labels and configuration ----------------------------------------------------------

export type Mode = 'enforce' | 'audit' | 'warn';

export const LEVEL_ERROR = 'must be one of privileged, baseline, restricted';
export const VERSION_ERROR = 'must be "latest" or "v1.x"';

/**
 * Parses a level. Invalid values fail closed for enforce (restricted) and open for audit and
 * warn (privileged), as upstream does; `error` says why the value was refused.
 */
export function parseLevel(value: string, mode: Mode = 'enforce'): { level: Level; error?: string } {
  if (value === 'privileged' || value === 'baseline' || value === 'restricted') return { level: value };
  return { level: mode === 'enforce' ? 'restricted' : 'privileged', error: LEVEL_ERROR };
}

const VERSION_RE = /^v1\.(0|[1-9][0-9]*)$/;

/**
 * Parses a policy version. `version` is what messages show (`latest`, or `v1.N` as written, even
 * when newer than known); `minor` is the policy actually evaluated (newer than known → latest).
 * Invalid values evaluate as latest and carry an `error`.
 */
export function parseVersion(value: string): { version: string; minor: number; error?: string } {
  if (value === 'latest') return { version: 'latest', minor: LATEST_MINOR };
  const m = VERSION_RE.exec(value);
  if (!m) return { version: 'latest', minor: LATEST_MINOR, error: VERSION_ERROR };
  const minor = Number(m[1]);
  if (!Number.isSafeInteger(minor)) return { version: 'latest', minor: LATEST_MINOR, error: VERSION_ERROR };
  return { version: value, minor: Math.min(minor, LATEST_MINOR) };
}

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export interface LabelError {
  /** e.g. metadata.labels[pod-security.kubernetes.io/enforce] */
  field: string;
  value: string;
  message: string;
}

/** `<field>: Invalid value: "<value>": <message>`, as Kubernetes field errors print. */
export function labelErrorString(e: LabelError): string {
  return `${e.field}: Invalid value: ${JSON.stringify(e.value)}: ${e.message}`;
}

export const PRIVILEGED_POLICY: Policy = {
  enforce: { level: 'privileged', version: 'latest' },
  audit: { level: 'privileged', version: 'latest' },
  warn: { level: 'privileged', version: 'latest' },
};

/**
 * The namespace's effective policy: each label present overrides the default. A policy is
 * always returned; `errors` lists the labels that could not be parsed.
 */
export function policyFromLabels(labels: Record<string, unknown> | undefined, defaults: Policy = PRIVILEGED_POLICY): { policy: Policy; errors: LabelError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: LabelError[] = [];
  if (!labels) return { policy, errors };
  for (const mode of ['enforce', 'audit', 'warn'] as const) {
    const levelKey = LABEL_PREFIX + mode;
    const levelValue = labels[levelKey];
    if (typeof levelValue === 'string') {
      const p = parseLevel(levelValue, mode);
      policy[mode].level = p.level;
      if (p.error) errors.push({ field: `metadata.labels[${levelKey}]`, value: levelValue, message: p.error });
    }
    const versionKey = `${LABEL_PREFIX}${mode}-version`;
    const versionValue = labels[versionKey];
    if (typeof versionValue === 'string') {
      const p = parseVersion(versionValue);
      policy[mode].version = p.version;
      if (p.error) errors.push({ field: `metadata.labels[${versionKey}]`, value: versionValue, message: p.error });
    }
  }
  return { policy, errors };
}

/** Strictness order: -1 if a is less strict than b, 0 if equal, 1 if stricter. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}
