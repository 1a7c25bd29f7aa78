// Service-account issuer discovery: the /.well-known/openid-configuration document that lets
// other systems (cloud IAM, Vault…) find the JWKS and verify our service-account tokens.

/** The conventional path of the key set relative to the issuer, as kube-apiserver serves it. */
export const JWKS_PATH = '/openid/v1/jwks';
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';

/**
 * kube-apiserver's discovery document: exactly these five fields. `signingAlgs` are the
 * algorithms of the published keys (ServiceAccountTokenIssuer.signingAlgorithms()).
 */
export function openidConfiguration(issuer: string, jwksUri: string, signingAlgs: readonly string[] = ['RS256']): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(signingAlgs)].sort(),
  };
}
