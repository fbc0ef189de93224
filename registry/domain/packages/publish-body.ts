import { z } from 'zod';
import { VISIBILITIES } from '@aerostack/contract/api.js';
import { badRequest } from '@aerostack/contract/errors.js';

/**
 * The body npm's `PUT /:name` sends (libnpmpublish), which is also the body our own CLI sends:
 * one version's metadata, its dist-tags and the tarball as a base64 attachment. Unknown keys pass.
 */
const attachment = z.object({
  content_type: z.string().optional(),
  data: z.string().min(1, 'is empty'),
  length: z.number().int().nonnegative().optional(),
});

const versionMeta = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  deprecated: z.string().optional(),
  dist: z
    .looseObject({ integrity: z.string().optional(), shasum: z.string().optional(), tarball: z.string().optional() })
    .optional(),
});

export const packageBodySchema = z.looseObject({
  _id: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  versions: z.record(z.string(), versionMeta).default({}),
  'dist-tags': z.record(z.string(), z.string()).default({}),
  _attachments: z.record(z.string(), attachment).optional(),
  /** npm's `--access`: public → public, restricted → team. */
  access: z.enum(['public', 'restricted']).nullish(),
  /** Aerostack's own, wins over `access`. */
  visibility: z.enum(VISIBILITIES).optional(),
});

export type PackageBody = z.infer<typeof packageBodySchema>;

export function parsePackageBody(body: unknown): PackageBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Expected a JSON object body');
  const parsed = packageBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`Invalid publish body: ${issue.path.join('.') || 'body'} ${issue.message}`);
  }
  return parsed.data;
}

/** Base64 as npm sends it; Buffer.from would silently skip garbage, so check the alphabet first. */
export function decodeAttachment(data: string): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw badRequest('Tarball attachment is not valid base64');
  }
  return Buffer.from(compact, 'base64');
}
