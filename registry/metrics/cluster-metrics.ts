import cluster, { type Worker } from 'node:cluster';
import type { Registry } from 'prom-client';
import { loadPromClient } from './load-prom-client.js';

/**
 * Under AEROSTACK_WORKERS each worker counts for itself, and any of them may be the one a scrape
 * reaches: the worker asks the primary, the primary asks every worker for its figures
 * (prom-client's AggregatorRegistry), sums them (counters and histograms; gauges such as pool
 * connections and live skill processes too) and hands the text back. One scrape, the whole registry.
 */
const ASK = 'aerostack:metrics-ask';
const ANSWER = 'aerostack:metrics-answer';
/** prom-client gives up on a worker after 5 s; the asking worker waits a little longer than that. */
const TIMEOUT_MS = 6_000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers the workers' requests for the summed figures. */
export function serveClusterMetrics(): void {
  const { AggregatorRegistry } = loadPromClient();
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: Ask) => {
    if (message?.type !== ASK) return;
    const reply = (a: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...a } satisfies Answer);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: Error) => reply({ error: err.message }),
    );
  });
}

/**
 * In a worker: reports `registry` when the primary asks, and returns how to get every worker's
 * figures from the primary.
 */
export function workerClusterScrape(registry: Registry): () => Promise<string> {
  const { AggregatorRegistry } = loadPromClient();
  AggregatorRegistry.setRegistries([registry]);
  // Constructed for its side effect: the worker's listener for the primary's requests.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, (a: Answer) => void>();
  process.on('message', (message: Answer) => {
    if (message?.type === ANSWER) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(
        () => settle({ type: ANSWER, id, error: 'the workers did not answer in time' }),
        TIMEOUT_MS,
      );
      function settle(a: Answer) {
        clearTimeout(timer);
        waiting.delete(id);
        if (a.text !== undefined) resolve(a.text);
        else reject(new Error(`Could not gather the workers' metrics: ${a.error ?? 'no answer'}`));
      }
      waiting.set(id, settle);
      process.send!({ type: ASK, id } satisfies Ask);
    });
}
