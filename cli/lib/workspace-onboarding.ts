import { SKILL_AGENTS } from '@aerostack/contract/agent-skill.js';
import { shellWord } from './workspace-editor-config.js';

export interface OnboardingSkill {
  /** `@acme/deploy-skill`, or a spec with a version (`@acme/deploy-skill@^2`). */
  spec: string;
  /** Adds the product page's `# public skill` remark. */
  public?: boolean;
  /** An Agent Skill: unpacked into the member's agent folder (`--agent` / `--skills-dir`, else their default). */
  agentSkill?: boolean;
}

export interface OnboardingInput {
  workspace: string;
  /** The registry the script installs the CLI from and signs in to. */
  registry: string;
  /** The workspace's gateway URL. */
  url: string;
  skills: OnboardingSkill[];
  /** The editor configured when the script is run without --client (default: detect). */
  client?: string;
  /** The agent Agent Skills go to when the script is run without --agent / --skills-dir (default: the member's). */
  agent?: string;
}

/** A double-quoted shell string: `$`, backquote, `"` and `\` escaped, so nothing is expanded. */
const dq = (s: string): string => `"${s.replace(/[\\"$`]/g, '\\$&')}"`;

/**
 * The product page's `team-setup.sh` for a workspace, its lines kept as the core (`workspace use`,
 * one `skill install` per skill, the closing echoes), with what a new laptop needs around them:
 * Node, the CLI from the team's own registry, a sign-in, and the editor connected with the member's
 * own token. The logic lives in the CLI (`skill install --local`, `workspace connect`), tested
 * there; the script stays thin. It never prompts without a terminal, never changes the workspace,
 * and a second run changes nothing that is already right. `--dry-run` swaps `aerostack` for a
 * function that says what each changing command would do.
 */
export function onboardingScript(input: OnboardingInput): string {
  const { workspace, registry, url, skills } = input;
  // The Agent Skill options appear only in a script that installs one, so other scripts stay as they were.
  const agents = skills.some((s) => s.agentSkill);
  const usage = `--client cursor|vscode|claude-code|claude-desktop|print${agents ? `, --agent ${SKILL_AGENTS.join('|')}, --skills-dir PATH` : ''}, --dry-run`;
  const install = (s: OnboardingSkill) =>
    `aerostack skill install ${shellWord(s.spec)} --local${s.agentSkill ? ' ${SKILLS_AGENT:+--agent "$SKILLS_AGENT"} ${SKILLS_DIR:+--dir "$SKILLS_DIR"}' : ''}${s.public ? '  # public skill' : ''}`;
  const lines = [
    '#!/bin/bash',
    '# team-setup.sh — run this when a new dev joins',
    '#',
    `# Sets up this machine for the ${workspace} workspace: checks Node, installs the aerostack CLI from`,
    '# the registry, signs in, installs local copies of the team skills (the workspace itself is never',
    '# changed) and connects your editor with your own token. Safe to re-run.',
    '#',
    `#   bash team-setup.sh [--client cursor|vscode|claude-code|claude-desktop|print]${agents ? ` [--agent ${SKILL_AGENTS.join('|')} | --skills-dir PATH]` : ''} [--dry-run]`,
    ...(agents
      ? [
          "#   Agent Skills (SKILL.md) are unpacked into that agent's skills folder, or PATH/<name>/; without either,",
          '#   into your default (the first `aerostack skill install --agent/--dir` you ran)',
        ]
      : []),
    '#   AEROSTACK_TOKEN=aer_…  signs in without a prompt (CI, a machine with no terminal)',
    'set -euo pipefail',
    '',
    `export AEROSTACK_REGISTRY=${shellWord(registry)}`,
    `CLIENT=${input.client ? shellWord(input.client) : ''}`,
    ...(agents ? [`SKILLS_AGENT=${input.agent ? shellWord(input.agent) : ''}`, 'SKILLS_DIR='] : []),
    'DRY_RUN=',
    'while [ $# -gt 0 ]; do',
    '  case "$1" in',
    '    --client) CLIENT="${2:-}"; shift 2 || shift ;;',
    '    --client=*) CLIENT="${1#--client=}"; shift ;;',
    ...(agents
      ? [
          '    --agent) SKILLS_AGENT="${2:-}"; SKILLS_DIR=; shift 2 || shift ;;',
          '    --agent=*) SKILLS_AGENT="${1#--agent=}"; SKILLS_DIR=; shift ;;',
          '    --skills-dir) SKILLS_DIR="${2:-}"; SKILLS_AGENT=; shift 2 || shift ;;',
          '    --skills-dir=*) SKILLS_DIR="${1#--skills-dir=}"; SKILLS_AGENT=; shift ;;',
        ]
      : []),
    '    --dry-run) DRY_RUN=1; shift ;;',
    `    *) echo "✗ invalid: unknown option $1 (use ${usage})" >&2; exit 2 ;;`,
    '  esac',
    'done',
    '',
    '# 1. Node 20 or later (npm comes with it)',
    'if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! node -e \'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)\'; then',
    '  echo "✗ aerostack needs Node.js 20 or later with npm (found: $(node --version 2>/dev/null || echo none)); install it from https://nodejs.org, then run this again" >&2',
    '  exit 1',
    'fi',
    '',
    '# 2. The aerostack CLI, from the registry itself, with npm (NPM_CONFIG_PREFIX is honoured); only when',
    "#    it is missing or not the registry's version",
    'npm_bin="$(npm prefix -g)/bin"',
    'on_path() { command -v aerostack >/dev/null && return; [ -x "$npm_bin/aerostack" ] || return 1',
    '  export PATH="$npm_bin:$PATH"; echo "! Add $npm_bin to your PATH to run aerostack from a new shell" >&2; }',
    'want="$(npm view aerostack version --registry "$AEROSTACK_REGISTRY" 2>/dev/null || true)"',
    'have=""',
    'if on_path; then have="$(aerostack --version | sed -E \'s#^aerostack/([^ ]+).*#\\1#\')"; fi',
    'if [ -z "$want" ] && [ -z "$have" ]; then',
    '  echo "✗ Cannot install the aerostack CLI: $AEROSTACK_REGISTRY does not answer for the aerostack package" >&2',
    '  exit 1',
    'elif [ -n "$want" ] && [ "$have" != "$want" ]; then',
    '  if [ -n "$DRY_RUN" ]; then',
    '    echo "Would run: npm install -g aerostack@$want --registry $AEROSTACK_REGISTRY"',
    '  else',
    '    npm install -g "aerostack@$want" --registry "$AEROSTACK_REGISTRY" --no-fund --no-audit --loglevel=error >/dev/null',
    '    on_path',
    '    echo "✓ Installed aerostack $want"',
    '  fi',
    'fi',
    '',
    '# 3. Sign in',
    'signed_in() { [ -n "${AEROSTACK_TOKEN:-}" ] || { type -P aerostack >/dev/null && command aerostack whoami >/dev/null 2>&1; }; }',
    'if ! signed_in; then',
    '  if [ -t 0 ] && [ -t 1 ] && [ -z "$DRY_RUN" ]; then',
    '    aerostack login',
    '  elif [ -n "$DRY_RUN" ]; then',
    '    echo "Would run: aerostack login"',
    '  else',
    '    echo "✗ Not signed in: set AEROSTACK_TOKEN to a token of yours (aerostack token create), or run this in a terminal to sign in" >&2',
    '    exit 4',
    '  fi',
    'fi',
    '',
    '# --dry-run: commands that would change something are only shown (connect explains itself).',
    'if [ -n "$DRY_RUN" ]; then',
    '  aerostack() {',
    '    if [ "${1:-} ${2:-}" = "workspace connect" ] && type -P aerostack >/dev/null && signed_in; then',
    '      command aerostack "$@" --dry-run',
    '    else',
    '      echo "Would run: aerostack $*"',
    '    fi',
    '  }',
    'fi',
    '',
    '# 4–5. The workspace, and local copies of its skills at its versions (the workspace is not changed)',
    `aerostack workspace use ${shellWord(workspace)}`,
    '',
    ...skills.map(install),
    ...(skills.length ? [''] : []),
    'echo "✓ All team skills installed."',
    'echo "Add this to your editor MCP config:"',
    `echo ${dq(`URL: ${url}`)}`,
    '',
    '# 6–7. Your own mwt_ token, written into your editor config (kept while the one there still works)',
    `aerostack workspace connect ${shellWord(workspace)} \${CLIENT:+--client "$CLIENT"}`,
  ];
  return `${lines.join('\n')}\n`;
}
