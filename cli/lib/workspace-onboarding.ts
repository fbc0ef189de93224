import { shellWord } from './workspace-editor-config.js';

export interface OnboardingSkill {
  /** `@acme/deploy-skill`, or a spec with a version (`@acme/deploy-skill@^2`). */
  spec: string;
  /** Adds the product page's `# public skill` remark. */
  public?: boolean;
}

/** A double-quoted shell string: `$`, backquote, `"` and `\` escaped, so nothing is expanded. */
const dq = (s: string): string => `"${s.replace(/[\\"$`]/g, '\\$&')}"`;

/**
 * The product page's `team-setup.sh` for a workspace. It never prompts (the CLI fails instead of
 * asking when there is no terminal) and re-running it is safe: `workspace use` and installing what
 * is already installed both succeed.
 */
export function onboardingScript(workspace: string, url: string, skills: OnboardingSkill[]): string {
  const lines = [
    '#!/bin/bash',
    '# team-setup.sh — run this when a new dev joins',
    '#',
    '# Non-interactive and safe to re-run. Signs in with AEROSTACK_TOKEN when it is set (CI, a fresh',
    '# machine), otherwise with the saved `aerostack login`; AEROSTACK_REGISTRY picks the registry.',
    'set -euo pipefail',
    '',
    'command -v aerostack >/dev/null || { echo "✗ aerostack CLI not found on PATH" >&2; exit 127; }',
    '',
    `aerostack workspace use ${shellWord(workspace)}`,
    '',
    ...skills.map((s) => `aerostack skill install ${shellWord(s.spec)}${s.public ? '  # public skill' : ''}`),
    ...(skills.length ? [''] : []),
    'echo "✓ All team skills installed."',
    'echo "Add this to your editor MCP config:"',
    `echo ${dq(`URL: ${url}`)}`,
  ];
  return `${lines.join('\n')}\n`;
}
