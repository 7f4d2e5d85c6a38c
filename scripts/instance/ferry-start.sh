#!/usr/bin/env bash
# ferry-start: (re)deploys this demo instance's app container.
#
# Installed by cloud-init as /usr/local/bin/ferry-start and run by ferry-app.service on EVERY boot (user-data
# alone runs only on the first). Safe to re-run by hand: `sudo systemctl restart ferry-app`, or
# `sudo ferry-start`. Logs: `journalctl -u ferry-app` (this script), `docker logs <container>` (the app).
#
# Steps: wait for the network -> install/start Docker if missing -> read the image reference (repo@sha256:...)
# from its SSM parameter -> read every secret -> ECR login -> pull -> replace the old container -> wait for the
# health check -> UPSERT the A record with this instance's public IPv4 (IMDSv2).
# Transient failures are retried with exponential backoff. Nothing is torn down until the new image and every
# secret are in hand, so a failed read leaves the previous container running (its restart policy started it
# at boot).
#
# Exit status: 0  the app is healthy (and the DNS record points here, when DNS is configured);
#              1  the app could not be (re)started or never became healthy;
#              3  the app is healthy but the DNS record could not be updated (see the journal).
#
# Rendered by components/ec2Demo.ts (renderStartScript): every @@…@@ placeholder below becomes a shell-quoted stack
# value. No secret is in this file: secret values are read from SSM / Secrets Manager at run time, go to a
# mode-0600 env file on tmpfs that is removed right after `docker run`, and are never printed.
# Functions run through `retry` and `trap` look unreachable to shellcheck (SC2317); they are not.
# shellcheck disable=SC2317
set -euo pipefail

# --- stack values (rendered; constant across image builds) ---
REGION=@@REGION@@
CONTAINER=@@CONTAINER@@
PORT=@@PORT@@
OPEN_HTTP=@@OPEN_HTTP@@
# shellcheck disable=SC2016 # rendered values are literal text: a "$" in them is never expanded
HEALTH_PATH=@@HEALTH_PATH@@
IMAGE_PARAM=@@IMAGE_PARAM@@
ZONE_ID=@@ZONE_ID@@
FQDN=@@FQDN@@
# Plain environment: NAME=value.
# shellcheck disable=SC2016 # as above
ENV_VARS=(@@ENV_VARS@@)
# Secrets: NAME=ssm:<parameter name> or NAME=secretsmanager:<secret ARN>.
SECRETS=(@@SECRETS@@)

# --- tunables (environment overrides exist for the tests and for a person debugging) ---
RUN_DIR=${FERRY_RUN_DIR:-/run/ferry}
RETRIES=${FERRY_RETRIES:-6}
RETRY_DELAY=${FERRY_RETRY_DELAY:-2}
RETRY_MAX_DELAY=${FERRY_RETRY_MAX_DELAY:-30}
HEALTH_TIMEOUT=${FERRY_HEALTH_TIMEOUT:-300}
IMDS=http://169.254.169.254
# Exit status of a step that must not be retried (a missing parameter stays missing).
PERMANENT=100

ENV_FILE=
ERR_FILE=
TOKEN=
VALUE=

log() { printf 'ferry-start: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

cleanup() {
  # The env file holds secret values: it must not outlive this run, whatever the exit path.
  if [[ -n $ENV_FILE ]]; then rm -f -- "$ENV_FILE"; fi
  if [[ -n $ERR_FILE ]]; then rm -f -- "$ERR_FILE"; fi
}
trap cleanup EXIT

# retry <what> <command...>: runs the command until it succeeds, sleeping 2, 4, 8 ... (capped) seconds
# between attempts. Stops early when the command returns $PERMANENT.
retry() {
  local what=$1 attempt=1 delay=$RETRY_DELAY rc
  shift
  while :; do
    rc=0
    "$@" || rc=$?
    if ((rc == 0)); then return 0; fi
    if ((rc == PERMANENT)); then
      log "ERROR: $what failed permanently"
      return "$rc"
    fi
    if ((attempt >= RETRIES)); then
      log "ERROR: $what failed after $attempt attempts (exit $rc)"
      return "$rc"
    fi
    log "$what failed (exit $rc), attempt $attempt/$RETRIES; retrying in ${delay}s"
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > RETRY_MAX_DELAY ? RETRY_MAX_DELAY : delay * 2))
  done
}

# aws_value <aws args...>: runs one AWS CLI read, leaving the result in VALUE (never printed: it may be a
# secret). Returns $PERMANENT when the thing read does not exist, 1 on anything that may be transient
# (throttling, no network yet, IAM changes still propagating).
aws_value() {
  local rc=0
  VALUE=$(aws "$@" 2>"$ERR_FILE") || rc=$?
  if ((rc == 0)); then return 0; fi
  VALUE=
  # AWS error messages name the parameter/secret, never its value.
  log "aws $1 $2: $(tail -n 1 "$ERR_FILE")"
  if grep -qE 'ParameterNotFound|ResourceNotFoundException|ParameterVersionNotFound' "$ERR_FILE"; then
    return "$PERMANENT"
  fi
  return 1
}

imds_token() {
  TOKEN=$(curl -fsS --max-time 5 -X PUT "$IMDS/latest/api/token" \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
}

# public_ipv4: leaves this instance's current public IPv4 in VALUE. IMDSv2 only (the instance requires tokens).
public_ipv4() {
  imds_token || return 1
  local rc=0
  VALUE=$(curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $TOKEN" \
    "$IMDS/latest/meta-data/public-ipv4") || rc=$?
  if ((rc == 22)); then
    # HTTP 404: the instance has no public IPv4 at all; asking again will not give it one.
    log "the instance metadata has no public-ipv4 (launched in a subnet without public IPs?)"
    return "$PERMANENT"
  fi
  if ((rc != 0)); then return 1; fi
  if [[ ! $VALUE =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
    log "unexpected public-ipv4 from instance metadata: '$VALUE'"
    return 1
  fi
}

apt_install_docker() {
  DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
}

ensure_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    log "Docker is not installed; installing it"
    if command -v dnf >/dev/null 2>&1; then
      retry "dnf install docker" dnf install -y -q docker || die "could not install Docker"
    elif command -v apt-get >/dev/null 2>&1; then
      retry "apt-get install docker.io" apt_install_docker || die "could not install Docker"
    else
      die "Docker is missing and neither dnf nor apt-get is available to install it"
    fi
  fi
  # Enabled so that on later boots the daemon itself restarts the last container (--restart unless-stopped)
  # before this script replaces it.
  systemctl enable --now docker.service >/dev/null 2>&1 || log "could not enable/start docker.service"
  retry "Docker daemon" docker info >/dev/null || die "the Docker daemon is not answering"
}

# read_image_ref: the image to run is an SSM String parameter the program updates on every new build; reading
# it here (not baking it into user-data) is what lets a new digest roll out without touching the instance.
read_image_ref() {
  retry "reading image reference $IMAGE_PARAM" aws_value ssm get-parameter --region "$REGION" \
    --name "$IMAGE_PARAM" --query Parameter.Value --output text ||
    die "cannot read the image reference from SSM parameter $IMAGE_PARAM; the running container (if any) is left as it is"
  IMAGE_REF=$VALUE
  if [[ ! $IMAGE_REF =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(@sha256:[0-9a-f]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]*)$ ]]; then
    die "SSM parameter $IMAGE_PARAM holds '$IMAGE_REF', which is not an image reference"
  fi
  log "image: $IMAGE_REF"
}

# write_env_file: plain env and every secret into a fresh mode-0600 file on tmpfs. Any missing or empty secret
# stops the run here, before the old container is touched: the app never starts with an empty key.
write_env_file() {
  local item name rest kind ref value
  ENV_FILE=$(umask 077 && mktemp "$RUN_DIR/env.XXXXXX")
  for item in ${ENV_VARS[@]+"${ENV_VARS[@]}"}; do
    printf '%s\n' "$item" >>"$ENV_FILE"
  done
  for item in ${SECRETS[@]+"${SECRETS[@]}"}; do
    name=${item%%=*}
    rest=${item#*=}
    kind=${rest%%:*}
    ref=${rest#*:}
    case $kind in
      ssm)
        retry "reading $name from SSM parameter $ref" aws_value ssm get-parameter --region "$REGION" \
          --name "$ref" --with-decryption --query Parameter.Value --output text ||
          die "secret $name: SSM parameter $ref could not be read; the container is NOT started without it"
        ;;
      secretsmanager)
        retry "reading $name from Secrets Manager" aws_value secretsmanager get-secret-value \
          --region "$REGION" --secret-id "$ref" --query SecretString --output text ||
          die "secret $name: Secrets Manager secret $ref could not be read; the container is NOT started without it"
        ;;
      *) die "secret $name: unknown source kind '$kind'" ;;
    esac
    value=$VALUE
    VALUE=
    if [[ -z $value || $value == None ]]; then
      die "secret $name: $ref is empty; the container is NOT started with an empty $name"
    fi
    if [[ $value == *$'\n'* ]]; then
      die "secret $name: $ref holds several lines, which an env file cannot carry"
    fi
    printf '%s=%s\n' "$name" "$value" >>"$ENV_FILE"
    log "secret $name: read from $kind"
  done
}

ecr_login() {
  aws ecr get-login-password --region "$ECR_REGION" |
    docker login --username AWS --password-stdin "$REGISTRY" >/dev/null
}

pull_image() {
  REGISTRY=${IMAGE_REF%%/*}
  if [[ $REGISTRY =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$ ]]; then
    ECR_REGION=${BASH_REMATCH[1]}
    retry "ECR login to $REGISTRY" ecr_login || die "cannot log in to $REGISTRY"
  fi
  retry "docker pull" docker pull -q "$IMAGE_REF" >/dev/null || die "cannot pull $IMAGE_REF"
}

replace_container() {
  if docker container inspect "$CONTAINER" >/dev/null 2>&1; then
    log "removing the previous container $CONTAINER"
    docker rm -f "$CONTAINER" >/dev/null || die "cannot remove the previous container $CONTAINER"
  fi
  local ports="$PORT"
  local args=(run -d --name "$CONTAINER" --restart unless-stopped -p "$PORT:$PORT")
  if [[ $OPEN_HTTP == true ]]; then
    args+=(-p "80:$PORT")
    ports="$PORT and 80"
  fi
  # journald keeps the app's logs bounded (json-file grows without limit); `docker logs` still reads them.
  args+=(--env-file "$ENV_FILE" --log-driver journald --label "ferry.image=$IMAGE_REF" "$IMAGE_REF")
  docker "${args[@]}" >/dev/null || die "docker run failed for $IMAGE_REF"
  # Docker keeps the environment in the container's own config (root-only); the file is no longer needed.
  rm -f -- "$ENV_FILE"
  ENV_FILE=
  log "started $CONTAINER from $IMAGE_REF on port $ports"
}

health_ok() { curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$PORT$HEALTH_PATH"; }

wait_healthy() {
  local waited=0
  until health_ok; do
    if ((waited >= HEALTH_TIMEOUT)); then
      log "ERROR: no healthy answer on http://127.0.0.1:$PORT$HEALTH_PATH after ${HEALTH_TIMEOUT}s" \
        "(container: $(docker inspect -f '{{.State.Status}}, {{.RestartCount}} restarts' "$CONTAINER" 2>/dev/null || echo missing))"
      return 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
  log "healthy: http://127.0.0.1:$PORT$HEALTH_PATH answered after ~${waited}s"
}

upsert_record() {
  local ip=$1 batch
  batch=$(printf '{"Comment":"ferry-start on boot","Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"%s","Type":"A","TTL":60,"ResourceRecords":[{"Value":"%s"}]}}]}' "$FQDN" "$ip")
  aws_value route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" --change-batch "$batch" \
    --query ChangeInfo.Id --output text
}

# update_dns: points FQDN at this instance's current public IPv4 (it changes on every stop/start; no Elastic
# IP is kept because a reserved address is billed while the instance is stopped).
update_dns() {
  local ip change status tries=0
  retry "reading the public IPv4 from instance metadata" public_ipv4 || return 1
  ip=$VALUE
  retry "Route 53 UPSERT $FQDN A $ip" upsert_record "$ip" || return 1
  change=$VALUE
  log "DNS: $FQDN A $ip (TTL 60) submitted as $change"
  # Waiting for INSYNC is a courtesy for the log; the record is already accepted.
  while ((tries < 12)); do
    status=
    if aws_value route53 get-change --id "$change" --query ChangeInfo.Status --output text; then status=$VALUE; fi
    if [[ $status == INSYNC ]]; then
      log "DNS: $FQDN is in sync on all Route 53 servers"
      return 0
    fi
    sleep 5
    tries=$((tries + 1))
  done
  log "DNS: change $change not yet INSYNC; it will be shortly"
}

# is_current: for the rollout (`ferry-start --is-current`): true when the container already runs the image the
# parameter names and answers its health check, e.g. on a stack's first deploy, where the boot run has done it.
is_current() {
  local have
  read_image_ref
  have=$(docker inspect -f '{{index .Config.Labels "ferry.image"}}' "$CONTAINER" 2>/dev/null || true)
  if [[ $have == "$IMAGE_REF" ]] && health_ok; then
    log "$CONTAINER already runs $IMAGE_REF and is healthy"
    return 0
  fi
  log "$CONTAINER runs ${have:-no ferry image}; the parameter names $IMAGE_REF"
  return 1
}

main() {
  local status=0
  if [[ ${FERRY_ALLOW_NON_ROOT:-0} != 1 && $EUID -ne 0 ]]; then
    die "run as root: sudo systemctl restart ferry-app"
  fi
  install -d -m 0700 "$RUN_DIR"
  ERR_FILE=$(mktemp "$RUN_DIR/aws-err.XXXXXX")
  case ${1:-} in
    "") ;;
    --is-current)
      if is_current; then exit 0; else exit 1; fi
      ;;
    *) die "usage: ferry-start [--is-current]" ;;
  esac
  # One run at a time: the boot run, a manual run and a rollout from `pulumi up` may overlap.
  exec 9>"$RUN_DIR/lock"
  flock -w 900 9 || die "another ferry-start run still holds $RUN_DIR/lock"

  log "starting $CONTAINER (region $REGION)"
  retry "waiting for the network (instance metadata)" imds_token || die "no network: instance metadata unreachable"
  ensure_docker
  read_image_ref
  write_env_file
  pull_image
  replace_container
  if ! wait_healthy; then status=1; fi

  if [[ -n $ZONE_ID ]]; then
    # A DNS failure must not take the app down: it keeps running and answers on its public IP.
    if ! update_dns; then
      log "WARNING: DNS record $FQDN was NOT updated; the app still runs on this instance's public IP"
      if ((status == 0)); then status=3; fi
    fi
  fi

  if ((status != 1)); then
    # Only once the new container is healthy: drop images no container uses (keeps the root volume small).
    docker image prune -af >/dev/null 2>&1 || log "image prune failed (ignored)"
    log "done: $CONTAINER is healthy"
  fi
  exit "$status"
}

main "$@"
