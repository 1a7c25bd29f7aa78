// API discovery documents (/api, /apis, /api/v1, /apis/<group>[/<version>]) generated from the catalogue.
import { catalogue, groupVersion, type ResourceInfo } from '../../api/catalogue.js';

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  approval: ['get', 'patch', 'update'],
  finalize: ['update'],
};

function resourceEntries(r: ResourceInfo): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
  };
  if (r.shortNames.length) main['shortNames'] = r.shortNames;
  if (r.categories.length) main['categories'] = r.categories;
  const subs = r.subresources.map((s) => ({ name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: SUBRESOURCE_VERBS[s] ?? ['get'] }));
  return [main, ...subs];
}

export interface ExtraResource {
  groupVersion: string;
  entry: Record<string, unknown>;
}

export class Discovery {
  private readonly groups: Map<string, string[]> = new Map();

  constructor(private readonly extra: ExtraResource[] = []) {
    for (const r of catalogue) this.addVersion(r.group, r.version);
    for (const e of extra) {
      const [g, v] = e.groupVersion.includes('/') ? e.groupVersion.split('/') : ['', e.groupVersion];
      this.addVersion(g!, v!);
    }
  }

  private addVersion(group: string, version: string): void {
    const versions = this.groups.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    this.groups.set(group, versions);
  }

  apiVersions(serverAddress: string): Record<string, unknown> {
    return { kind: 'APIVersions', versions: this.groups.get('') ?? ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }

  private group(name: string): Record<string, unknown> {
    const versions = (this.groups.get(name) ?? []).map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions, preferredVersion: versions[0] };
  }

  apiGroupList(): Record<string, unknown> {
    const groups = [...this.groups.keys()].filter((g) => g !== '').map((g) => this.group(g));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  apiGroup(name: string): Record<string, unknown> | undefined {
    if (!name || !this.groups.has(name)) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.group(name) };
  }

  resourceList(group: string, version: string): Record<string, unknown> | undefined {
    if (!(this.groups.get(group) ?? []).includes(version)) return undefined;
    const gv = group ? `${group}/${version}` : version;
    const resources = catalogue.filter((r) => groupVersion(r) === gv).flatMap(resourceEntries);
    for (const e of this.extra) if (e.groupVersion === gv) resources.push(e.entry);
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }
}
