import { createHash, randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import type { Config } from '../config.js';

/** Claims of an Agora access token (HS256 JWT). */
export interface AccessClaims {
  sub: string;
  typ: 'access';
}

/** Signs and verifies access tokens. */
export interface AccessTokens {
  /** A signed access token for `userId`, valid `config.accessTokenTtlSeconds`. */
  sign(userId: string): string;
  /** The claims of a valid access token, or null (bad signature, expired, not an access token). */
  verifyAccessToken(token: string): AccessClaims | null;
  ttlSeconds: number;
}

/** The access-token signer and verifier of `config` (HS256, `JWT_SECRET`, the configured lifetime). */
export function createAccessTokens(config: Config): AccessTokens {
  const signer = createSigner({ key: config.jwtSecret, algorithm: 'HS256', iss: config.jwtIssuer, expiresIn: config.accessTokenTtlSeconds * 1000 });
  const verifier = createVerifier({ key: config.jwtSecret, algorithms: ['HS256'], allowedIss: config.jwtIssuer, cache: 1000 });
  return {
    ttlSeconds: config.accessTokenTtlSeconds,
    sign: (userId) => signer({ sub: userId, typ: 'access' }),
    verifyAccessToken: (token) => {
      try {
        const claims = verifier(token) as Partial<AccessClaims>;
        return claims.typ === 'access' && typeof claims.sub === 'string' ? (claims as AccessClaims) : null;
      } catch {
        return null;
      }
    },
  };
}

/** A new opaque refresh token (256 random bits, base64url) and its SHA-256 hash for storage. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}

/** SHA-256 (hex) of an opaque token: what the database keeps. */
export const hashOpaqueToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * `Bearer <token>` and nothing else (RFC 6750 section 2.1): the scheme in any case, one space, one
 * b64token. Anything after the token (`Bearer <token> junk`) is refused, not ignored.
 */
const BEARER_RE = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined when the header has any other form. */
export const bearerToken = (header: string | undefined): string | undefined => (header ? BEARER_RE.exec(header)?.[1] : undefined);
