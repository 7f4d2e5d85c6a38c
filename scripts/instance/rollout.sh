#!/usr/bin/env bash
# rollout: brings a new image digest to a RUNNING demo instance without a restart (requirement D8).
#
# Run by `pulumi up` (a @pulumi/command local.Command in components/ec2Demo/index.ts) only when the pushed digest
# changes, after the image SSM parameter already holds the new reference. It runs this stack's rollout document
# (an SSM Command document that can only run `ferry-start --rollout <digest>` on the instance; no shell, no
# AWS-RunShellScript) through SSM Run Command and waits until the app's deploy (pull, replace, health check,
# DNS) has finished. A stopped instance is left stopped: its boot run reads the new reference at the next start.
#
# Runs where `pulumi up` runs and needs the AWS CLI there, with the same credentials.
# Environment: INSTANCE_ID, AWS_REGION, ROLLOUT_DOCUMENT (the document's name) (required); IMAGE_DIGEST
# (sha256:...; empty for an image deployed by tag: nothing to roll out); IMAGE_REF (for messages);
# ROLLOUT_TIMEOUT seconds (default 1800); ROLLOUT_RETRIES (default 12: SSM needs a minute or two to see a
# just-started instance).
# Exit status: 0 rolled out, or nothing to do (instance not running); 1 the run on the instance failed.
set -euo pipefail

: "${INSTANCE_ID:?INSTANCE_ID is required}"
: "${AWS_REGION:?AWS_REGION is required}"
: "${ROLLOUT_DOCUMENT:?ROLLOUT_DOCUMENT is required}"
IMAGE_DIGEST=${IMAGE_DIGEST:-}
IMAGE_REF=${IMAGE_REF:-the new image}
TIMEOUT=${ROLLOUT_TIMEOUT:-1800}
RETRIES=${ROLLOUT_RETRIES:-12}
POLL=5

log() { printf 'ferry rollout: %s\n' "$*" >&2; }

if [[ -z $IMAGE_DIGEST ]]; then
  echo "no image digest (an image deployed by tag): nothing to roll out; the instance runs the tag at its next start"
  exit 0
fi
# The document refuses anything else too (its allowedPattern); checked here for a clear message.
if [[ ! $IMAGE_DIGEST =~ ^sha256:[0-9a-f]{64}$ ]]; then
  log "ERROR: IMAGE_DIGEST '$IMAGE_DIGEST' is not an image digest (sha256:<64 hex>)"
  exit 1
fi

if ! command -v aws >/dev/null 2>&1; then
  log "ERROR: the AWS CLI is needed where 'pulumi up' runs, to re-run the start script on $INSTANCE_ID"
  log "install it, or set ferry:demo.rollout to false and restart the instance to pick up $IMAGE_REF"
  exit 1
fi

# retry <what> <command...>: exponential backoff 2, 4, 8 ... 30 s; the command's stdout is passed through.
retry() {
  local what=$1 attempt=1 delay=2 rc
  shift
  while :; do
    rc=0
    "$@" || rc=$?
    if ((rc == 0)); then return 0; fi
    if ((attempt >= RETRIES)); then
      log "ERROR: $what failed after $attempt attempts"
      return "$rc"
    fi
    log "$what failed (attempt $attempt/$RETRIES); retrying in ${delay}s"
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

state=$(retry "describe-instances" aws ec2 describe-instances --region "$AWS_REGION" \
  --instance-ids "$INSTANCE_ID" --query 'Reservations[0].Instances[0].State.Name' --output text)
case $state in
  running) ;;
  pending)
    echo "instance $INSTANCE_ID is starting; its boot run picks up $IMAGE_REF"
    exit 0
    ;;
  *)
    echo "instance $INSTANCE_ID is $state; the new image is picked up at next start"
    exit 0
    ;;
esac

# The document runs `ferry-start --rollout <digest>` on the instance: it waits while a boot run is still in
# progress, checks that the image parameter names this digest, skips when the container already runs it and is
# healthy (a stack's first deploy: the boot run did it), otherwise restarts ferry-app and shows the journal.
command_id=$(retry "send-command to $INSTANCE_ID" aws ssm send-command --region "$AWS_REGION" \
  --instance-ids "$INSTANCE_ID" --document-name "$ROLLOUT_DOCUMENT" \
  --comment "ferry rollout $IMAGE_DIGEST" --timeout-seconds 600 \
  --parameters "{\"digest\":[\"$IMAGE_DIGEST\"]}" --query Command.CommandId --output text)
log "re-running ferry-app on $INSTANCE_ID for $IMAGE_REF (SSM command $command_id)"

status=Pending
waited=0
while :; do
  # Right after send-command the invocation may not exist yet (InvocationDoesNotExist): keep polling.
  status=$(aws ssm get-command-invocation --region "$AWS_REGION" --command-id "$command_id" \
    --instance-id "$INSTANCE_ID" --query Status --output text 2>/dev/null || echo Pending)
  case $status in
    Success | Failed | Cancelled | TimedOut) break ;;
  esac
  if ((waited >= TIMEOUT)); then
    log "ERROR: still $status after ${TIMEOUT}s"
    break
  fi
  sleep "$POLL"
  waited=$((waited + POLL))
done

output=$(aws ssm get-command-invocation --region "$AWS_REGION" --command-id "$command_id" \
  --instance-id "$INSTANCE_ID" --query '[StandardOutputContent,StandardErrorContent]' --output text 2>/dev/null || true)
if [[ -n $output ]]; then printf '%s\n' "$output"; fi

if [[ $status == Success ]]; then
  echo "instance $INSTANCE_ID now runs $IMAGE_REF"
  exit 0
fi
log "ERROR: the rollout ($ROLLOUT_DOCUMENT) on $INSTANCE_ID ended with status $status (journal above; more with: journalctl -u ferry-app)"
exit 1
