// Garbage collector: carries out deletion propagation through ownerReferences.
// Background: dependents whose owners are all gone are deleted. Orphan: the owner's "orphan"
// finalizer removes its ownerReferences from dependents first. Foreground: the owner's
// "foregroundDeletion" finalizer waits until its dependents are deleted.
import type { GenericRegistry, RegistryWatchEvent } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { metaOf, type KObject, type OwnerReference } from '../registry/object.js';
import { Informer } from './informer.js';

interface Node {
  uid: string;
  reg: GenericRegistry;
  namespace: string;
  name: string;
  owners: OwnerReference[];
  deleting: boolean;
  finalizers: string[];
}

const RETRY_MS = 500;

export class GarbageCollector {
  private readonly nodes = new Map<string, Node>(); // by uid
  private readonly dependents = new Map<string, Set<string>>(); // owner uid → dependent uids
  private readonly ownersOfDeleted = new Map<string, string[]>(); // deleted uid → its owners, until handled
  private readonly informers: Informer[] = [];
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Every resource has been listed once: only then is an owner that is not known gone. */
  private synced = false;

  constructor(
    private readonly registries: GenericRegistry[],
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const pending = new Set(this.registries);
    for (const reg of this.registries) {
      const informer = new Informer(
        reg,
        {
          onList: (items) => {
            for (const obj of items) this.observe(reg, obj, false);
            // Orphans are only judged once every resource has been listed: an owner of a kind whose
            // list failed (say, an undecryptable object) is unknown, not gone.
            if (pending.delete(reg) && pending.size === 0) this.sweep();
          },
          onChange: (type, object) => this.onEvent(reg, { type, object }),
        },
        this.log,
      );
      this.informers.push(informer);
      await informer.start();
    }
  }

  /** Objects that were orphaned or left waiting while the server was down. */
  private sweep(): void {
    this.synced = true;
    for (const uid of [...this.nodes.keys()]) this.enqueue(() => this.process(uid));
    for (const owner of [...this.dependents.keys()]) if (!this.nodes.has(owner)) this.enqueue(() => this.ownerGone(owner));
  }

  stop(): void {
    this.stopped = true;
    for (const i of this.informers) i.stop();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => this.log('garbage collection step failed', err));
  }

  private onEvent(reg: GenericRegistry, ev: Pick<RegistryWatchEvent, 'type' | 'object'>): void {
    const uid = metaOf(ev.object).uid;
    if (!uid) return;
    if (ev.type === 'DELETED') {
      const owners = this.nodes.get(uid)?.owners.map((o) => o.uid) ?? [];
      if (owners.length) this.ownersOfDeleted.set(uid, owners);
      this.forget(uid);
      if (this.synced) this.enqueue(() => this.ownerGone(uid));
      return;
    }
    this.observe(reg, ev.object, true);
  }

  private observe(reg: GenericRegistry, obj: KObject, react: boolean): void {
    const m = metaOf(obj);
    if (!m.uid) return;
    this.forget(m.uid);
    const node: Node = {
      uid: m.uid,
      reg,
      namespace: m.namespace ?? '',
      name: m.name ?? '',
      owners: m.ownerReferences ?? [],
      deleting: !!m.deletionTimestamp,
      finalizers: m.finalizers ?? [],
    };
    this.nodes.set(m.uid, node);
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(m.uid);
    }
    if (react) {
      const uid = m.uid;
      this.enqueue(() => this.process(uid));
      // an owner reference to an object that no longer exists makes this a garbage candidate
      // (only once every resource is listed: before that a missing owner may just be unlisted,
      // and the sweep looks at every object anyway)
      if (this.synced && node.owners.length && node.owners.every((o) => !this.nodes.has(o.uid))) this.enqueue(() => this.collectIfDangling(uid));
    }
  }

  private forget(uid: string): void {
    const old = this.nodes.get(uid);
    if (!old) return;
    for (const o of old.owners) this.dependents.get(o.uid)?.delete(uid);
    this.nodes.delete(uid);
  }

  private dependentsOf(uid: string): Node[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is Node => !!n);
  }

  /** Handles the orphan and foregroundDeletion finalizers of an object being deleted. */
  private async process(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node || !node.deleting || this.stopped) return;
    if (node.finalizers.includes('orphan')) {
      for (const d of this.dependentsOf(uid)) await this.patchOwners(d, (refs) => refs.filter((r) => r.uid !== uid));
      await this.removeFinalizer(node, 'orphan');
    } else if (node.finalizers.includes('foregroundDeletion')) {
      const deps = this.dependentsOf(uid);
      for (const d of deps) if (!d.deleting) await this.deleteNode(d, 'Foreground');
      if (this.dependentsOf(uid).length === 0) await this.removeFinalizer(node, 'foregroundDeletion');
      else setTimeout(() => this.enqueue(() => this.process(uid)), RETRY_MS).unref();
    }
  }

  private async ownerGone(ownerUid: string): Promise<void> {
    for (const d of this.dependentsOf(ownerUid)) await this.collectIfDangling(d.uid);
    // an owner in foreground deletion waits for this dependent: let it re-check
    // only the owners of what was deleted can have been waiting for it
    for (const n of this.ownersWaiting(ownerUid)) this.enqueue(() => this.process(n.uid));
  }

  /** Owners in foreground deletion that listed the deleted object as a dependent. */
  private ownersWaiting(deletedUid: string): Node[] {
    const owners = this.ownersOfDeleted.get(deletedUid) ?? [];
    this.ownersOfDeleted.delete(deletedUid);
    return owners.map((o) => this.nodes.get(o)).filter((n): n is Node => !!n && n.deleting && n.finalizers.includes('foregroundDeletion'));
  }

  private async collectIfDangling(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node || node.deleting || !node.owners.length) return;
    if (node.owners.some((o) => this.nodes.has(o.uid))) return;
    await this.deleteNode(node, 'Background');
  }

  private async deleteNode(node: Node, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
    try {
      await node.reg.delete(node.namespace, node.name, { user: this.user, warnings: [], propagationPolicy });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }

  private async patchOwners(node: Node, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<void> {
    await this.update(node, (obj) => {
      const m = metaOf(obj);
      const refs = change(m.ownerReferences ?? []);
      if (refs.length) m.ownerReferences = refs;
      else delete m.ownerReferences;
    });
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    await this.update(node, (obj) => {
      const m = metaOf(obj);
      m.finalizers = (m.finalizers ?? []).filter((f) => f !== finalizer);
    });
  }

  private async update(node: Node, change: (obj: KObject) => void): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let obj: KObject;
      try {
        obj = await node.reg.get(node.namespace, node.name);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return;
        throw err;
      }
      change(obj);
      try {
        await node.reg.update(node.namespace, node.name, obj, '', { user: this.user, warnings: [], fieldValidation: 'Ignore' });
        return;
      } catch (err) {
        if (err instanceof StatusError && err.code === 409) continue;
        if (err instanceof StatusError && err.code === 404) return;
        throw err;
      }
    }
  }
}
