#!/usr/bin/env bash
# Fails a CI job early, naming the setting to add, when a repository variable it needs is missing (otherwise
# the failure surfaces later as an opaque AWS or Pulumi login error). See docs/ci-cd.md, "Set up CI".
#
# Environment:
#   ROLE_VARIABLE        name of the repository variable that should hold the role ARN (for the message)
#   ROLE_ARN             its value
#   BACKEND_URL          vars.PULUMI_BACKEND_URL: empty selects Pulumi Cloud (with an OIDC token exchange)
#   PULUMI_ORGANIZATION  vars.PULUMI_ORGANIZATION: the Pulumi Cloud organization that issues the token
#   TEAM_VARIABLE        name of the variable that names the Pulumi Cloud team the job's token is for
#   PULUMI_TEAM          its value
set -euo pipefail

fail() {
  echo "::error::$1"
  exit 1
}

role_variable="${ROLE_VARIABLE:-the role variable}"
role_arn="${ROLE_ARN:-}"
backend_url="${BACKEND_URL:-}"
organization="${PULUMI_ORGANIZATION:-}"
team_variable="${TEAM_VARIABLE:-the team variable}"
team="${PULUMI_TEAM:-}"

if [[ -z "$role_arn" ]]; then
  fail "Repository variable ${role_variable} is not set. Run 'pulumi stack output' for the stack after its first local 'pulumi up' and add the role ARN under Settings > Secrets and variables > Actions > Variables."
fi

if [[ ! "$role_arn" =~ ^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$ ]]; then
  fail "Repository variable ${role_variable} is not an IAM role ARN: '${role_arn}'."
fi

if [[ -z "$backend_url" ]]; then
  if [[ -z "$organization" ]]; then
    fail "No Pulumi backend configured: set the variable PULUMI_ORGANIZATION (Pulumi Cloud, tokens from GitHub's OIDC token) or PULUMI_BACKEND_URL (a self-managed backend such as s3://bucket?region=eu-central-1)."
  fi
  if [[ ! "$team" =~ ^[A-Za-z0-9._-]+$ ]]; then
    fail "Repository variable ${team_variable} is not set (or not a team name): the Pulumi Cloud team whose short-lived token this job gets."
  fi
fi

echo "CI settings present: role from ${role_variable}, backend ${backend_url:-Pulumi Cloud organization ${organization}, team ${team}}."
