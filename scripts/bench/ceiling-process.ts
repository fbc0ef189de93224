/**
 * The ceiling: a bare node:http server answering with the very bytes the registry serves (the same
 * packument JSON and the same tarball), held in memory, with the same headers, and nothing else: no
 * routing, authentication, database or storage. Whatever the registry reaches is measured against it.
 *
 *   GET /packument  → BENCH_PACKUMENT_FILE, application/json
 *   GET /tarball    → BENCH_TARBALL_FILE, application/octet-stream
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const packument = readFileSync(process.env.BENCH_PACKUMENT_FILE!);
const tarball = readFileSync(process.env.BENCH_TARBALL_FILE!);
const etag = `"${createHash('sha1').update(tarball).digest('hex')}"`;

const server = http.createServer((req, res) => {
  if (req.url === '/packument') {
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': packument.length,
      'Cache-Control': 'private, no-cache',
      Vary: 'Authorization, Accept',
    });
    res.end(packument);
  } else if (req.url === '/tarball') {
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': tarball.length,
      'Cache-Control': 'private, max-age=31536000, immutable',
      ETag: etag,
    });
    res.end(tarball);
  } else {
    res.writeHead(404).end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, url: `http://127.0.0.1:${port}`, pid: process.pid });
});
process.on('disconnect', () => process.exit(0));
