#!/usr/bin/env bash
# ferry-start: (re)deploys this demo instance's app container.
#
# Installed by cloud-init as /usr/local/bin/ferry-start and run by ferry-app.service on EVERY boot (user-data
# alone runs only on the first). Safe to re-run by hand: `sudo systemctl restart ferry-app`, or
# `sudo ferry-start`. Logs: `journalctl -u ferry-app` (this script), `docker logs <container>` (the app),
# `docker logs ferry-proxy` (Caddy, with HTTPS), `journalctl -u ferry-park` (the shutdown path).
#
# First run of a boot only: schedule the maximum-runtime power-off (before anything can fail) and, once the
# network is up, reset the idle alarm to OK.
# Steps: wait for the network -> install/start Docker if missing -> read the image reference (repo@sha256:...)
# from its SSM parameter -> read every secret -> ECR login -> pull -> replace the old container -> wait for the
# health check -> UPSERT the A record with this instance's public IPv4 (IMDSv2) and tag the instance with that
# address (ferry:address, for the parking function) -> with HTTPS, start Caddy
# (ferry-proxy) in front of the app once the record points here, and wait until HTTPS answers.
# Transient failures are retried with exponential backoff. Nothing is torn down until the new image and every
# secret are in hand, so a failed read leaves the previous container running (its restart policy started it
# at boot).
#
# Progress goes to the instance's tag ferry:status ("<stage> <UTC time>"; best effort): starting, pulling,
# health, dns, tls, then ready (exit 0) or failed:<step> (image, secrets, pull, run, health, dns, tls). The
# wake page reads it to show progress and to send visitors on once it says ready.
#
# Exit status: 0  the app is healthy (and the DNS record points here, when DNS is configured; and HTTPS
#                 answers, with HTTPS);
#              1  the app could not be (re)started or never became healthy;
#              3  the app is healthy but the DNS record could not be updated (see the journal);
#              4  the app is healthy but HTTPS does not answer (no certificate yet? `docker logs ferry-proxy`).
#
# `ferry-start --is-current`: true when the container runs the parameter's image and is healthy (is_current).
# `ferry-start --rollout <digest>`: what the stack's rollout SSM document runs (see rollout).
# `ferry-start --stop`: ExecStop of ferry-park.service, at shutdown: stops ferry-proxy, parks the A record on
# $PARK_IP (only while it still points at this instance) and reports "stopped". Best effort, bounded, exit 0.
#
# Rendered by components/ec2Demo/userData.ts (renderStartScript): every @@…@@ placeholder below becomes a shell-quoted stack
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
# HTTPS: "true" runs Caddy in front of the app for $FQDN (Let's Encrypt), "false" publishes the app port itself.
HTTPS=@@HTTPS@@
PROXY_IMAGE=@@PROXY_IMAGE@@
ACME_EMAIL=@@ACME_EMAIL@@
ACME_CA=@@ACME_CA@@
# What the A record holds while the instance is stopped: TEST-NET-1 (RFC 5737), never routed to anyone.
PARK_IP=@@PARK_IP@@
# Hard cap per boot, in minutes: the host powers itself off (= stop) this long after booting. "" = no cap.
MAX_RUNTIME=@@MAX_RUNTIME@@
# The idle-stop alarm, reset to OK at each boot so that the next idle period always fires it. "" = none.
IDLE_ALARM=@@IDLE_ALARM@@
# Caddy's response headers: "true" adds the security headers; HSTS max-age in seconds (0: no HSTS header).
SECURITY_HEADERS=@@SECURITY_HEADERS@@
HSTS_MAX_AGE=@@HSTS_MAX_AGE@@

# --- tunables (environment overrides exist for the tests and for a person debugging) ---
RUN_DIR=${FERRY_RUN_DIR:-/run/ferry}
RETRIES=${FERRY_RETRIES:-6}
RETRY_DELAY=${FERRY_RETRY_DELAY:-2}
RETRY_MAX_DELAY=${FERRY_RETRY_MAX_DELAY:-30}
HEALTH_TIMEOUT=${FERRY_HEALTH_TIMEOUT:-300}
# Caddy's configuration, and its certificates and ACME account: on the root EBS volume, so they survive a
# stop/start and a restart never asks Let's Encrypt again (about 5 duplicate certificates a week, then a wait).
CONF_DIR=${FERRY_CONF_DIR:-/etc/ferry}
DATA_DIR=${FERRY_DATA_DIR:-/var/lib/ferry}
# The A record's TTL: before the first certificate, resolvers that cached the parked or an old address must
# drop it before Let's Encrypt looks the name up.
DNS_SETTLE=${FERRY_DNS_SETTLE:-60}
TLS_TIMEOUT=${FERRY_TLS_TIMEOUT:-180}
# How long a rollout waits for a boot run still in progress (ferry-app "activating") before it gives up.
ROLLOUT_WAIT=${FERRY_ROLLOUT_WAIT:-900}
IMDS=http://169.254.169.254
PROXY=ferry-proxy
# The Docker network the proxy and the app share. A bridge network, not the host's: with the instance's IMDS hop
# limit of 1, no container (Caddy included) can reach the metadata service and so the instance role.
NETWORK=ferry
# Exit status of a step that must not be retried (a missing parameter stays missing).
PERMANENT=100

ENV_FILE=
ERR_FILE=
TOKEN=
VALUE=
# Status reports (the ferry:status tag) go to this instance; empty when IMDS did not say which one it is.
INSTANCE_ID=
# Seconds since boot (the runtime cap counts from boot). "$RUN_DIR/booted" (tmpfs: gone at every boot) marks
# the first run of a boot, which caps the runtime and resets the idle alarm.
UPTIME_FILE=${FERRY_UPTIME_FILE:-/proc/uptime}
# The deploy step under way (empty outside a deploy run), and the first one that failed; see cleanup.
STEP=
FAILED=
MODE=

log() { printf 'ferry-start: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

cleanup() {
  local rc=$?
  # The env file holds secret values: it must not outlive this run, whatever the exit path.
  if [[ -n $ENV_FILE ]]; then rm -f -- "$ENV_FILE"; fi
  # A deploy run reports how it ended, whatever the exit path (die included): ready only with exit 0,
  # otherwise the step that failed first (a health failure stays the cause even if DNS fails after it).
  if [[ -n $STEP ]]; then
    if ((rc == 0)); then set_status ready; else set_status "failed:${FAILED:-$STEP}"; fi
  fi
  if [[ -n $ERR_FILE ]]; then rm -f -- "$ERR_FILE"; fi
  # The shutdown path never fails a shutdown, whatever went wrong in it.
  if [[ $MODE == stop ]]; then exit 0; fi
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

# imds_get <key>: one instance metadata value, with the token imds_token got.
imds_get() { curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/latest/meta-data/$1"; }

# public_ipv4: leaves this instance's current public IPv4 in VALUE. IMDSv2 only (the instance requires tokens).
public_ipv4() {
  imds_token || return 1
  ipv4_from_imds
}

# ipv4_from_imds: public_ipv4 with the token already in hand.
ipv4_from_imds() {
  local rc=0
  VALUE=$(imds_get public-ipv4) || rc=$?
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

# read_instance_id: once, after the network is up. Without it there are no status reports (one log line).
read_instance_id() {
  INSTANCE_ID=$(imds_get instance-id) || INSTANCE_ID=
  if [[ ! $INSTANCE_ID =~ ^i-[0-9a-f]+$ ]]; then
    INSTANCE_ID=
    log "no instance id from instance metadata: progress is not reported in the ferry:status tag"
  fi
}

# put_tag <key> <value>: one tag on this instance (the role may write ferry:status and ferry:address only).
# Best effort: one call, bounded; callers log a failure, which never fails the run. JSON, not the shorthand
# Key=…,Value=…: the shorthand ends a value at its first space.
put_tag() {
  [[ -n $INSTANCE_ID ]] || return 0
  local tags
  tags=$(printf '[{"Key":"%s","Value":"%s"}]' "$1" "$2")
  aws ec2 create-tags --region "$REGION" --resources "$INSTANCE_ID" --tags "$tags" \
    --cli-connect-timeout 5 --cli-read-timeout 10 >/dev/null 2>"$ERR_FILE"
}

# set_status <stage>: the tag ferry:status = "<stage> <UTC time>" on this instance, which the wake page reads.
set_status() {
  put_tag ferry:status "$1 $(date -u +%Y-%m-%dT%H:%M:%SZ)" || log "status $1 not reported: $(tail -n 1 "$ERR_FILE")"
}

# cap_runtime: once per boot, schedules the power-off that ends this run after MAX_RUNTIME minutes of uptime
# (instance-initiated shutdown = stop). systemd holds the schedule on the host: nothing in the app's container
# can cancel it, and keeping the app busy (which defeats the idle alarm) does not delay it. Counted from boot,
# so a later run (a rollout, a manual restart) never pushes it back.
cap_runtime() {
  local up remaining
  if [[ -z $MAX_RUNTIME ]]; then
    log "no maximum runtime (ferry:demo.maxRuntime is off): only the idle alarm stops this instance"
    return 0
  fi
  up=$(cut -d. -f1 "$UPTIME_FILE" 2>/dev/null || echo 0)
  remaining=$((MAX_RUNTIME - up / 60))
  if ((remaining < 1)); then remaining=1; fi
  if shutdown -P "+$remaining" "ferry: the demo's maximum runtime of $MAX_RUNTIME minutes per boot is reached" \
    >/dev/null 2>"$ERR_FILE"; then
    log "maximum runtime: this instance stops in $remaining minutes ($MAX_RUNTIME minutes after boot)"
  else
    log "ERROR: could not schedule the maximum-runtime stop: $(tail -n 1 "$ERR_FILE")"
  fi
}

# reset_idle_alarm: once per boot, sets the idle-stop alarm to OK. An alarm acts only on a change INTO ALARM:
# after a quick restart it may still be in ALARM from the last run and would never fire for this one.
reset_idle_alarm() {
  [[ -n $IDLE_ALARM ]] || return 0
  if retry "resetting the idle alarm $IDLE_ALARM" aws cloudwatch set-alarm-state --region "$REGION" \
    --alarm-name "$IDLE_ALARM" --state-value OK --state-reason "ferry-start: a new boot of the demo instance" \
    --cli-connect-timeout 5 --cli-read-timeout 10; then
    log "idle alarm $IDLE_ALARM reset to OK for this boot"
  else
    log "WARNING: the idle alarm $IDLE_ALARM was not reset; if it is still in ALARM it will not stop this run"
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
  local ports="$PORT" publish="$PORT:$PORT"
  # With HTTPS the app answers on loopback only, to ferry-proxy: the security group has no rule for its port
  # then, and loopback keeps it off the internet even if someone opens one.
  if [[ $HTTPS == true ]]; then
    publish="127.0.0.1:$publish"
    ports="$PORT on 127.0.0.1 (HTTPS through $PROXY)"
  fi
  local args=(run -d --name "$CONTAINER" --restart unless-stopped -p "$publish")
  if [[ $HTTPS == true ]]; then
    # The proxy reaches the app by name on a network of their own (the loopback mapping is for the health check).
    if ! docker network inspect "$NETWORK" >/dev/null 2>&1; then
      docker network create "$NETWORK" >/dev/null || die "cannot create the Docker network $NETWORK"
    fi
    args+=(--network "$NETWORK")
  fi
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

# rr_change <action> <ip>: one change of the A record $FQDN (TTL 60) for a Route 53 change batch.
rr_change() {
  printf '{"Action":"%s","ResourceRecordSet":{"Name":"%s","Type":"A","TTL":60,"ResourceRecords":[{"Value":"%s"}]}}' \
    "$1" "$FQDN" "$2"
}

upsert_record() {
  local batch
  batch="{\"Comment\":\"ferry-start on boot\",\"Changes\":[$(rr_change UPSERT "$1")]}"
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
  # The address the record now holds, for the parking function: when this instance stops in a way that skips
  # ferry-park (a forced stop, a host failure), it parks the record only if it still holds this address.
  put_tag ferry:address "$ip" || log "address tag not written (the parking function then leaves the record): $(tail -n 1 "$ERR_FILE")"
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

# caddyfile: Caddy in front of the app. Caddy redirects port 80 to 443 by itself, answers Let's Encrypt's
# HTTP-01 challenge on 80, and proxies WebSockets (Streamlit needs them). No HTTP/3: the security group opens
# TCP only. No admin API: the container is recreated when this file changes.
caddyfile() {
  printf '{\n\tadmin off\n'
  if [[ -n $ACME_EMAIL ]]; then printf '\temail %s\n' "$ACME_EMAIL"; fi
  if [[ -n $ACME_CA ]]; then printf '\tacme_ca %s\n' "$ACME_CA"; fi
  printf '\tservers {\n\t\tprotocols h1 h2\n\t}\n}\n%s {\n\tencode zstd gzip\n' "$FQDN"
  if [[ $SECURITY_HEADERS == true ]]; then
    # "?" sets a header only when the app did not: the app's own policy wins. HSTS without includeSubDomains
    # or preload: it binds this name only, never the rest of the owner's domain.
    printf '\theader {\n'
    if ((HSTS_MAX_AGE > 0)); then printf '\t\t?Strict-Transport-Security "max-age=%s"\n' "$HSTS_MAX_AGE"; fi
    printf '\t\t?X-Content-Type-Options nosniff\n\t\t?Referrer-Policy strict-origin-when-cross-origin\n'
    printf '\t\t?X-Frame-Options SAMEORIGIN\n\t\t-Server\n\t}\n'
  fi
  printf '\treverse_proxy %s:%s\n}\n' "$CONTAINER" "$PORT"
}

# ensure_proxy: ferry-proxy (Caddy, on the $NETWORK bridge network, publishing 80 and 443) running with the current Caddyfile. Only ever called once
# the A record points at this instance: Let's Encrypt checks the name against the address it resolves to.
# (Called as a condition, where `set -e` does not apply: every step checks its own result.)
ensure_proxy() {
  local file="$CONF_DIR/Caddyfile" sum label have
  if ! install -d -m 0755 "$CONF_DIR" || ! install -d -m 0700 "$DATA_DIR/caddy/data" "$DATA_DIR/caddy/config" ||
    ! caddyfile >"$file" || ! sum=$(sha256sum <"$file"); then
    log "ERROR: cannot write $file or create $DATA_DIR/caddy"
    return 1
  fi
  # The label says what the container runs: a new image or Caddyfile means a new container.
  label="$PROXY_IMAGE ${sum%% *}"
  # Certificates live under data/caddy/certificates/<CA>/<name>/<name>.crt (Caddy lower-cases the name).
  if ! compgen -G "$DATA_DIR/caddy/data/caddy/certificates/*/${FQDN,,}/*.crt" >/dev/null; then
    log "TLS: no certificate for $FQDN yet; waiting ${DNS_SETTLE}s (the record's TTL) so that resolvers which" \
      "cached the parked or an old address drop it before Let's Encrypt looks $FQDN up"
    sleep "$DNS_SETTLE"
  fi
  if ! docker image inspect "$PROXY_IMAGE" >/dev/null 2>&1; then
    retry "docker pull $PROXY_IMAGE" docker pull -q "$PROXY_IMAGE" >/dev/null || {
      log "ERROR: cannot pull $PROXY_IMAGE"
      return 1
    }
  fi
  if have=$(docker inspect -f '{{index .Config.Labels "ferry.proxy"}}' "$PROXY" 2>/dev/null); then
    if [[ $have == "$label" ]]; then
      # Same image, same Caddyfile: keep the container (a no-op when it runs; after a stop it was stopped).
      docker start "$PROXY" >/dev/null || {
        log "ERROR: cannot start $PROXY"
        return 1
      }
      log "TLS: $PROXY runs $PROXY_IMAGE for $FQDN"
      return 0
    fi
    log "TLS: recreating $PROXY (its image or Caddyfile changed)"
    docker rm -f "$PROXY" >/dev/null || {
      log "ERROR: cannot remove $PROXY"
      return 1
    }
  fi
  docker run -d --name "$PROXY" --restart unless-stopped --network "$NETWORK" -p 80:80 -p 443:443 \
    -v "$file:/etc/caddy/Caddyfile:ro" -v "$DATA_DIR/caddy/data:/data" -v "$DATA_DIR/caddy/config:/config" \
    --log-driver journald --label "ferry.proxy=$label" "$PROXY_IMAGE" >/dev/null || {
    log "ERROR: docker run failed for $PROXY ($PROXY_IMAGE)"
    return 1
  }
  log "TLS: started $PROXY from $PROXY_IMAGE for $FQDN"
}

# https_ok: the whole path (Caddy, its certificate, the app) through this host, whatever resolvers still say.
# Let's Encrypt's staging certificates are untrusted by design (-k): a TLS answer is all that is checked then.
https_ok() {
  curl -fsS -o /dev/null --max-time 5 ${ACME_CA:+-k} --resolve "$FQDN:443:127.0.0.1" "https://$FQDN$HEALTH_PATH"
}

wait_https() {
  local waited=0
  until https_ok; do
    if ((waited >= TLS_TIMEOUT)); then
      log "ERROR: https://$FQDN$HEALTH_PATH does not answer after ${TLS_TIMEOUT}s; the app itself is healthy." \
        "No certificate obtained? See \`docker logs $PROXY\`. Let's Encrypt's HTTP-01 challenge needs port 80" \
        "reachable from anywhere (0.0.0.0/0) and $FQDN pointing at this instance. $PROXY keeps trying."
      return 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
  log "TLS: https://$FQDN$HEALTH_PATH answered after ~${waited}s"
}

# park_record: at shutdown, while the A record still holds this instance's address, points it at $PARK_IP.
# One batch, DELETE our address + CREATE the parked one: Route 53 applies a batch atomically and a DELETE must
# match the current value exactly, so when the name already points elsewhere (parked, or a replacement
# instance took it) the batch fails with InvalidChangeBatch and nothing changes. That is the wanted outcome.
park_record() {
  local ip rc=0 batch
  ipv4_from_imds || rc=$?
  if ((rc != 0)); then
    log "stop: no public IPv4 from instance metadata; $FQDN is left as it is"
    return 0
  fi
  ip=$VALUE
  batch="{\"Comment\":\"ferry-start --stop\",\"Changes\":[$(rr_change DELETE "$ip"),$(rr_change CREATE "$PARK_IP")]}"
  if aws route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" --change-batch "$batch" \
    --cli-connect-timeout 5 --cli-read-timeout 10 >/dev/null 2>"$ERR_FILE"; then
    log "stop: DNS: $FQDN A $PARK_IP (parked; it pointed at this instance, $ip)"
  elif grep -q InvalidChangeBatch "$ERR_FILE"; then
    log "stop: DNS: $FQDN left as it is: the record points elsewhere (already parked, or another instance took the name), not at $ip"
  else
    log "stop: DNS: could not park $FQDN: $(tail -n 1 "$ERR_FILE")"
  fi
}

# stop_instance (`ferry-start --stop`, ExecStop of ferry-park.service at shutdown): never blocks or fails a
# shutdown. Every step is tried once and bounded, takes no lock (a hung boot run may hold it) and the exit
# status is always 0 (see cleanup).
stop_instance() {
  export AWS_MAX_ATTEMPTS=1
  # Stopped, so that Docker's restart policy does not bring it back at the next boot before the record points at
  # the new address; the boot run starts it again after the DNS update.
  if command -v docker >/dev/null 2>&1 && timeout 10 docker container inspect "$PROXY" >/dev/null 2>&1; then
    if timeout 30 docker stop "$PROXY" >/dev/null 2>"$ERR_FILE"; then
      log "stop: stopped $PROXY"
    else
      log "stop: could not stop $PROXY: $(tail -n 1 "$ERR_FILE")"
    fi
  else
    log "stop: no $PROXY container"
  fi
  if ! imds_token; then
    log "stop: instance metadata unreachable; DNS left as it is, no status reported"
    return 0
  fi
  read_instance_id
  if [[ -n $ZONE_ID ]]; then park_record; fi
  set_status stopped
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

# rollout <digest> (`ferry-start --rollout sha256:…`): the only command of the stack's rollout SSM document,
# run by the SSM agent as root when `pulumi up` pushes a new digest. Waits while a boot run is still in progress
# (a restart would kill it half-way), refuses when the image parameter does not name this digest (the
# parameter is updated before the rollout is sent; a mismatch means an older or newer deploy raced this one),
# does nothing when the container already runs it and is healthy, else restarts ferry-app, which blocks until
# its run has finished, and shows the end of its journal either way.
rollout() {
  local want=$1 waited=0 journal_lines=20 rc=0
  if [[ ! $want =~ ^sha256:[0-9a-f]{64}$ ]]; then die "rollout: '$want' is not an image digest"; fi
  while [[ $(systemctl is-active ferry-app 2>/dev/null || true) == activating ]]; do
    if ((waited >= ROLLOUT_WAIT)); then die "rollout: ferry-app is still starting after ${ROLLOUT_WAIT}s"; fi
    sleep 5
    waited=$((waited + 5))
  done
  read_image_ref
  if [[ $IMAGE_REF != *"@$want" ]]; then
    die "rollout: the image parameter $IMAGE_PARAM names $IMAGE_REF, not $want (another deploy in between?)"
  fi
  if is_current; then return 0; fi
  systemctl restart ferry-app || rc=$?
  if ((rc != 0)); then journal_lines=80; fi
  journalctl -u ferry-app -n "$journal_lines" --no-pager -o cat || true
  return "$rc"
}

main() {
  local status=0 dns=ok tls=ok
  # Set first: from here on the shutdown path exits 0 whatever fails (see cleanup).
  if [[ ${1:-} == --stop ]]; then MODE=stop; fi
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
    --rollout)
      if rollout "${2:-}"; then exit 0; else exit 1; fi
      ;;
    --stop)
      stop_instance
      exit 0
      ;;
    *) die "usage: ferry-start [--is-current | --rollout <digest> | --stop]" ;;
  esac
  # One run at a time: the boot run, a manual run and a rollout from `pulumi up` may overlap.
  exec 9>"$RUN_DIR/lock"
  flock -w 900 9 || die "another ferry-start run still holds $RUN_DIR/lock"

  log "starting $CONTAINER (region $REGION)"
  local first_run=false
  if [[ ! -e $RUN_DIR/booted ]]; then
    first_run=true
    touch "$RUN_DIR/booted"
    # First, before anything that can fail: every boot ends, whatever happens to the deploy.
    cap_runtime
  fi
  retry "waiting for the network (instance metadata)" imds_token || die "no network: instance metadata unreachable"
  read_instance_id
  if [[ $first_run == true ]]; then reset_idle_alarm; fi
  # From here on every exit reports ready or failed:<step> (cleanup). Docker is there to pull the image: a
  # failure to install or start it reports failed:pull.
  STEP=pull
  set_status starting
  ensure_docker
  set_status pulling
  STEP=image
  read_image_ref
  STEP=secrets
  write_env_file
  STEP=pull
  pull_image
  STEP=run
  replace_container
  STEP=health
  set_status health
  if ! wait_healthy; then
    status=1
    FAILED=health
  fi

  if [[ -n $ZONE_ID ]]; then
    STEP=dns
    set_status dns
    # A DNS failure must not take the app down: it keeps running and answers on its public IP.
    if ! update_dns; then
      log "WARNING: DNS record $FQDN was NOT updated; the app still runs on this instance's public IP"
      dns=failed
      if ((status == 0)); then status=3; fi
      : "${FAILED:=dns}"
    fi
  fi

  if [[ $HTTPS == true && $dns == failed ]]; then
    # Let's Encrypt would check the name against whatever address it still points at.
    log "WARNING: $PROXY NOT started: $FQDN does not point at this instance; HTTPS waits for a run whose DNS" \
      "update succeeds (sudo systemctl restart ferry-app)"
  elif [[ $HTTPS == true ]]; then
    STEP=tls
    set_status tls
    # Started even when the app is unhealthy (the record points here either way, and the site works as soon as
    # the app does), but HTTPS is only waited for with a healthy app.
    if ! ensure_proxy; then
      tls=failed
    elif ((status == 0)) && ! wait_https; then
      tls=failed
    fi
    if [[ $tls == failed ]]; then
      if ((status == 0)); then status=4; fi
      : "${FAILED:=tls}"
    fi
  fi

  if ((status != 1)); then
    # Only once the new container is healthy: drop images no container uses (keeps the root volume small).
    # The proxy image stays: ferry-proxy uses it (even while stopped).
    docker image prune -af >/dev/null 2>&1 || log "image prune failed (ignored)"
    log "done: $CONTAINER is healthy"
  fi
  exit "$status"
}

main "$@"
