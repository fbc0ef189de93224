import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { collectWhenIdle } from '@aerostack/registry/idle-gc.js';

/** The young generation's committed size (what a burst grows and only a memory-reducing collection shrinks). */
const youngMb = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 1048576;

describe('collectWhenIdle: a server that goes quiet gives back the memory its last burst grew', () => {
  it('shrinks the young generation about a second after the last request', async () => {
    const server = http.createServer((_req, res) => {
      // A burst of short-lived garbage, as request handling makes: it grows the young generation.
      let keep: unknown[] = [];
      for (let i = 0; i < 2e6; i++) {
        keep.push({ i, s: `x${i}` });
        if (keep.length > 100_000) keep = [];
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stop = collectWhenIdle(server);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const get = () => fetch(url).then((r) => r.text());
      // A few requests, 300 ms apart: the young generation is grown when the last one is answered.
      for (let i = 0; i < 5; i++) {
        await get();
        await new Promise((r) => setTimeout(r, 300));
      }
      const grown = youngMb();
      assert.ok(grown >= 8, `the burst should have grown the young generation (${grown} MB)`);
      await new Promise((r) => setTimeout(r, 1_800));
      const after = youngMb();
      assert.ok(after <= grown / 4, `young generation ${grown} MB before the quiet, ${after} MB after`);
    } finally {
      stop();
      await new Promise((r) => server.close(r));
    }
  });
});
