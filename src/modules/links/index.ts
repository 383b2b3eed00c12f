import type { FastifyInstance } from 'fastify';

/** Links module (being built). */
export async function linksModule(_app: FastifyInstance) {}
