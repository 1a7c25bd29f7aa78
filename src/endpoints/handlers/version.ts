// /version: the Kubernetes version Bulwark's API follows, in kube-apiserver's shape.
export const KUBE_MINOR = '33';

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: KUBE_MINOR,
    gitVersion: `v1.${KUBE_MINOR}.0-bulwark`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '2026-11-22T00:00:00Z',
    goVersion: 'n/a (TypeScript)',
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
