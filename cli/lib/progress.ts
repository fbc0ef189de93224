/** Progress bars appear only for transfers big enough to notice, on a terminal, and never with --json. */
const THRESHOLD_BYTES = 1024 * 1024;

type Progress = (done: number, total: number) => void;

export async function withProgress<T>(
  json: boolean,
  label: string,
  expectedBytes: number,
  task: (onProgress?: Progress) => Promise<T>,
): Promise<T> {
  if (json || expectedBytes < THRESHOLD_BYTES || !process.stderr.isTTY) return task();
  // Loaded only when a bar is shown: keeps start-up fast.
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} bytes`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(Math.round(expectedBytes), 0);
  try {
    return await task((done, total) => {
      if (total) bar.setTotal(total);
      bar.update(done);
    });
  } finally {
    bar.stop();
  }
}
