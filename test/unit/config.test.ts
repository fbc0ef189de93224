import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '@aerostack/registry/config.js';

describe('configuration from the environment', () => {
  it('defaults to the embedded registry on 127.0.0.1:4870 with ./data', () => {
    const c = loadConfig({});
    assert.equal(c.port, 4870);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.publicUrl, 'http://127.0.0.1:4870');
    assert.equal(c.databaseUrl, null);
    assert.equal(c.s3, null);
    assert.match(c.dataDir, /\/data$/);
  });

  it('selects Postgres and S3 from their variables', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@db/registry',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_BUCKET: 'skills',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'k',
      S3_SECRET_ACCESS_KEY: 's',
      PUBLIC_URL: 'https://registry.example.com/',
    });
    assert.equal(c.databaseUrl, 'postgres://u@db/registry');
    assert.deepEqual(c.s3, {
      bucket: 'skills',
      region: 'us-east-1',
      forcePathStyle: true,
      endpoint: 'http://127.0.0.1:9000',
      accessKeyId: 'k',
      secretAccessKey: 's',
    });
    assert.equal(c.publicUrl, 'https://registry.example.com');
  });

  it('runs skills in the bubblewrap sandbox unless told otherwise, with its limits', () => {
    const c = loadConfig({});
    assert.equal(c.gateway.sandbox, 'bwrap');
    assert.deepEqual(c.gateway.skill, {
      callTimeoutMs: 10000,
      memoryMb: 128,
      maxConcurrentCalls: 8,
      maxOutputBytes: 1048576,
      idleMs: 300000,
      maxProcesses: 64,
      cpus: 1,
      cpuSeconds: 3600,
      tmpMb: 16,
    });
    const custom = loadConfig({
      AEROSTACK_SANDBOX: 'none',
      AEROSTACK_SKILL_CPUS: '0.5',
      AEROSTACK_SKILL_MAX_PROCESSES: '32',
      AEROSTACK_SANDBOX_UID_BASE: '300000',
    });
    assert.equal(custom.gateway.sandbox, 'none');
    assert.equal(custom.gateway.skill.cpus, 0.5);
    assert.equal(custom.gateway.skill.maxProcesses, 32);
    assert.equal(custom.gateway.sandboxUidBase, 300000);
  });

  it('reads LOG_FORMAT; unset, the log picks pretty on a terminal and JSON otherwise', () => {
    assert.equal(loadConfig({}).logFormat, null);
    assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
    assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  });

  it('reads the secret key and the test-only egress switch; both off by default', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.secretKey, null);
    assert.equal(defaults.gateway.egressAllowLoopback, false);
    const key = 'ab'.repeat(32);
    const set = loadConfig({ AEROSTACK_SECRET_KEY: key, AEROSTACK_EGRESS_ALLOW_LOOPBACK: 'true' });
    assert.equal(set.secretKey, key);
    assert.equal(set.gateway.egressAllowLoopback, true);
  });

  it('keeps /metrics off unless AEROSTACK_METRICS=1; reads its token', () => {
    assert.deepEqual(loadConfig({}).metrics, { enabled: false, token: null });
    const token = 'cd'.repeat(32);
    assert.deepEqual(loadConfig({ AEROSTACK_METRICS: '1', AEROSTACK_METRICS_TOKEN: token }).metrics, {
      enabled: true,
      token,
    });
  });

  const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [
      { AEROSTACK_SANDBOX: 'off' },
      /^Invalid configuration: AEROSTACK_SANDBOX must be "bwrap" \(the default\) or "none" \(got "off"\)$/,
    ],
    [
      { AEROSTACK_SKILL_CPUS: 'half' },
      /^Invalid configuration: AEROSTACK_SKILL_CPUS must be a number such as 1 or 0\.5/,
    ],
    [
      { AEROSTACK_SKILL_MAX_PROCESSES: '4' },
      /^Invalid configuration: AEROSTACK_SKILL_MAX_PROCESSES must be between 16 and 4096/,
    ],
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT must be a whole number \(got "eighty"\)$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT must be between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid configuration: DATABASE_URL must be a URL starting with postgres:\/\//],
    [{ PUBLIC_URL: 'registry.example.com' }, /^Invalid configuration: PUBLIC_URL must be a URL/],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, /S3_BUCKET is required/],
    [{ S3_BUCKET: 'Bad_Bucket' }, /S3_BUCKET must be a valid bucket name/],
    [
      { S3_BUCKET: 'ok-bucket', S3_ACCESS_KEY_ID: 'k' },
      /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together/,
    ],
    [{ S3_FORCE_PATH_STYLE: 'yes' }, /S3_FORCE_PATH_STYLE/],
    [{ SMTP_URL: 'http://mail' }, /SMTP_URL must be a URL starting with smtp:\/\/ or smtps:\/\//],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [
      { LOG_FORMAT: 'xml' },
      /^Invalid configuration: LOG_FORMAT must be "json" or "pretty" \(unset: pretty on a terminal, JSON otherwise\) \(got "xml"\)$/,
    ],
    // A secret's wrong value is not echoed: it may be a real key with a typo.
    [
      { AEROSTACK_SECRET_KEY: 'hunter2-not-32-bytes' },
      /^Invalid configuration: AEROSTACK_SECRET_KEY must be 32 random bytes: 64 hex digits or 44 base64 characters \(openssl rand -hex 32\)$/,
    ],
    [
      { DATABASE_URL: 'mysql://user:pw@db/x' },
      /^Invalid configuration: DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\/$/,
    ],
    [{ AEROSTACK_EGRESS_ALLOW_LOOPBACK: 'yes' }, /AEROSTACK_EGRESS_ALLOW_LOOPBACK/],
    [{ AEROSTACK_METRICS: 'on' }, /^Invalid configuration: AEROSTACK_METRICS /],
    [
      { AEROSTACK_METRICS_TOKEN: 'short one' },
      /^Invalid configuration: AEROSTACK_METRICS_TOKEN must be at least 16 printable characters without spaces \(openssl rand -hex 32\)$/,
    ],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} with one line naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'),
      );
    });
  }
});
