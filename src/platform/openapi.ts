// The OpenAPI 3 document, generated from the route schemas, and the interactive reference.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DOCS_CONTENT_SECURITY_POLICY } from './hardening/security-headers.ts';

export const openapiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'TradeWise API',
          version: '1.0.0',
          description:
            'Multi-tenant trading-bot platform. Errors: {"detail", "code"}; 422 lists validation issues.',
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          },
        },
      },
    });
    // The reference's own CSP: scripts, styles and images from this server only, no inline code.
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CONTENT_SECURITY_POLICY });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
