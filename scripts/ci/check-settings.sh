#!/usr/bin/env bash
# Fails a CI job early, naming the setting to add, when a repository variable or secret it needs is missing
# (otherwise the failure surfaces later as an opaque AWS or Pulumi login error). See the README, CI/CD section.
#
# Environment:
#   ROLE_VARIABLE  name of the repository variable that should hold the role ARN (for the message)
#   ROLE_ARN       its value
#   BACKEND_URL    vars.PULUMI_BACKEND_URL: empty selects Pulumi Cloud
#   HAS_TOKEN      "true" when the PULUMI_ACCESS_TOKEN secret is set
set -euo pipefail

fail() {
  echo "::error::$1"
  exit 1
}

role_variable="${ROLE_VARIABLE:-the role variable}"
role_arn="${ROLE_ARN:-}"
backend_url="${BACKEND_URL:-}"
has_token="${HAS_TOKEN:-false}"

if [[ -z "$role_arn" ]]; then
  fail "Repository variable ${role_variable} is not set. Run 'pulumi stack output' for the stack after its first local 'pulumi up' and add the role ARN under Settings > Secrets and variables > Actions > Variables."
fi

if [[ ! "$role_arn" =~ ^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$ ]]; then
  fail "Repository variable ${role_variable} is not an IAM role ARN: '${role_arn}'."
fi

if [[ -z "$backend_url" && "$has_token" != "true" ]]; then
  fail "No Pulumi backend configured: add the secret PULUMI_ACCESS_TOKEN (Pulumi Cloud) or the variable PULUMI_BACKEND_URL (a self-managed backend such as s3://bucket?region=eu-central-1)."
fi

echo "CI settings present: role from ${role_variable}, backend ${backend_url:-Pulumi Cloud}."
