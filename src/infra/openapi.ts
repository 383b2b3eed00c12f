import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * OpenAPI 3.1 at `/openapi.json` (built from the route schemas) and a docs UI at `/docs`.
 * A route's declared permission is added to its description and as `x-permission`.
 */
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agora API',
        version: '0.1.0',
        description:
          'Agora, an open commerce core. Errors are RFC 9457 problem+json (`Problem`). Money is a decimal string in the document\'s `currency`. Lists take `limit` (1..100) and `offset`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const s = { ...(schema ?? {}) } as Record<string, unknown>;
      const cfg = (route.config ?? {}) as { auth?: string; permission?: string };
      const auth = cfg.auth ?? 'required';
      if (auth !== 'public') s.security = auth === 'optional' ? [{ bearer: [] }, {}] : [{ bearer: [] }];
      if (cfg.permission) {
        s['x-permission'] = cfg.permission;
        s.description = `${(s.description as string) ?? ''}\n\nPermission: \`${cfg.permission}\``.trim();
      }
      return { schema: s as never, url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', persistAuthorization: true } });
}
