/**
 * Encryption at rest for workspace secrets: AES-256-GCM under one registry key. Each value is bound
 * to where it belongs (the `context`, such as `workspace:12:CRM_API_KEY`), so a sealed value copied
 * into another row does not open. Sealed values name the key they were sealed under, so a registry
 * started with another key says so instead of failing with a bare authentication error.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const FORMAT = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export class SecretKeyMismatchError extends Error {
  override name = 'SecretKeyMismatchError';
}

export class SecretBox {
  /** A short fingerprint of the key (not the key): stored with every sealed value. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes, not ${key.length}`);
    this.keyId = createHash('sha256').update(key).digest('base64url').slice(0, 12);
  }

  /** `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, this.keyId, iv, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext; throws when the value was sealed under another key, for another context, or altered. */
  open(sealed: string, context: string): string {
    const [format, keyId, iv, tag, ct] = sealed.split('.');
    if (format !== FORMAT || !keyId || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
    if (keyId !== this.keyId)
      throw new SecretKeyMismatchError(
        `it was encrypted under another key (${keyId}; this registry's is ${this.keyId}): set the same AEROSTACK_SECRET_KEY on every instance`,
      );
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(context))
      .setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** The key file an install without AEROSTACK_SECRET_KEY makes in its data dir. */
export const SECRET_KEY_FILE = 'secret.key';

/**
 * The registry's secret key: AEROSTACK_SECRET_KEY (64 hex digits, or 32 bytes in base64), else the
 * data dir's key file, made on first start with mode 0600. A key file others can read is refused.
 */
export async function loadSecretKey(opts: {
  fromEnv: string | undefined;
  dataDir: string;
}): Promise<{ box: SecretBox; source: string }> {
  if (opts.fromEnv !== undefined) return { box: new SecretBox(parseKey(opts.fromEnv)), source: 'AEROSTACK_SECRET_KEY' };
  const file = path.join(opts.dataDir, SECRET_KEY_FILE);
  // A registry on Postgres and S3 may have no data dir yet.
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, randomBytes(KEY_BYTES).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) throw new Error(`${file} is readable by other users (mode ${mode.toString(8)}): chmod 600 it`);
  return { box: new SecretBox(parseKey((await readFile(file, 'utf8')).trim(), file)), source: file };
}

function parseKey(text: string, where = 'AEROSTACK_SECRET_KEY'): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : null;
  if (key?.length !== KEY_BYTES)
    throw new Error(`${where} must be 32 random bytes: 64 hex digits or 44 base64 characters (openssl rand -hex 32)`);
  return key;
}
