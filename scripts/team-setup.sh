#!/bin/bash
# team-setup.sh — run this when a new dev joins
#
# Non-interactive and safe to re-run. Signs in with AEROSTACK_TOKEN when it is set (CI, a fresh
# machine), otherwise with the saved `aerostack login`; AEROSTACK_REGISTRY picks the registry.
set -euo pipefail

command -v aerostack >/dev/null || { echo "✗ aerostack CLI not found on PATH" >&2; exit 127; }

aerostack workspace use acme-team

aerostack skill install @acme/internal-crm-skill
aerostack skill install @acme/deploy-skill
aerostack skill install @acme/jira-skill
aerostack skill install johndoe/github-skill  # public skill

echo "✓ All team skills installed."
echo "Add this to your editor MCP config:"
echo "URL: https://gateway.aerostack.dev/ws/acme-team"
