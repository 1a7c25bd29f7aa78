import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JWKS_PATH, openidConfiguration } from './oidc-discovery.js';

test('the discovery document has exactly the fields kube-apiserver serves', () => {
  const doc = openidConfiguration('https://issuer.example', `https://api.example:6443${JWKS_PATH}`, ['RS256', 'ES256', 'RS256']);
  assert.deepEqual(doc, {
    issuer: 'https://issuer.example',
    jwks_uri: 'https://api.example:6443/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256', 'RS256'],
  });
  assert.deepEqual(openidConfiguration('i', 'j')['id_token_signing_alg_values_supported'], ['RS256']);
});
