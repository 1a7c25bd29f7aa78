// Keeps the RBAC authorizer's in-memory cache in step with storage, fills aggregated ClusterRoles
// from the roles their selectors match, and reconciles the bootstrap policy at start.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { jsonEqual, metaOf, type KObject } from '../registry/object.js';
import { Informer } from './informer.js';
import {
  aggregateClusterRoles,
  bootstrapPolicy,
  reconcileClusterRole,
  reconcileClusterRoleBinding,
  type RBACCache,
  type RBACKind,
  type Role,
  type RoleBinding,
  type ClusterRole,
  type ClusterRoleBinding,
} from '../authz/rbac/index.js';

type RBACObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;

export interface RBACRegistries {
  roles: GenericRegistry;
  roleBindings: GenericRegistry;
  clusterRoles: GenericRegistry;
  clusterRoleBindings: GenericRegistry;
}

const writeOpts = (user: UserInfo) => ({ user, warnings: [] as string[], fieldValidation: 'Ignore' as const });

/** Creates or updates the bootstrap ClusterRoles and bindings without clobbering user edits. */
export async function reconcileBootstrapPolicy(regs: RBACRegistries, user: UserInfo): Promise<void> {
  const policy = bootstrapPolicy();
  for (const desired of policy.clusterRoles) {
    const name = desired.metadata?.name ?? '';
    const existing = (await regs.clusterRoles.tryGet('', name)) as ClusterRole | undefined;
    const next = reconcileClusterRole(existing, desired);
    if (!next) continue;
    const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', ...next } as KObject;
    if (existing) await regs.clusterRoles.update('', name, body, '', writeOpts(user));
    else await regs.clusterRoles.create('', body, writeOpts(user));
  }
  for (const desired of policy.clusterRoleBindings) {
    const name = desired.metadata?.name ?? '';
    const existing = (await regs.clusterRoleBindings.tryGet('', name)) as ClusterRoleBinding | undefined;
    const next = reconcileClusterRoleBinding(existing, desired);
    if (!next) continue;
    const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', ...next } as KObject;
    if (existing && existing.roleRef.name !== next.roleRef.name) {
      // roleRef is immutable: a changed bootstrap roleRef means delete and recreate
      await regs.clusterRoleBindings.delete('', name, { user, warnings: [] });
      delete (body['metadata'] as KObject)['resourceVersion'];
      await regs.clusterRoleBindings.create('', body, writeOpts(user));
    } else if (existing) await regs.clusterRoleBindings.update('', name, body, '', writeOpts(user));
    else await regs.clusterRoleBindings.create('', body, writeOpts(user));
  }
}

export class RBACControllers {
  private readonly informers: Informer[] = [];
  private aggregating = false;
  private again = false;

  constructor(
    private readonly regs: RBACRegistries,
    private readonly cache: RBACCache,
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {
    const feed = (reg: GenericRegistry, kind: RBACKind, after?: () => void) =>
      new Informer(
        reg,
        {
          onList: (items) => {
            this.cache.reset(kind, items as unknown as RBACObject[]);
            after?.();
          },
          onChange: (type, obj) => {
            if (type === 'DELETED') this.cache.remove(kind, obj as unknown as RBACObject);
            else this.cache.upsert(kind, obj as unknown as RBACObject);
            after?.();
          },
        },
        log,
      );
    this.informers.push(
      feed(regs.roles, 'Role'),
      feed(regs.roleBindings, 'RoleBinding'),
      feed(regs.clusterRoles, 'ClusterRole', () => this.aggregate()),
      feed(regs.clusterRoleBindings, 'ClusterRoleBinding'),
    );
  }

  async start(): Promise<void> {
    for (const i of this.informers) await i.start();
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  /** Recomputes every aggregated ClusterRole; coalesces bursts of changes into one pass at a time. */
  private aggregate(): void {
    if (this.aggregating) {
      this.again = true;
      return;
    }
    this.aggregating = true;
    void this.aggregateOnce()
      .catch((err: unknown) => this.log('aggregating cluster roles failed', err))
      .finally(() => {
        this.aggregating = false;
        if (this.again) {
          this.again = false;
          this.aggregate();
        }
      });
  }

  private async aggregateOnce(): Promise<void> {
    const { items } = await this.regs.clusterRoles.list('', {});
    const wanted = aggregateClusterRoles(items as unknown as ClusterRole[]);
    for (const [name, rules] of wanted) {
      const current = items.find((r) => metaOf(r).name === name);
      if (!current || jsonEqual(current['rules'] ?? [], rules)) continue;
      try {
        await this.regs.clusterRoles.update('', name, { ...current, rules }, '', writeOpts(this.user));
      } catch (err) {
        if (err instanceof StatusError && (err.code === 409 || err.code === 404)) this.again = true;
        else throw err;
      }
    }
  }
}
