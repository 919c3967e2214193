#!/usr/bin/env bash
# Builds the Docker image from the Dockerfile with buildah on local base images (no registry needed) and checks
# it in a running container with podman: HEALTHCHECK kept, /healthz, the docker-run HEALTHCHECK itself, /demo
# off in production and on with DEMO_TENANT=on, `tenant create` (and `npm run tenant`) on the data volume, the
# server reading that tenant, and a clean SIGTERM stop. Run as root on Debian; CI does not need it.
#
#   apt-get install -y debootstrap buildah podman runc
#   scripts/container/verify.sh            (IMAGE=… names the image, default localhost/image-chat:local)
#
# What this machine lacks and how the script copes (docs/operating.md#docker): no registry, so the bases are
# built by build-local-base.sh; no Docker engine, so buildah builds and podman runs; crun refuses this
# machine's hybrid cgroups, so podman runs with runc; the host's rlimits cannot be raised, so --ulimit stays
# at or below them; no container network, so containers share the host's (--network host, PORT chosen free).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${IMAGE:-localhost/image-chat:local}
STORAGE=${BUILDAH_STORAGE:-vfs}
NAME=image-chat-verify-$$
VOLUME=image-chat-verify-data-$$
PODMAN=(podman --storage-driver "$STORAGE" --runtime runc --cgroup-manager cgroupfs)
RUN_OPTS=(--network host --ulimit nofile=20000:20000 --ulimit nproc=20000:20000 -v "$VOLUME:/app/data")

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
status_of() { curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$1"; }
expect_status() {
  local got
  got=$(status_of "$1")
  [ "${got%% *}" = "$2" ] || fail "$1: expected $2, got $got"
  echo "ok   $1 → $got"
}
cleanup() {
  "${PODMAN[@]}" rm -f -t 0 "$NAME" "$NAME-demo" >/dev/null 2>&1 || true
  "${PODMAN[@]}" volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "base images (localhost/image-chat-base:build and :slim)"
if buildah --storage-driver "$STORAGE" inspect localhost/image-chat-base:build >/dev/null 2>&1 \
  && buildah --storage-driver "$STORAGE" inspect localhost/image-chat-base:slim >/dev/null 2>&1; then
  echo "present (delete them with buildah rmi to rebuild)"
else
  scripts/container/build-local-base.sh
fi

step "buildah bud → $IMAGE"
buildah --storage-driver "$STORAGE" bud --isolation chroot --pull-never --format docker \
  --build-arg NODE_IMAGE=localhost/image-chat-base:build --build-arg NODE_SLIM_IMAGE=localhost/image-chat-base:slim \
  -t "$IMAGE" . | grep -E '^\[|versioned bundles|built in|Successfully tagged' || true
buildah --storage-driver "$STORAGE" inspect "$IMAGE" >/dev/null || fail "the build made no image"

step "the image's config keeps HEALTHCHECK (docker format)"
buildah --storage-driver "$STORAGE" inspect "$IMAGE" | node -e '
  const c = JSON.parse(require("fs").readFileSync(0, "utf8")).Docker.config;
  console.log("Healthcheck:", JSON.stringify(c.Healthcheck));
  console.log("Cmd:", JSON.stringify(c.Cmd), "User:", c.User, "Env:", c.Env.filter((e) => e.startsWith("NODE_ENV")).join());
  if (!c.Healthcheck || !/\/healthz/.test(c.Healthcheck.Test.join(" "))) process.exit(1);'

step "tenant create on the data volume (docker run … image-chat tenant create …)"
"${PODMAN[@]}" volume create "$VOLUME" >/dev/null
created=$("${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "$IMAGE" tenant create --name "Verify Shop" --origin https://shop.example --json)
echo "$created"
tenant=$(node -p 'JSON.parse(process.argv[1]).tenantId' "$created")
secret=$(node -p 'JSON.parse(process.argv[1]).secret' "$created")
"${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "$IMAGE" npm run -s tenant -- list --json | grep -q "\"$tenant\"" \
  || fail "npm run tenant -- list does not show $tenant"
echo "ok   npm run -s tenant -- list --json shows $tenant"

step "the server (production: no demo tenant)"
port=$(free_port)
"${PODMAN[@]}" run -d --name "$NAME" "${RUN_OPTS[@]}" -e PORT="$port" "$IMAGE" >/dev/null 2>&1
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
expect_status "http://127.0.0.1:$port/healthz" 200
"${PODMAN[@]}" healthcheck run "$NAME" >/dev/null 2>&1 || fail "the image's HEALTHCHECK command failed"
echo "ok   HEALTHCHECK command (podman healthcheck run) exits 0"
expect_status "http://127.0.0.1:$port/readyz" 200
expect_status "http://127.0.0.1:$port/demo" 404
expect_status "http://127.0.0.1:$port/demo/classic.html" 404
expect_status "http://127.0.0.1:$port/" 302
expect_status "http://127.0.0.1:$port/dashboard" 200
expect_status "http://127.0.0.1:$port/dashboard/dashboard.js" 200
expect_status "http://127.0.0.1:$port/widget.js" 200
usage=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $secret" "http://127.0.0.1:$port/api/v1/tenants/$tenant/usage")
[ "$usage" = 200 ] || fail "the server does not know the tenant the CLI made: usage answered $usage"
echo "ok   GET /api/v1/tenants/$tenant/usage with its secret → 200 (the server reads the CLI's tenant)"
"${PODMAN[@]}" stop -t 10 "$NAME" >/dev/null 2>&1
code=$("${PODMAN[@]}" inspect "$NAME" --format '{{.State.ExitCode}}')
[ "$code" = 0 ] || fail "SIGTERM: exit code $code"
echo "ok   podman stop (SIGTERM) → exit 0"

step "the server with DEMO_TENANT=on"
port=$(free_port)
"${PODMAN[@]}" run -d --name "$NAME-demo" "${RUN_OPTS[@]}" -e PORT="$port" -e DEMO_TENANT=on "$IMAGE" >/dev/null 2>&1
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
expect_status "http://127.0.0.1:$port/demo" 200
expect_status "http://127.0.0.1:$port/" 302

step "all checks passed"
