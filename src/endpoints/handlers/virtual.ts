// Create-only resources that are computed, never stored (TokenReview, the access reviews,
// SelfSubjectReview) and action subresources (serviceaccounts/token). They are reached through
// the same request path as every resource: authenticated and authorized before they run.
import type { RequestContext } from '../context.js';
import type { ExtraResource } from './discovery.js';
import { badRequest, methodNotAllowed, StatusError } from '../../api/status.js';
import { decodeObject, mediaType, readBody } from '../body.js';
import { writeJSON } from '../responses.js';
import type { KObject } from '../../registry/object.js';

export interface VirtualResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Handles POST; returns the response object (HTTP 201). */
  create(ctx: RequestContext, namespace: string, body: KObject): Promise<KObject>;
}

export interface ActionSubresource {
  group: string;
  resource: string;
  subresource: string;
  /** The group/version/kind of the request and response bodies, for discovery. */
  kindGroup: string;
  kindVersion: string;
  kind: string;
  namespaced: boolean;
  create(ctx: RequestContext, namespace: string, name: string, body: KObject): Promise<KObject>;
}

const gv = (group: string, version: string) => (group ? `${group}/${version}` : version);

export class VirtualResources {
  private readonly resources = new Map<string, VirtualResource>();
  private readonly actions = new Map<string, ActionSubresource>();

  addResource(r: VirtualResource): this {
    this.resources.set(`${r.group}/${r.version}/${r.resource}`, r);
    return this;
  }

  addAction(a: ActionSubresource): this {
    this.actions.set(`${a.group}/${a.resource}/${a.subresource}`, a);
    return this;
  }

  discoveryEntries(): ExtraResource[] {
    const out: ExtraResource[] = [];
    for (const r of this.resources.values()) {
      out.push({ groupVersion: gv(r.group, r.version), entry: { name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create'] } });
    }
    for (const a of this.actions.values()) {
      out.push({
        groupVersion: gv(a.group, 'v1'),
        entry: { name: `${a.resource}/${a.subresource}`, singularName: '', namespaced: a.namespaced, group: a.kindGroup, version: a.kindVersion, kind: a.kind, verbs: ['create'] },
      });
    }
    return out;
  }

  /** Serves the request if it is for a virtual resource or action; false otherwise. */
  async serve(ctx: RequestContext): Promise<boolean> {
    const i = ctx.info;
    const action = i.subresource ? this.actions.get(`${i.apiGroup}/${i.resource}/${i.subresource}`) : undefined;
    const resource = i.subresource ? undefined : this.resources.get(`${i.apiGroup}/${i.apiVersion}/${i.resource}`);
    if (!action && !resource) return false;
    if (i.verb !== 'create') throw methodNotAllowed(`only create (POST) is supported on ${i.subresource ? `${i.resource}/${i.subresource}` : i.resource}`);
    const namespaced = action ? action.namespaced : resource!.namespaced;
    // Either way round the path does not name this resource (and a cluster-wide review must not be
    // reachable through a namespace's path, where a RoleBinding would authorize it).
    if (namespaced !== (i.namespace !== '')) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
    ctx.audit?.requestObject(body);
    const expectedKind = action ? action.kind : resource!.kind;
    if (body['kind'] !== undefined && body['kind'] !== expectedKind) {
      throw badRequest(`the kind in the request body ("${String(body['kind'])}") does not match ${expectedKind}`);
    }
    const result = action ? await action.create(ctx, i.namespace, i.name, body) : await resource!.create(ctx, i.namespace, body);
    writeJSON(ctx, 201, result);
    return true;
  }
}
