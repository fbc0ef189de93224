import type { ProvidedTool, SkillProvides } from '@aerostack/contract/api.js';
import { splitSkillMd } from '@aerostack/contract/skill-md.js';
import { argumentsTable } from '@aerostack/contract/tool-arguments.js';
import { html, type Html } from '../html.js';

/** The most file rows a page shows; the count says how many there are. */
const MAX_FILES_SHOWN = 200;

/**
 * The skill page's "Provides" section: each tool with its arguments table, an Agent Skill's SKILL.md
 * (frontmatter as a list, body rendered through the README sanitizer), the secrets and hosts a
 * workspace admin approves at install, and the files. Every value is escaped by `html`.
 */
export async function providesSection(p: SkillProvides, render: (markdown: string) => Promise<Html>): Promise<Html> {
  const tools =
    p.tools === null
      ? html`<p class="muted" id="tools-pending">The tools are listed once the skill has run in a workspace: its MCP server tells the gateway what it offers.</p>`
      : p.type === 'agent-skill'
        ? html``
        : html`${p.tools.map(toolSection)}${p.toolsTruncated ? html`<p class="muted">More tools, or larger schemas, than the registry keeps: the first are shown.</p>` : ''}`;
  return html`<section id="provides" aria-labelledby="provides-title"><h2 id="provides-title">Provides <span class="muted">(${p.version})</span></h2>
${tools}${p.skillMd !== null ? await skillMdSection(p.skillMd, render) : ''}
<div class="grid"><div class="card"><h3>Secrets</h3>${secretsTable(p)}</div>
<div class="card"><h3>Network</h3>${
    p.network.length
      ? html`<ul id="network-hosts">${p.network.map((h) => html`<li><code>${h}</code></li>`)}</ul><p class="muted">A workspace admin approves these hosts when installing it.</p>`
      : html`<p class="muted">It reaches no network.</p>`
  }</div></div>
${filesList(p)}</section>`;
}

function toolSection(t: ProvidedTool): Html {
  const rows = t.inputSchema ? argumentsTable(t.inputSchema) : [];
  const args =
    t.inputSchema === null
      ? html`<p class="muted">Its input schema is too large to show.</p>`
      : rows.length
        ? html`<table><caption>Arguments of ${t.name}</caption><thead><tr><th scope="col">Argument</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td><code>${r.name}</code></td><td>${r.type}</td><td>${r.required ? 'yes' : 'no'}</td><td>${r.description}</td></tr>`)}</tbody></table>`
        : html`<p class="muted">No arguments.</p>`;
  return html`<div class="card tool"><h3>Tool <code>${t.name}</code></h3>${t.description ? html`<p>${t.description}</p>` : ''}${args}</div>`;
}

async function skillMdSection(text: string, render: (markdown: string) => Promise<Html>): Promise<Html> {
  const { fields, rawFrontmatter, body } = splitSkillMd(text);
  const front = fields?.length
    ? html`<dl class="meta" id="skill-md-frontmatter">${fields.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`
    : rawFrontmatter !== null
      ? html`<pre>${rawFrontmatter}</pre>`
      : '';
  return html`<h3>SKILL.md</h3>${front}<article class="readme" id="skill-md">${await render(body)}</article>`;
}

function secretsTable(p: SkillProvides): Html {
  if (!p.env.length) return html`<p class="muted">It reads no secrets.</p>`;
  return html`<table id="secrets"><thead><tr><th scope="col">Name</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
<tbody>${p.env.map((e) => html`<tr><td><code>${e.name}</code></td><td>${e.required ? 'yes' : 'no'}</td><td>${e.description ?? ''}</td></tr>`)}</tbody></table>
<p class="muted">Values are set per workspace: <code>aerostack workspace secret set</code>.</p>`;
}

function filesList(p: SkillProvides): Html {
  if (p.files === null) return html``;
  const shown = p.files.slice(0, MAX_FILES_SHOWN);
  const more = p.fileCount - shown.length;
  return html`<details id="files"><summary>Files (${p.fileCount})</summary><ul>${shown.map((f) => html`<li><code>${f}</code></li>`)}</ul>${more > 0 ? html`<p class="muted">and ${more} more</p>` : ''}</details>`;
}
