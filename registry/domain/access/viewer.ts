/** Who is making a request, as established by the bearer token (or nobody). */
export interface Viewer {
  user: { id: number; username: string; email: string } | null;
  token: { id: number; key: string; readonly: boolean; kind: 'session' | 'automation' } | null;
}

export const anonymousViewer: Viewer = Object.freeze({ user: null, token: null });
