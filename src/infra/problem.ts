import { Type, type TSchema } from '@sinclair/typebox';

/** RFC 9457 problem details as Agora sends them (DESIGN.md section 4). */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the problem type' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable UPPER_SNAKE code clients switch on' }),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Unknown()),
    request_id: Type.String(),
  },
  { $id: 'Problem', description: 'application/problem+json' },
);

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON, wrong content type)',
  401: 'Not authenticated, or a bad or expired token',
  403: 'Authenticated but not allowed',
  404: 'Not found, or not visible to you',
  409: 'Conflict: duplicate, invalid state transition, or not enough stock',
  422: 'Validation failed; `errors` lists each field',
  429: 'Rate limited; see Retry-After',
  503: 'A dependency (the database) is unavailable',
};

/** Response schemas for the given error statuses, for a route's `schema.response`. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = Type.Ref('Problem', { description: DESCRIPTIONS[s] ?? 'Error' });
  return out;
}
