import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { CappedStdioTransport } from '@aerostack/registry/gateway/runtime/capped-stdio-transport.js';
import { SkillCallError } from '@aerostack/registry/gateway/runtime/limits.js';

/** A transport over in-memory pipes; `kills` counts how often it asked for the child to die. */
function harness(limits = { maxFrameBytes: 1024, maxFramesPerSecond: 10 }) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const exits = new EventEmitter();
  let kills = 0;
  let clock = 0;
  const t = new CappedStdioTransport(
    { stdin, stdout, kill: () => void kills++, onExit: (l) => exits.once('exit', l) },
    limits,
    () => clock,
  );
  const got: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let closed = false;
  t.onmessage = (m) => got.push(m);
  t.onerror = (e) => errors.push(e);
  t.onclose = () => (closed = true);
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    t,
    stdin,
    stdout,
    exits,
    got,
    errors,
    kills: () => kills,
    closed: () => closed,
    tick: (ms: number) => (clock += ms),
    flush,
  };
}

const line = (m: object) => JSON.stringify({ jsonrpc: '2.0', ...m }) + '\n';

describe('CappedStdioTransport: the SDK’s stdio framing, capped against a hostile child', () => {
  it('delivers messages split across chunks and sends newline-delimited JSON', async () => {
    const h = harness();
    await h.t.start();
    const text = line({ id: 1, result: { ok: true } });
    h.stdout.write(text.slice(0, 10));
    h.stdout.write(text.slice(10) + line({ method: 'notifications/x' }));
    await h.flush();
    assert.deepEqual(h.got, [
      { jsonrpc: '2.0', id: 1, result: { ok: true } },
      { jsonrpc: '2.0', method: 'notifications/x' },
    ]);
    const sent: Buffer[] = [];
    h.stdin.on('data', (c: Buffer) => sent.push(c));
    await h.t.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    await h.flush();
    assert.equal(Buffer.concat(sent).toString(), '{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    h.exits.emit('exit');
    assert.equal(h.closed(), true);
    assert.equal(h.kills(), 0);
  });

  it('kills a child whose message outgrows the frame limit, with or without a newline', async () => {
    for (const payload of ['z'.repeat(5000), line({ id: 1, result: { text: 'y'.repeat(5000) } })]) {
      const h = harness();
      await h.t.start();
      for (let i = 0; i < payload.length; i += 700) h.stdout.write(payload.slice(i, i + 700));
      await h.flush();
      assert.equal(h.kills(), 1);
      assert.equal(h.got.length, 0);
      assert.ok(h.errors[0] instanceof SkillCallError);
      assert.equal(h.errors[0].status, 'too_large');
      assert.match(h.errors[0].message, /^The skill sent a message larger than 1024 bytes/);
      // Whatever it sends after that is ignored.
      h.stdout.write(line({ id: 2, result: {} }));
      await h.flush();
      assert.equal(h.got.length, 0);
    }
  });

  it('answers to its own requests never count as a flood, however many; a forged answer does', async () => {
    const h = harness();
    await h.t.start();
    for (let id = 1; id <= 50; id++)
      await h.t.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'x' } });
    h.stdout.write(Array.from({ length: 50 }, (_, i) => line({ id: i + 1, result: { content: [] } })).join(''));
    await h.flush();
    assert.equal(h.got.length, 50);
    assert.equal(h.kills(), 0);
    // An answer to the same ids again, or to ids never asked, is the child talking on its own.
    h.stdout.write(Array.from({ length: 11 }, (_, i) => line({ id: i + 1, result: {} })).join(''));
    await h.flush();
    assert.equal(h.kills(), 1);
  });

  it('kills a child that floods it with messages, valid or not; a steady rate is fine', async () => {
    const steady = harness();
    await steady.t.start();
    for (let s = 0; s < 5; s++) {
      steady.stdout.write(line({ method: 'notifications/progress' }).repeat(10));
      await steady.flush();
      steady.tick(1000);
    }
    assert.equal(steady.got.length, 50);
    assert.equal(steady.kills(), 0);

    for (const spam of [line({ method: 'notifications/progress' }), 'not json at all\n']) {
      const h = harness();
      await h.t.start();
      h.stdout.write(spam.repeat(11));
      await h.flush();
      assert.equal(h.kills(), 1);
      assert.match(h.errors[0]!.message, /^The skill sent more than 10 messages in a second/);
    }
  });
});
