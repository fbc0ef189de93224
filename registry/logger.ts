import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogFormat, RegistryConfig } from './config.js';

/**
 * LOG_FORMAT when set; otherwise a person at a terminal gets readable lines and anything else (a
 * pipe, a file, a container's log collector) gets one JSON object a line.
 */
export function chooseLogFormat(configured: LogFormat | null, isTerminal: boolean): LogFormat {
  return configured ?? (isTerminal ? 'pretty' : 'json');
}

/** The registry's logger, on stdout (`fd` 1) or stderr (2), in the format chooseLogFormat picks. */
export function createLogger(config: Pick<RegistryConfig, 'logLevel' | 'logFormat'>, fd: 1 | 2 = 1): Logger {
  const stream = fd === 1 ? process.stdout : process.stderr;
  const format = chooseLogFormat(config.logFormat, stream.isTTY === true);
  if (format === 'json') return pino({ level: config.logLevel }, pino.destination({ fd, sync: true }));
  return pino(
    { level: config.logLevel },
    // In-process and synchronous (not pino's worker transport): lines keep their order with what the
    // registry prints itself (outbox links), and none is lost when the process exits. Colours only
    // when the stream is a terminal (pino-pretty's own check).
    PinoPretty({
      destination: fd,
      sync: true,
      singleLine: true,
      ignore: 'pid,hostname',
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
    }),
  );
}
