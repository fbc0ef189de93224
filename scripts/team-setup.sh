#!/bin/bash
# team-setup.sh — run this when a new dev joins
#
# Sets up this machine for the acme-team workspace: checks Node, installs the aerostack CLI from
# the registry, signs in, installs local copies of the team skills (the workspace itself is never
# changed) and connects your editor with your own token. Safe to re-run.
#
#   bash team-setup.sh [--client cursor|vscode|claude-code|claude-desktop|print] [--dry-run]
#   AEROSTACK_TOKEN=aer_…  signs in without a prompt (CI, a machine with no terminal)
set -euo pipefail

export AEROSTACK_REGISTRY=https://registry.acme.dev
CLIENT=
DRY_RUN=
while [ $# -gt 0 ]; do
  case "$1" in
    --client) CLIENT="${2:-}"; shift 2 || shift ;;
    --client=*) CLIENT="${1#--client=}"; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    *) echo "✗ invalid: unknown option $1 (use --client cursor|vscode|claude-code|claude-desktop|print, --dry-run)" >&2; exit 2 ;;
  esac
done

# 1. Node 20 or later (npm comes with it)
if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "✗ aerostack needs Node.js 20 or later with npm (found: $(node --version 2>/dev/null || echo none)); install it from https://nodejs.org, then run this again" >&2
  exit 1
fi

# 2. The aerostack CLI, from the registry itself, with npm (NPM_CONFIG_PREFIX is honoured); only when
#    it is missing or not the registry's version
npm_bin="$(npm prefix -g)/bin"
on_path() { command -v aerostack >/dev/null && return; [ -x "$npm_bin/aerostack" ] || return 1
  export PATH="$npm_bin:$PATH"; echo "! Add $npm_bin to your PATH to run aerostack from a new shell" >&2; }
want="$(npm view aerostack version --registry "$AEROSTACK_REGISTRY" 2>/dev/null || true)"
have=""
if on_path; then have="$(aerostack --version | sed -E 's#^aerostack/([^ ]+).*#\1#')"; fi
if [ -z "$want" ] && [ -z "$have" ]; then
  echo "✗ Cannot install the aerostack CLI: $AEROSTACK_REGISTRY does not answer for the aerostack package" >&2
  exit 1
elif [ -n "$want" ] && [ "$have" != "$want" ]; then
  if [ -n "$DRY_RUN" ]; then
    echo "Would run: npm install -g aerostack@$want --registry $AEROSTACK_REGISTRY"
  else
    npm install -g "aerostack@$want" --registry "$AEROSTACK_REGISTRY" --no-fund --no-audit --loglevel=error >/dev/null
    on_path
    echo "✓ Installed aerostack $want"
  fi
fi

# 3. Sign in
signed_in() { [ -n "${AEROSTACK_TOKEN:-}" ] || { type -P aerostack >/dev/null && command aerostack whoami >/dev/null 2>&1; }; }
if ! signed_in; then
  if [ -t 0 ] && [ -t 1 ] && [ -z "$DRY_RUN" ]; then
    aerostack login
  elif [ -n "$DRY_RUN" ]; then
    echo "Would run: aerostack login"
  else
    echo "✗ Not signed in: set AEROSTACK_TOKEN to a token of yours (aerostack token create), or run this in a terminal to sign in" >&2
    exit 4
  fi
fi

# --dry-run: commands that would change something are only shown (connect explains itself).
if [ -n "$DRY_RUN" ]; then
  aerostack() {
    if [ "${1:-} ${2:-}" = "workspace connect" ] && type -P aerostack >/dev/null && signed_in; then
      command aerostack "$@" --dry-run
    else
      echo "Would run: aerostack $*"
    fi
  }
fi

# 4–5. The workspace, and local copies of its skills at its versions (the workspace is not changed)
aerostack workspace use acme-team

aerostack skill install @acme/internal-crm-skill --local
aerostack skill install @acme/deploy-skill --local
aerostack skill install @acme/jira-skill --local
aerostack skill install johndoe/github-skill --local  # public skill

echo "✓ All team skills installed."
echo "Add this to your editor MCP config:"
echo "URL: https://gateway.aerostack.dev/ws/acme-team"

# 6–7. Your own mwt_ token, written into your editor config (kept while the one there still works)
aerostack workspace connect acme-team ${CLIENT:+--client "$CLIENT"}
