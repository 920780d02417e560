// GET /.well-known/*: the JWKS and the OpenID configuration, so verifiers can trust the tokens (DESIGN §8).
import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../route-context.js';

export const wellKnownRoutes: FastifyPluginAsync<RouteContext> = async (app, { config, service, baseUrl }) => {
  app.get('/.well-known/jwks.json', async () => service.minter.jwks);
  app.get('/.well-known/openid-configuration', async () => ({
    issuer: config.tokens.issuer,
    jwks_uri: `${baseUrl()}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ['EdDSA', 'ES256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['EdDSA'],
  }));
};
