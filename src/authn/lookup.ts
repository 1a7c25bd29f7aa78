// How authenticators read the objects that back a credential (service accounts, bound pods,
// bootstrap-token Secrets) without depending on the registry or storage layers above them.

export interface ObjectLookup {
  /** The object, or undefined when it does not exist. The core group is ''; cluster-scoped objects take namespace ''. */
  get(group: string, resource: string, namespace: string, name: string): Promise<Record<string, unknown> | undefined>;
}

/** A lookup over a fixed set of objects, keyed by group/resource/namespace/name: for tests and benchmarks. */
export class InMemoryObjectLookup implements ObjectLookup {
  private readonly objects = new Map<string, Record<string, unknown>>();

  private static key(group: string, resource: string, namespace: string, name: string): string {
    return `${group}/${resource}/${namespace}/${name}`;
  }

  set(group: string, resource: string, namespace: string, name: string, obj: Record<string, unknown>): void {
    this.objects.set(InMemoryObjectLookup.key(group, resource, namespace, name), obj);
  }

  delete(group: string, resource: string, namespace: string, name: string): void {
    this.objects.delete(InMemoryObjectLookup.key(group, resource, namespace, name));
  }

  async get(group: string, resource: string, namespace: string, name: string): Promise<Record<string, unknown> | undefined> {
    return this.objects.get(InMemoryObjectLookup.key(group, resource, namespace, name));
  }
}

/** metadata.<field> as a string, when the object has one. */
export function metadataString(obj: Record<string, unknown>, field: string): string | undefined {
  const meta = obj['metadata'];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  const value = (meta as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}
