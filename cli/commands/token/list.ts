import { AerostackCommand } from '../../base-command.js';
import { day, table } from '../../lib/format.js';

export default class TokenList extends AerostackCommand<typeof TokenList> {
  static override summary = 'List your aer_ tokens (never their secrets).';
  static override examples = ['<%= config.bin %> token list'];

  async run() {
    const { client } = await this.authed();
    const tokens = await client.listTokens();
    this.log(
      table(
        tokens.map((t) => [
          t.name,
          `${t.prefix}…`,
          t.readonly ? 'read-only' : 'publish',
          day(t.created),
          day(t.lastUsed),
          day(t.expires),
          t.status,
        ]),
        { header: ['TOKEN NAME', 'TOKEN', 'ACCESS', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'] },
      ),
    );
    return { tokens };
  }
}
