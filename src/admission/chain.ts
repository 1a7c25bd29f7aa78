// The admission chain: every mutating plugin first, then every validating plugin, in a fixed order.
// The registry calls it on create, update and delete; nothing else decides admission.
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

export class AdmissionChain {
  constructor(private readonly plugins: AdmissionPlugin[]) {}

  async admit(attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(attrs);
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(attrs);
  }

  get names(): string[] {
    return this.plugins.map((p) => p.name);
  }
}
