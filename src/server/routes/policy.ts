// GET /v1/policy and GET /healthz, for anyone: the effective policy without identity data, for developers' pre-push checks.
import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../route-context.js';

export const policyRoutes: FastifyPluginAsync<RouteContext> = async (app, { config }) => {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/v1/policy', async () => ({
    repo: config.repo,
    gate: { sources: config.gate.sources, bypass: { marker: config.gate.bypass?.marker } },
    policy: config.policy,
    manifest: config.manifest,
  }));
};
