// Builds the admission chain from --enable-admission-plugins / --disable-admission-plugins and the
// AdmissionConfiguration file: built-in plugins in kube-apiserver's order, in-process plugins from
// the file before the webhooks, and the RBAC escalation guard, which is always on. The chain is
// built before the registries it guards, so the object lookup binds to them late.
import type { AdmissionLookup, AdmissionPlugin } from '../admission/types.js';
import { AdmissionChain } from '../admission/chain.js';
import { assemblePlugins, loadAdmissionConfiguration, resolveEnabledPlugins, type AdmissionConfigurationFile } from '../admission/config.js';
import { NamespaceLifecycle } from '../admission/plugins/namespace-lifecycle/index.js';
import { LimitRanger } from '../admission/plugins/limit-ranger/index.js';
import { ServiceAccountAdmission } from '../admission/plugins/service-account/index.js';
import { ServiceAccountPrincipal } from '../admission/plugins/service-account-principal/index.js';
import { PodSecurity, parsePodSecurityConfiguration } from '../admission/plugins/pod-security/index.js';
import { OwnerReferencesPermissionEnforcement } from '../admission/plugins/owner-references/index.js';
import { ResourceQuotaAdmission, registryQuotaWriter } from '../admission/plugins/resource-quota/index.js';
import { MutatingWebhookPlugin, ValidatingWebhookPlugin, type WebhookConfigurationSource } from '../admission/webhook/index.js';
import { RBACEscalationGuard } from '../admission/plugins/rbac-escalation/index.js';
import type { EscalationGuard } from '../authz/rbac/index.js';
import type { Authorizer } from '../authz/types.js';
import type { UserInfo } from '../endpoints/context.js';
import type { GenericRegistry, RegistryLookup } from '../registry/generic-registry.js';
import { findKind } from '../api/catalogue.js';
import { serviceUnavailable } from '../api/status.js';
import { metaOf, type KObject } from '../registry/object.js';
import { Informer } from '../controllers/informer.js';

/** The webhook configurations, kept in memory by watches so that matching needs no store read. */
export class WebhookConfigurations implements WebhookConfigurationSource {
  private readonly byKind = { mutating: new Map<string, KObject>(), validating: new Map<string, KObject>() };
  private informers: Informer[] = [];

  private readonly listed = { mutating: false, validating: false };

  mutating(): KObject[] {
    return this.current('mutating');
  }

  validating(): KObject[] {
    return this.current('validating');
  }

  // Once serving, until a list has succeeded (it retries) the configurations are unknown: refuse
  // rather than skip webhooks that may have failurePolicy Fail. Before start() only the server's own
  // bootstrap objects are written, as before webhooks are loaded.
  private current(kind: 'mutating' | 'validating'): KObject[] {
    if (this.informers.length > 0 && !this.listed[kind]) throw serviceUnavailable(`the ${kind} webhook configurations have not been loaded yet; try again shortly`);
    return [...this.byKind[kind].values()];
  }

  async start(mutating: GenericRegistry, validating: GenericRegistry, log: (msg: string, err?: unknown) => void): Promise<void> {
    const feed = (reg: GenericRegistry, kind: 'mutating' | 'validating') => {
      const into = this.byKind[kind];
      return new Informer(
        reg,
        {
          onList: (items) => {
            into.clear();
            for (const o of items) into.set(metaOf(o).name ?? '', o);
            this.listed[kind] = true;
          },
          onChange: (type, o) => (type === 'DELETED' ? into.delete(metaOf(o).name ?? '') : into.set(metaOf(o).name ?? '', o)),
        },
        log,
      );
    };
    this.informers = [feed(mutating, 'mutating'), feed(validating, 'validating')];
    for (const i of this.informers) await i.start();
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }
}

export interface AdmissionSetup {
  chain: AdmissionChain;
  webhooks: WebhookConfigurations;
  enabled: string[];
  /** Binds the lookups to the registries once they exist. */
  bind(registries: RegistryLookup): void;
}

export interface AdmissionOptions {
  enable: string[];
  disable: string[];
  configFile?: string;
}

export async function buildAdmission(opts: AdmissionOptions, authorizer: Authorizer, escalation: EscalationGuard, lookup: AdmissionLookup, systemUser: UserInfo): Promise<AdmissionSetup> {
  const file: AdmissionConfigurationFile | undefined = opts.configFile ? await loadAdmissionConfiguration(opts.configFile) : undefined;
  const inProcess = file?.inProcessPlugins ?? [];
  const enabled = resolveEnabledPlugins(opts.enable, opts.disable, inProcess.map((p) => p.name));
  const webhooks = new WebhookConfigurations();
  let registries: RegistryLookup | undefined;
  const podSecurityConfig = file?.configurations.get('PodSecurity');
  let quotaWriter: ReturnType<typeof registryQuotaWriter> | undefined;
  const quotas = () => (quotaWriter ??= registryQuotaWriter(registries!.registry('', 'v1', 'resourcequotas')!, systemUser));
  const constructed = new Map<string, AdmissionPlugin>([
    ['NamespaceLifecycle', new NamespaceLifecycle({ getNamespace: (name) => lookup.get('', 'namespaces', '', name) })],
    ['LimitRanger', new LimitRanger({ lookup })],
    ['ServiceAccountPrincipal', new ServiceAccountPrincipal({ authorizer })],
    ['ServiceAccount', new ServiceAccountAdmission({ lookup })],
    ['PodSecurity', new PodSecurity({ lookup, config: podSecurityConfig === undefined ? undefined : parsePodSecurityConfiguration(podSecurityConfig) })],
    [
      'OwnerReferencesPermissionEnforcement',
      new OwnerReferencesPermissionEnforcement({
        authorizer,
        lookup,
        resourceForKind: (apiVersion, kind) => {
          const r = findKind(apiVersion, kind);
          return r && { group: r.group, resource: r.resource, namespaced: r.namespaced };
        },
      }),
    ],
    ['MutatingAdmissionWebhook', new MutatingWebhookPlugin({ source: webhooks, lookup })],
    ['ValidatingAdmissionWebhook', new ValidatingWebhookPlugin({ source: webhooks, lookup })],
    [
      'ResourceQuota',
      new ResourceQuotaAdmission({
        lookup,
        // quotas are read from the lookup's in-memory copy; the compare-and-swap write catches a stale one
        quotas: { list: (ns) => lookup.list('', 'resourcequotas', ns), updateStatus: (q) => quotas().updateStatus(q) },
      }),
    ],
  ]);
  for (const p of inProcess) constructed.set(p.name, p.plugin);
  const plugins = assemblePlugins(enabled, constructed);
  // escalation prevention is part of RBAC, not a plugin that can be turned off
  plugins.push(new RBACEscalationGuard(escalation));
  return {
    chain: new AdmissionChain(plugins),
    webhooks,
    enabled,
    bind(r) {
      registries = r;
    },
  };
}
