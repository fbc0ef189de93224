import type http from 'node:http';
import v8 from 'node:v8';

/** How long without a request before the registry counts as idle. */
const QUIET_MS = 1_000;
/** How often the quiet is checked (one unref'd timer; a request only bumps a counter). */
const CHECK_EVERY_MS = 250;
/** At most one idle collection this often, however requests trickle in. */
const MIN_INTERVAL_MS = 10_000;

/**
 * Gives the memory a burst of requests left behind back to the system once the server goes quiet.
 * V8 keeps its young generation at the size a burst grew it to (32 MB of semi-spaces) and only
 * shrinks it in a memory-reducing collection, which an idle process — allocating nothing — never
 * triggers, nor does a plain `gc()`: an idle registry on Postgres held 128 MB where 89 MB are needed.
 * One such collection (a few tens of ms) runs after QUIET_MS without a request, at most once per
 * MIN_INTERVAL_MS, and only if a request came since the last one (or at start-up).
 * Returns a function that stops watching.
 */
export function collectWhenIdle(server: http.Server): () => void {
  let requests = 0;
  let seen = 0;
  let quietSince = Date.now();
  let lastCollection = 0;
  let dirty = true;
  const onRequest = () => {
    requests++;
  };
  server.on('request', onRequest);
  const timer = setInterval(() => {
    const now = Date.now();
    if (requests !== seen) {
      seen = requests;
      quietSince = now;
      dirty = true;
      return;
    }
    if (!dirty || now - quietSince < QUIET_MS || now - lastCollection < MIN_INTERVAL_MS) return;
    dirty = false;
    lastCollection = now;
    collectAllAvailableGarbage();
  }, CHECK_EVERY_MS).unref();
  return () => {
    clearInterval(timer);
    server.off('request', onRequest);
  };
}

/** Instances of nothing: what queryObjects is asked to count. */
class NoInstances {}

/**
 * `v8.queryObjects` (Node ≥ 20.13) first runs V8's memory-reducing full collection — the one a heap
 * snapshot runs, which also shrinks the young generation — and is the only call that does without
 * command-line flags. Its answer (0) is not used. It is marked experimental, and says so once per
 * process on stderr; that notice is about this call, not for the operator, so it is held back.
 */
function collectAllAvailableGarbage(): void {
  const query = (v8 as { queryObjects?: (ctor: unknown, opts: { format: 'count' }) => number }).queryObjects;
  if (typeof query !== 'function') return;
  // Put back exactly as it was (not a bound copy).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    query(NoInstances, { format: 'count' });
  } finally {
    process.emitWarning = emitWarning;
  }
}
