import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** argon2id (the library's default algorithm) with OWASP's recommended minimums (19 MiB, 2 passes, 1 lane). */
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Hashes a password with argon2id. */
export const hashPassword = (password: string) => hash(password, ARGON2_OPTIONS);

/**
 * Verifies a password against a stored hash: argon2id, or a legacy bcrypt hash imported from a
 * seed system (`$2a$`/`$2b$`). `needsRehash` is true for legacy hashes: rehash on login.
 */
export async function verifyPassword(stored: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }> {
  if (stored.startsWith('$2')) return { ok: await bcrypt.compare(password, stored), needsRehash: true };
  try {
    return { ok: await verify(stored, password), needsRehash: false };
  } catch {
    return { ok: false, needsRehash: false };
  }
}

/** A hash of a random password, verified against when the user does not exist (equal timing). */
let dummyHash: Promise<string> | undefined;
/** A hash of no one's password, made once: verified against when a login names no user, so both answers take as long. */
export const dummyPasswordHash = () => (dummyHash ??= hashPassword(`no-such-user-${Math.random()}`));

/** Password policy (seed 000): 8..128 characters with an upper-case letter, a lower-case letter and a digit. */
export function passwordProblems(password: string): string[] {
  const out: string[] = [];
  if (password.length < 8 || password.length > 128) out.push('must be 8 to 128 characters long');
  if (!/[A-Z]/.test(password)) out.push('must contain an upper-case letter');
  if (!/[a-z]/.test(password)) out.push('must contain a lower-case letter');
  if (!/[0-9]/.test(password)) out.push('must contain a digit');
  return out;
}
