import { createHash } from 'node:crypto';
import type { Skill } from '../../db/schema.js';
import { DomainError } from '@aerostack/contract/errors.js';
import { abbreviatedPackument, fullPackument, unpublishedStub } from './packument.js';
import type { SkillReads } from './skill-reads.js';

/** A package document as sent: serialized once, with its ETag. */
export interface PackumentBody {
  body: Buffer;
  etag: string;
}

/**
 * npm's package document (`GET /@ns/skill`, full or abbreviated) of a skill the reader was let read
 * (SkillReads.findReadable): the one place it is made. ../cache/cached-reads.ts only keeps what this
 * answers, under the change epoch it was made in.
 */
export class PackageDocuments {
  constructor(private readonly reads: SkillReads) {}

  async render(skill: Skill, opts: { abbreviated: boolean }): Promise<PackumentBody> {
    const input = await this.reads.packumentInput(skill);
    const gone = unpublishedStub(input);
    if (gone) throw new DomainError(404, gone.message, undefined, gone.fields);
    const body = Buffer.from(JSON.stringify(opts.abbreviated ? abbreviatedPackument(input) : fullPackument(input)));
    return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
  }
}
