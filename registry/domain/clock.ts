/** The one source of "now", so tests can move time (token expiry, invitation expiry, unpublish window). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
