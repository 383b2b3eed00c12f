import type { FastifyInstance } from 'fastify';

/** Orders module (being built). */
export async function ordersModule(_app: FastifyInstance) {}
