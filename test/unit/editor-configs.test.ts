/**
 * The editor config files `workspace connect` writes: where each editor keeps them, the entry for
 * each, merging into an existing file without losing anything, the backup, 0600, and refusing (never
 * overwriting) a file that is not JSON.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  configTarget,
  entryCredentials,
  existingEntry,
  mergeEntry,
  readConfig,
  serverEntry,
  writeConfig,
} from 'aerostack/lib/editor-configs.js';

const URL_ = 'https://gateway.aerostack.dev/ws/acme-team';
const TOKEN = 'mwt_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

describe('editor configs (workspace connect)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aerostack-editor-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('each editor’s user config file and key, per platform', () => {
    const linux = { home: '/home/alice', platform: 'linux' as const };
    const mac = { home: '/Users/alice', platform: 'darwin' as const };
    assert.deepEqual(configTarget('cursor', linux), { file: '/home/alice/.cursor/mcp.json', key: 'mcpServers' });
    assert.deepEqual(configTarget('vscode', linux), { file: '/home/alice/.config/Code/User/mcp.json', key: 'servers' });
    assert.deepEqual(configTarget('vscode', { ...linux, xdgConfig: '/xdg' }), {
      file: '/xdg/Code/User/mcp.json',
      key: 'servers',
    });
    assert.deepEqual(configTarget('vscode', mac), {
      file: '/Users/alice/Library/Application Support/Code/User/mcp.json',
      key: 'servers',
    });
    assert.deepEqual(configTarget('claude-code', linux), { file: '/home/alice/.claude.json', key: 'mcpServers' });
    assert.deepEqual(configTarget('claude-desktop', mac), {
      file: '/Users/alice/Library/Application Support/Claude/claude_desktop_config.json',
      key: 'mcpServers',
    });
  });

  it('the entries: url + headers (Cursor), type http (VS Code, Claude Code), an mcp-remote bridge with the header from env (Claude Desktop); each read back', () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    assert.deepEqual(serverEntry('cursor', URL_, TOKEN), { url: URL_, headers: auth });
    assert.deepEqual(serverEntry('vscode', URL_, TOKEN), { type: 'http', url: URL_, headers: auth });
    assert.deepEqual(serverEntry('claude-code', URL_, TOKEN), { type: 'http', url: URL_, headers: auth });
    assert.deepEqual(serverEntry('claude-desktop', URL_, TOKEN), {
      command: 'npx',
      args: ['-y', 'mcp-remote', URL_, '--header', 'Authorization:${AUTH}'],
      env: { AUTH: `Bearer ${TOKEN}` },
    });
    for (const client of ['cursor', 'vscode', 'claude-code', 'claude-desktop'] as const)
      assert.deepEqual(entryCredentials(serverEntry(client, URL_, TOKEN)), { url: URL_, token: TOKEN }, client);
    assert.deepEqual(entryCredentials({ url: URL_, headers: { Authorization: 'Basic xyz' } }), {
      url: URL_,
      token: null,
    });
    assert.deepEqual(entryCredentials(undefined), { url: null, token: null });
  });

  it('merges into an existing file: other servers and keys kept, the workspace entry replaced; backup; 0600', async () => {
    const file = path.join(dir, 'nested', 'mcp.json');
    const fresh = await readConfig(file);
    assert.deepEqual(fresh, { file, exists: false, doc: {} });
    assert.equal(await writeConfig(fresh, mergeEntry(fresh.doc, 'servers', 'acme-team', { url: 'old' })), null);

    const original = {
      inputs: [{ id: 'key', type: 'promptString' }],
      servers: { github: { type: 'http', url: 'https://api.githubcopilot.com/mcp/' }, 'acme-team': { url: 'old' } },
    };
    await writeFile(file, JSON.stringify(original, null, 4), { mode: 0o644 });
    const config = await readConfig(file);
    assert.deepEqual(existingEntry(config, 'servers', 'acme-team'), { url: 'old' });
    const entry = serverEntry('vscode', URL_, TOKEN);
    const backup = await writeConfig(config, mergeEntry(config.doc, 'servers', 'acme-team', entry));
    assert.equal(backup, `${file}.bak`);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
      inputs: original.inputs,
      servers: { github: original.servers.github, 'acme-team': entry },
    });
    assert.equal(await readFile(backup, 'utf8'), JSON.stringify(original, null, 4), 'the backup is the file as it was');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(backup)).mode & 0o777, 0o600);
  });

  it('refuses a file that is not a JSON object, or whose servers key is not an object, and leaves it as it was', async () => {
    const file = path.join(dir, 'mcp.json');
    await writeFile(file, '{ "mcpServers": { // a comment\n } }');
    await assert.rejects(readConfig(file), (err: Error) => {
      assert.equal(err.name, 'UsageError');
      assert.match(err.message, /mcp\.json is not valid JSON \(.+\); fix it or move it away, then run again$/);
      return true;
    });
    await writeFile(file, '[1, 2]');
    await assert.rejects(readConfig(file), /does not hold a JSON object; fix it or move it away$/);
    await writeFile(file, '{ "mcpServers": [] }');
    const config = await readConfig(file);
    assert.throws(
      () => mergeEntry(config.doc, 'mcpServers', 'acme-team', {}, file),
      /"mcpServers" in .*mcp\.json is not an object; fix it, then run again$/,
    );
    assert.equal(await readFile(file, 'utf8'), '{ "mcpServers": [] }');
    assert.deepEqual((await readConfig(path.join(dir, 'empty.json'))).doc, {});
    await writeFile(path.join(dir, 'blank.json'), '\n');
    assert.deepEqual(await readConfig(path.join(dir, 'blank.json')), {
      file: path.join(dir, 'blank.json'),
      exists: true,
      doc: {},
    });
  });
});
