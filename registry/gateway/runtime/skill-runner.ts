/**
 * Entry point of a sandboxed `type: "skill"` child (started by SkillChild). It imports the skill's
 * `main` module and answers call messages over the IPC channel with the default export's result.
 * argv: <skill dir> <main> <max output bytes>
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface CallMessage {
  id: number;
  input: unknown;
  context: Record<string, unknown>;
}

const [skillDir, main, maxOutput] = process.argv.slice(2) as [string, string, string];
const maxOutputBytes = Number(maxOutput);
const send = (msg: unknown) => process.send?.(msg);

try {
  const mod = (await import(pathToFileURL(path.join(skillDir, main)).href)) as { default?: unknown };
  const run = mod.default;
  if (typeof run !== 'function') throw new Error(`${main} has no default export function`);
  process.on('message', (msg: CallMessage) => {
    void (async () => {
      try {
        const result = await (run as (input: unknown, ctx: unknown) => unknown)(msg.input, Object.freeze({ ...msg.context }));
        const content = (result as { content?: unknown } | null)?.content;
        if (!Array.isArray(content)) throw new Error('the skill must return { content: [{ type: "text", text }] }');
        const json = JSON.stringify(result);
        // Checked here too, so a huge result is never pushed down the IPC channel.
        if (Buffer.byteLength(json) > maxOutputBytes) {
          send({ id: msg.id, error: `output of ${Buffer.byteLength(json)} bytes exceeds the limit of ${maxOutputBytes} bytes`, status: 'too_large' });
          return;
        }
        send({ id: msg.id, result: JSON.parse(json) as unknown });
      } catch (err) {
        send({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  send({ ready: true });
} catch (err) {
  send({ startError: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
}
