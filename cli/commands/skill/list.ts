import { AerostackCommand } from '../../base-command.js';
import { configDir } from '../../lib/config-store.js';
import { table } from '../../lib/format.js';
import { tildify } from '../../lib/agent-target.js';
import { LocalSkills } from '../../lib/local-skills.js';

interface Row {
  name: string;
  latest: string | null;
  visibility: string;
  installed: string | null;
  /** Where the installed copy is: the local skill cache, or for an Agent Skill the folder it was unpacked into. */
  path: string | null;
  source: 'yours' | 'team' | 'installed';
}

export default class SkillList extends AerostackCommand<typeof SkillList> {
  static override summary = "List your skills, your teams' skills, and what is installed locally.";
  static override examples = ['<%= config.bin %> skill list', '<%= config.bin %> skill list --json'];

  async run() {
    const ctx = await this.context();
    const lock = await new LocalSkills(configDir()).readLock();
    const rows = new Map<string, Row>();
    if (ctx.client.hasToken) {
      const [me, skills] = await Promise.all([ctx.client.whoami(), ctx.client.mySkills()]);
      for (const s of skills) {
        rows.set(s.name, {
          name: s.name,
          latest: s.latest,
          visibility: s.visibility,
          installed: lock.skills[s.name]?.version ?? null,
          path: lock.skills[s.name]?.path ?? null,
          source: s.namespace === me.username ? 'yours' : 'team',
        });
      }
    }
    for (const [name, entry] of Object.entries(lock.skills)) {
      if (!rows.has(name))
        rows.set(name, {
          name,
          latest: null,
          visibility: entry.visibility,
          installed: entry.version,
          path: entry.path,
          source: 'installed',
        });
    }
    // Latest versions of skills known only from the lockfile (public skills of others, say).
    await Promise.all(
      [...rows.values()]
        .filter((r) => r.latest === null)
        .map(async (r) => {
          const doc = await ctx.client.packument(r.name).catch(() => null);
          // The registry's visibility, not the lockfile's: the owner may have changed it since.
          if (doc) Object.assign(r, { latest: doc['dist-tags'].latest ?? null, visibility: doc.visibility });
        }),
    );
    const list = [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (!list.length)
      this.log(
        ctx.client.hasToken
          ? 'No skills yet: publish one with aerostack skill publish'
          : 'No skills installed (aerostack login to see your skills)',
      );
    else {
      // A FOLDER column once an Agent Skill is installed: where the agent loads it from.
      const agentSkills = new Set(Object.keys(lock.skills).filter((n) => lock.skills[n]!.agentSkill));
      const folder = (r: Row) =>
        agentSkills.has(r.name) && r.path ? [tildify(r.path)] : agentSkills.size ? ['-'] : [];
      this.log(
        table(
          list.map((r) => [r.name, r.latest ?? '-', r.visibility, r.installed ?? '-', ...folder(r)]),
          { header: ['SKILL', 'LATEST', 'VISIBILITY', 'INSTALLED', ...(agentSkills.size ? ['FOLDER'] : [])] },
        ),
      );
    }
    return { skills: list };
  }
}
