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
        // A 50 MB string may be a cheap rope in the skill; JSON.stringify would flatten and copy it
        // and run the child out of memory before the size check below. Refuse it first.
        const atLeast = jsonSizeAtLeast(result, maxOutputBytes);
        if (atLeast > maxOutputBytes) {
          send({ id: msg.id, error: `output exceeds the limit of ${maxOutputBytes} bytes`, status: 'too_large' });
          return;
        }
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

/**
 * A lower bound of the size of `JSON.stringify(value)`, computed without building it (string lengths
 * are read, never flattened); it stops counting once past `limit`.
 */
function jsonSizeAtLeast(value: unknown, limit: number): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length && total <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length + 2;
    else if (typeof v !== 'object' || v === null) total += 1;
    else if (seen.has(v)) continue;
    else if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (typeof (v as { toJSON?: unknown }).toJSON === 'function') continue; // serialised as something else
    else {
      seen.add(v);
      if (Array.isArray(v)) {
        total += v.length + 1;
        for (let i = 0; i < v.length && total <= limit; i++) stack.push(v[i]);
      } else {
        for (const k of Object.keys(v)) {
          const x = (v as Record<string, unknown>)[k];
          if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // JSON leaves these out
          total += k.length + 4;
          stack.push(x);
          if (total > limit) break;
        }
      }
    }
  }
  return total;
}
