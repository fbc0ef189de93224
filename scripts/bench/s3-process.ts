/**
 * s3rver (a real S3-over-HTTP server) in its own process, so serving tarballs for the postgres+s3
 * registry never competes with the load generator's event loop. Sends `{ ready, endpoint, bucket }`.
 */
import { startS3Server } from '../../test/helpers/s3-server.js';

const s3 = await startS3Server();
const stop = () => void s3.stop().finally(() => process.exit(0));
process.on('message', (msg: { cmd?: string }) => {
  if (msg.cmd === 'stop') stop();
});
process.on('disconnect', stop);
process.send?.({ ready: true, endpoint: s3.endpoint, bucket: s3.bucket, pid: process.pid });
