import ssri from 'ssri';
import { createHash } from 'node:crypto';

/** A small fetch wrapper for tests: JSON in, `{ status, body, headers }` out. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T = any>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.rawBody !== undefined) {
    body = opts.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = Buffer.from(await res.arrayBuffer());
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text.toString('utf8'));
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Signs a user up through the JSON API and returns its session token. */
export async function signup(base: string, username: string, password = 'correct horse battery'): Promise<string> {
  const res = await request(base, 'POST', '/-/api/v1/signup', {
    body: { username, email: `${username}@example.com`, password },
  });
  if (res.status !== 201) throw new Error(`signup ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** The body npm's `npm publish` sends for one version of `name`. */
export function publishBody(
  name: string,
  version: string,
  tarball: Buffer,
  opts: {
    tag?: string;
    visibility?: 'public' | 'team' | 'private';
    access?: 'public' | 'restricted';
    integrity?: string;
  } = {},
) {
  const slug = name.split('/')[1]!;
  return {
    _id: name,
    name,
    description: 'test skill',
    'dist-tags': { [opts.tag ?? 'latest']: version },
    versions: {
      [version]: {
        name,
        version,
        dist: {
          integrity: opts.integrity ?? ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(),
          shasum: createHash('sha1').update(tarball).digest('hex'),
          tarball: `http://ignored/${name}/-/${slug}-${version}.tgz`,
        },
      },
    },
    ...(opts.visibility ? { visibility: opts.visibility } : {}),
    ...(opts.access ? { access: opts.access } : {}),
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: 'application/octet-stream',
        data: tarball.toString('base64'),
        length: tarball.length,
      },
    },
  };
}
