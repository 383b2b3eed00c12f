import type { FastifyInstance } from 'fastify';

/** Inventory module (being built). */
export async function inventoryModule(_app: FastifyInstance) {}
