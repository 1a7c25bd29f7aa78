// In-memory copy of the RBAC objects, fed by the server's watches, indexed so that a decision only
// looks at the bindings that name the requesting user, one of its groups or its service account.
import { SERVICE_ACCOUNT_USERNAME_PREFIX, type ClusterRole, type ClusterRoleBinding, type RBACKind, type Role, type RoleBinding, type Subject } from './types.js';

type Binding = RoleBinding | ClusterRoleBinding;
type RBACObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;

/**
 * Bindings reachable from one subject key. A service account authenticates as the user
 * `system:serviceaccount:<ns>:<name>` and upstream matches it by that name, so service accounts
 * and users share the `u:` keys; groups use `g:` keys.
 */
class SubjectIndex<B extends Binding> {
  readonly byName = new Map<string, B>();
  private readonly bySubject = new Map<string, Set<B>>();

  constructor(private readonly namespace: string) {}

  add(b: B): void {
    const name = b.metadata?.name ?? '';
    this.delete(name);
    this.byName.set(name, b);
    for (const key of subjectKeys(b.subjects, this.namespace)) {
      let set = this.bySubject.get(key);
      if (!set) this.bySubject.set(key, (set = new Set()));
      set.add(b);
    }
  }

  delete(name: string): boolean {
    const old = this.byName.get(name);
    if (!old) return false;
    this.byName.delete(name);
    for (const key of subjectKeys(old.subjects, this.namespace)) {
      const set = this.bySubject.get(key);
      if (!set) continue;
      set.delete(old);
      if (set.size === 0) this.bySubject.delete(key);
    }
    return true;
  }

  /**
   * Calls `fn` once for each binding naming any of `keys`, in key order and then in the order the
   * bindings arrived, until `fn` returns false. Returns false when stopped early.
   */
  visit(keys: readonly string[], fn: (b: B) => boolean): boolean {
    const earlier: Set<B>[] = [];
    for (const key of keys) {
      const set = this.bySubject.get(key);
      if (!set) continue;
      for (const b of set) {
        // a binding naming the user and one of its groups is visited once
        if (earlier.length > 0 && earlier.some((e) => e.has(b))) continue;
        if (!fn(b)) return false;
      }
      earlier.push(set);
    }
    return true;
  }

  get size(): number {
    return this.byName.size;
  }
}

/**
 * The index keys under which a binding's subjects can match. A service account without a
 * namespace takes the binding's namespace; in a ClusterRoleBinding it can match nobody.
 */
function subjectKeys(subjects: readonly Subject[] | undefined, bindingNamespace: string): string[] {
  const keys: string[] = [];
  for (const s of subjects ?? []) {
    switch (s.kind) {
      case 'User':
        keys.push(`u:${s.name}`);
        break;
      case 'Group':
        keys.push(`g:${s.name}`);
        break;
      case 'ServiceAccount': {
        const ns = s.namespace || bindingNamespace;
        if (ns) keys.push(`u:${SERVICE_ACCOUNT_USERNAME_PREFIX}${ns}:${s.name}`);
        break;
      }
    }
  }
  return keys;
}

/** The keys to look a user up by: its name (which covers its service account identity) and each group. */
export function userKeys(username: string, groups: readonly string[]): string[] {
  const keys = [`u:${username}`];
  for (const g of groups) keys.push(`g:${g}`);
  return keys;
}

export class RBACCache {
  private readonly roles = new Map<string, Map<string, Role>>();
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly roleBindings = new Map<string, SubjectIndex<RoleBinding>>();
  private clusterRoleBindings = new SubjectIndex<ClusterRoleBinding>('');
  private revision = 0;

  /** Adds or replaces an object (matched by namespace and name). Objects without a name, or namespaced ones without a namespace, are ignored. */
  upsert(kind: RBACKind, obj: RBACObject): void {
    const name = obj.metadata?.name;
    const ns = obj.metadata?.namespace ?? '';
    if (!name) return;
    switch (kind) {
      case 'ClusterRole':
        this.clusterRoles.set(name, obj as ClusterRole);
        break;
      case 'ClusterRoleBinding':
        this.clusterRoleBindings.add(obj as ClusterRoleBinding);
        break;
      case 'Role': {
        if (!ns) return;
        let m = this.roles.get(ns);
        if (!m) this.roles.set(ns, (m = new Map()));
        m.set(name, obj as Role);
        break;
      }
      case 'RoleBinding': {
        if (!ns) return;
        let idx = this.roleBindings.get(ns);
        if (!idx) this.roleBindings.set(ns, (idx = new SubjectIndex<RoleBinding>(ns)));
        idx.add(obj as RoleBinding);
        break;
      }
    }
    this.revision++;
  }

  /** Removes the object with the same namespace and name, if held. */
  remove(kind: RBACKind, obj: RBACObject): void {
    const name = obj.metadata?.name ?? '';
    const ns = obj.metadata?.namespace ?? '';
    switch (kind) {
      case 'ClusterRole':
        this.clusterRoles.delete(name);
        break;
      case 'ClusterRoleBinding':
        this.clusterRoleBindings.delete(name);
        break;
      case 'Role': {
        const m = this.roles.get(ns);
        m?.delete(name);
        if (m && m.size === 0) this.roles.delete(ns);
        break;
      }
      case 'RoleBinding': {
        const idx = this.roleBindings.get(ns);
        idx?.delete(name);
        if (idx && idx.size === 0) this.roleBindings.delete(ns);
        break;
      }
    }
    this.revision++;
  }

  /** Replaces every object of one kind, as after a (re)list. */
  reset(kind: RBACKind, objs: readonly RBACObject[]): void {
    switch (kind) {
      case 'ClusterRole':
        this.clusterRoles.clear();
        break;
      case 'ClusterRoleBinding':
        this.clusterRoleBindings = new SubjectIndex<ClusterRoleBinding>('');
        break;
      case 'Role':
        this.roles.clear();
        break;
      case 'RoleBinding':
        this.roleBindings.clear();
        break;
    }
    for (const o of objs) this.upsert(kind, o);
    this.revision++;
  }

  /** Changes with every write; lets callers cache derived data. */
  get generation(): number {
    return this.revision;
  }

  getRole(namespace: string, name: string): Role | undefined {
    return this.roles.get(namespace)?.get(name);
  }

  getClusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(name);
  }

  getRoleBinding(namespace: string, name: string): RoleBinding | undefined {
    return this.roleBindings.get(namespace)?.byName.get(name);
  }

  getClusterRoleBinding(name: string): ClusterRoleBinding | undefined {
    return this.clusterRoleBindings.byName.get(name);
  }

  listRoles(namespace?: string): Role[] {
    if (namespace !== undefined) return [...(this.roles.get(namespace)?.values() ?? [])];
    return [...this.roles.values()].flatMap((m) => [...m.values()]);
  }

  listClusterRoles(): ClusterRole[] {
    return [...this.clusterRoles.values()];
  }

  listRoleBindings(namespace?: string): RoleBinding[] {
    if (namespace !== undefined) return [...(this.roleBindings.get(namespace)?.byName.values() ?? [])];
    return [...this.roleBindings.values()].flatMap((idx) => [...idx.byName.values()]);
  }

  listClusterRoleBindings(): ClusterRoleBinding[] {
    return [...this.clusterRoleBindings.byName.values()];
  }

  /** ClusterRoleBindings with a subject among `keys` (see userKeys); stop early by returning false from `fn`. */
  visitClusterRoleBindings(keys: readonly string[], fn: (b: ClusterRoleBinding) => boolean): boolean {
    return this.clusterRoleBindings.visit(keys, fn);
  }

  /** RoleBindings in `namespace` with a subject among `keys` (see userKeys); stop early by returning false from `fn`. */
  visitRoleBindings(namespace: string, keys: readonly string[], fn: (b: RoleBinding) => boolean): boolean {
    return this.roleBindings.get(namespace)?.visit(keys, fn) ?? true;
  }

  /** ClusterRoleBindings with a subject among `keys`, each once. */
  clusterRoleBindingsFor(keys: readonly string[]): ClusterRoleBinding[] {
    const out: ClusterRoleBinding[] = [];
    this.visitClusterRoleBindings(keys, (b) => out.push(b) > 0);
    return out;
  }

  /** RoleBindings in `namespace` with a subject among `keys`, each once. */
  roleBindingsFor(namespace: string, keys: readonly string[]): RoleBinding[] {
    const out: RoleBinding[] = [];
    this.visitRoleBindings(namespace, keys, (b) => out.push(b) > 0);
    return out;
  }

  counts(): Record<RBACKind, number> {
    let roles = 0;
    for (const m of this.roles.values()) roles += m.size;
    let roleBindings = 0;
    for (const idx of this.roleBindings.values()) roleBindings += idx.size;
    return { Role: roles, ClusterRole: this.clusterRoles.size, RoleBinding: roleBindings, ClusterRoleBinding: this.clusterRoleBindings.size };
  }
}
