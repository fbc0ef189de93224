import type { Request } from 'express';
import type { Viewer } from '../domain/access/viewer.js';
import { unauthorized } from '@aerostack/contract/errors.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `authenticate` for every request: the signed-in user, or the anonymous viewer. */
      viewer: Viewer;
    }
  }
}

/** The signed-in user, or a 401 for anonymous requests. */
export function requireUser(req: Request, message = 'Sign in first (aerostack login, or npm adduser)') {
  const user = req.viewer.user;
  if (!user) throw unauthorized(message);
  return user;
}

/** A route parameter as a string (Express 5 types allow arrays for wildcards). */
export const param = (req: Request, name: string): string => {
  const v = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join('/') : (v ?? '');
};
