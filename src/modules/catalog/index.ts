import type { FastifyInstance } from 'fastify';

/** Catalog module (being built). */
export async function catalogModule(_app: FastifyInstance) {}
