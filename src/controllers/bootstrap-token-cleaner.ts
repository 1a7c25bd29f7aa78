// Deletes expired bootstrap token Secrets from kube-system, so that an expired token cannot come
// back to life and the list of tokens stays honest.
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { UserInfo } from '../endpoints/context.js';
import { StatusError } from '../api/status.js';
import { metaOf } from '../registry/object.js';
import { isExpiredBootstrapSecret } from '../authn/bootstrap-token.js';

export class BootstrapTokenCleaner {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly secrets: GenericRegistry,
    private readonly user: UserInfo,
    private readonly log: (msg: string, err?: unknown) => void,
    private readonly intervalMs = 30_000,
  ) {}

  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<number> {
    let deleted = 0;
    try {
      const { items } = await this.secrets.list('kube-system', { fieldSelector: 'type=bootstrap.kubernetes.io/token' });
      for (const s of items) {
        if (!isExpiredBootstrapSecret(s, now)) continue;
        try {
          await this.secrets.delete('kube-system', metaOf(s).name ?? '', { user: this.user, warnings: [] });
          deleted++;
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
    } catch (err) {
      this.log('cleaning expired bootstrap tokens failed', err);
    }
    return deleted;
  }
}
