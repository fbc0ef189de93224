import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/**
 * scrypt at OWASP's minimum, N=2^17, r=8, p=1: 128 MiB and a few hundred ms per hash, so each guess
 * costs an attacker as much. Earlier hashes (N=2^15) still verify and are rehashed at the next
 * successful sign-in (Accounts.authenticate).
 */
export const SCRYPT = { N: 1 << 17, r: 8, p: 1 } as const;
const KEY_LEN = 32;

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * Node refuses to run scrypt past `maxmem` bytes (32 MiB by default): the work area is 128·r·(N+2)
 * bytes plus 128·r·p, so 128 MiB and a little for N=2^17, r=8. A stored hash may ask for no more than
 * N=2^20 (1 GiB), so a tampered row cannot make a sign-in allocate without bound.
 */
const maxmemFor = ({ N, r, p }: ScryptParams): number => 128 * r * (N + 2) + 128 * r * p + 1024 * 1024;

/** `scrypt$N$r$p$salt$hash`: the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LEN, { ...SCRYPT, maxmem: maxmemFor(SCRYPT) });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** The parameters of a stored hash, or null when it is not one this registry could have written. */
function parseHash(stored: string): (ScryptParams & { salt: Buffer; hash: Buffer }) | null {
  const [alg, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash || rest.length > 0) return null;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = Number.isInteger(params.N) && params.N >= 2 && (params.N & (params.N - 1)) === 0;
  if (!powerOfTwo || params.N > 1 << 20 || !(params.r >= 1 && params.r <= 32) || !(params.p >= 1 && params.p <= 16))
    return null;
  return { ...params, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || parsed.hash.length === 0) return false;
  const { N, r, p, salt, hash } = parsed;
  const actual = await scryptAsync(password, salt, hash.length, { N, r, p, maxmem: maxmemFor({ N, r, p }) });
  return timingSafeEqual(actual, hash);
}

/** True when a stored hash was made with other parameters than new ones are (it is upgraded at sign-in). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.N !== SCRYPT.N || parsed.r !== SCRYPT.r || parsed.p !== SCRYPT.p;
}

/** A fresh bearer secret such as `aer_…` (32 random bytes, base64url). */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Secrets are looked up by their SHA-256: high-entropy tokens need no salt or slow hash. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export const newKey = (): string => randomUUID();
