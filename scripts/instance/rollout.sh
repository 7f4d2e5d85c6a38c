#!/usr/bin/env bash
# rollout: brings a new image digest to a RUNNING demo instance without a restart (requirement D8).
#
# Run by `pulumi up` (a @pulumi/command local.Command in components/ec2Demo/index.ts) only when the pushed digest
# changes, after the image SSM parameter already holds the new reference. It re-runs ferry-app on the instance
# through SSM Run Command and waits until the unit (pull, replace, health check, DNS) has finished.
# A stopped instance is left stopped: its boot run reads the new reference at the next start.
#
# Runs where `pulumi up` runs and needs the AWS CLI there, with the same credentials.
# Environment: INSTANCE_ID, AWS_REGION (required); IMAGE_REF (for messages); ROLLOUT_TIMEOUT seconds
# (default 1800); ROLLOUT_RETRIES (default 12: SSM needs a minute or two to see a just-started instance).
# Exit status: 0 rolled out, or nothing to do (instance not running); 1 the run on the instance failed.
set -euo pipefail

: "${INSTANCE_ID:?INSTANCE_ID is required}"
: "${AWS_REGION:?AWS_REGION is required}"
IMAGE_REF=${IMAGE_REF:-the new image}
TIMEOUT=${ROLLOUT_TIMEOUT:-1800}
RETRIES=${ROLLOUT_RETRIES:-12}
POLL=5

log() { printf 'ferry rollout: %s\n' "$*" >&2; }

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

# The remote script: wait while a boot run is still in progress (a restart would kill it half-way); skip when
# the container already runs the wanted image and is healthy (a stack's first deploy: the boot run did it);
# otherwise restart the unit, which blocks until ferry-start has finished, and show the journal either way.
# Written without quotes or backslashes so that it is valid JSON as it stands; $(...) expands on the instance.
# shellcheck disable=SC2016
params='{"executionTimeout":["1800"],"commands":[
"for i in $(seq 1 180); do systemctl is-active ferry-app | grep -qx activating || break; sleep 5; done",
"if /usr/local/bin/ferry-start --is-current; then exit 0; fi",
"if systemctl restart ferry-app; then journalctl -u ferry-app -n 20 --no-pager -o cat; else journalctl -u ferry-app -n 80 --no-pager -o cat; exit 1; fi"
]}'

command_id=$(retry "send-command to $INSTANCE_ID" aws ssm send-command --region "$AWS_REGION" \
  --instance-ids "$INSTANCE_ID" --document-name AWS-RunShellScript \
  --comment "ferry rollout ${IMAGE_REF##*@}" --timeout-seconds 600 \
  --parameters "$params" --query Command.CommandId --output text)
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
log "ERROR: the start script on $INSTANCE_ID ended with status $status (journal above; more with: journalctl -u ferry-app)"
exit 1
