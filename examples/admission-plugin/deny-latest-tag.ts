// Example in-process admission plugin: refuses pods whose images float (`:latest` or no tag) and
// warns about `imagePullPolicy: Always`. Load it with admission-config.yaml beside this file.
import type { InProcessAdmissionPlugin, InProcessAdmissionRequest, InProcessAdmissionResult } from '../../src/admission/plugin-api.js';

type Obj = Record<string, unknown>;

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter((x): x is Obj => typeof x === 'object' && x !== null) : [];
}

/** The tag of an image reference, '' when it has none; a digest pins the image whatever the tag. */
export function imageTag(image: string): { tag: string; pinned: boolean } {
  if (image.includes('@')) return { tag: '', pinned: true };
  // A colon after the last slash separates the tag; one before it belongs to a registry port.
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return { tag: colon < 0 ? '' : image.slice(colon + 1), pinned: false };
}

const plugin: InProcessAdmissionPlugin = {
  name: 'DenyLatestTag',
  operations: ['CREATE', 'UPDATE'],
  resources: ['pods'],
  admit(request: InProcessAdmissionRequest): InProcessAdmissionResult {
    const spec = (request.object?.['spec'] ?? {}) as Obj;
    const problems: string[] = [];
    const warnings: string[] = [];
    for (const [field, label] of [['initContainers', 'init container'], ['containers', 'container'], ['ephemeralContainers', 'ephemeral container']] as const) {
      for (const c of list(spec[field])) {
        const name = String(c['name'] ?? '');
        const image = typeof c['image'] === 'string' ? c['image'] : '';
        const { tag, pinned } = imageTag(image);
        if (!pinned && (tag === '' || tag === 'latest')) {
          problems.push(`${label} "${name}" uses image "${image}", which has ${tag ? 'the tag :latest' : 'no tag'}; pin a version tag or a digest`);
        }
        if (c['imagePullPolicy'] === 'Always') warnings.push(`${label} "${name}" has imagePullPolicy: Always, which pulls the image on every start`);
      }
    }
    if (problems.length > 0) return { allowed: false, reason: problems.join('; '), warnings };
    return { allowed: true, warnings };
  },
};

export default plugin;
