#!/usr/bin/env bash
# Builds the stand-in base images the engine tests (tests/verify, `-m engine`) build and run
# Dockerfiles on: machines here have buildah but no registry of images, so `node:22`,
# `python:3.12-slim`, `gcr.io/distroless/nodejs22-debian12`, ... are made locally from
# Debian bookworm packages and tagged with the names Dockerfiles use. Every stand-in carries
# the label io.slimstage.standin (slimstage's verification says "measured on stand-in base
# images" when it finds it), so sizes measured on them are not mistaken for real ones.
#
# Once per machine: when every tag below exists with this script's STANDIN_VERSION, nothing is
# done. One mmdebstrap rootfs (about 20 s), every other image derived from it.
# Needs root, buildah and mmdebstrap (scripts/install-test-deps.sh installs them).
set -euo pipefail
STANDIN_VERSION=5
started=$SECONDS
LABEL=io.slimstage.standin

# name | tags (space separated)
IMAGES=(
  "base|debian:bookworm debian:bookworm-slim debian:12 debian:12-slim"
  "node|node:22 node:22-bookworm node:22-slim node:22-bookworm-slim node:20 node:20-bookworm node:20-slim node:lts node:latest"
  "node-slim|node:slim"
  "distroless-node|gcr.io/distroless/nodejs22-debian12 gcr.io/distroless/nodejs20-debian12"
  "distroless-node-nonroot|gcr.io/distroless/nodejs22-debian12:nonroot gcr.io/distroless/nodejs20-debian12:nonroot"
  "python-slim|python:3.12-slim python:3.12-slim-bookworm python:3.11-slim python:3-slim"
  "python|python:3.12 python:3.12-bookworm python:3.11 python:3"
  "golang|golang:1.27 golang:1.24 golang:1.23 golang:1.22 golang:1.16"
  "distroless-static|gcr.io/distroless/static-debian12 gcr.io/distroless/static-debian12:nonroot gcr.io/distroless/static"
  "distroless-base|gcr.io/distroless/base-debian12 gcr.io/distroless/cc-debian12"
)

have_current() {
  local tag=$1 got
  got=$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$LABEL\"}}" "$tag" 2>/dev/null) || return 1
  [ "$got" = "$STANDIN_VERSION" ]
}

missing=0
for entry in "${IMAGES[@]}"; do
  for tag in ${entry#*|}; do
    have_current "$tag" || missing=1
  done
done
if [ "$missing" = 0 ]; then
  echo "stand-ins: all present (version $STANDIN_VERSION)"
  exit 0
fi

work=$(mktemp -d /tmp/slimstage-standins.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. Debian bookworm minbase, with the machine's CA bundle (npm and pip reach their registries
#    only through it) and the machine's apt sources.
mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$work/rootfs.tar"
echo "stand-ins: rootfs ($((SECONDS - started)) s)"
mkdir -p "$work/ctx/extra-ca" "$work/ctx/empty"
cp /etc/ssl/certs/ca-certificates.crt "$work/ctx/ca-certificates.crt"
cp /usr/local/share/ca-certificates/*.crt "$work/ctx/extra-ca/" 2>/dev/null || true
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$work/ctx/debian.sources"
else
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$work/ctx/debian.sources"
fi
# bookworm-backports, from the same mirror, for the Go stand-in only
mirror=$(awk '/^URIs:/ {print $2; exit}' "$work/ctx/debian.sources")
printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "${mirror:-http://deb.debian.org/debian}" > "$work/ctx/backports.sources"
c=$(buildah from scratch)
buildah add --quiet "$c" "$work/rootfs.tar" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
buildah commit --quiet --format docker "$c" slimstage-standin/rootfs >/dev/null
buildah rm "$c" >/dev/null

bud() {  # bud NAME CONTAINERFILE-TEXT
  local name=$1
  printf '%s\n' "$2" > "$work/ctx/Containerfile.$name"
  buildah bud --quiet --isolation=chroot --format docker --pull=never --layers=false \
    --label "$LABEL=$STANDIN_VERSION" -f "$work/ctx/Containerfile.$name" \
    -t "slimstage-standin/$name" "$work/ctx" >/dev/null
  echo "stand-ins: $name ($((SECONDS - started)) s)"
}

bud base '
FROM slimstage-standin/rootfs
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY extra-ca/ /usr/local/share/ca-certificates/
COPY debian.sources /etc/apt/sources.list.d/debian.sources
RUN rm -f /etc/apt/sources.list && update-ca-certificates >/dev/null 2>&1 || true
ENV LANG=C.UTF-8
CMD ["bash"]'

APT='apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends'
CLEAN='apt-get clean && rm -rf /var/lib/apt/lists/*'
NOSHELL='rm -f /usr/bin/sh /usr/bin/dash /usr/bin/bash /usr/bin/rbash'

bud node "
FROM slimstage-standin/base
RUN $APT nodejs npm >/dev/null && $CLEAN
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD [\"node\"]"

# node:slim as the published image has it: the Node stand-in plus the `node` user (uid 1000)
# that rewrites of `FROM node` images switch to (tests/fixtures/apps/tarot-deck-service).
bud node-slim "
FROM slimstage-standin/node
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home --shell /bin/bash node"

bud distroless-node "
FROM slimstage-standin/base
RUN $APT nodejs >/dev/null && $CLEAN \\
 && mkdir -p /nodejs/bin && ln -s /usr/bin/node /nodejs/bin/node \\
 && echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >> /etc/passwd \\
 && echo 'nonroot:x:65532:' >> /etc/group && mkdir -p /home/nonroot && chown 65532:65532 /home/nonroot \\
 && $NOSHELL
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT [\"/nodejs/bin/node\"]
CMD []"

bud distroless-node-nonroot "
FROM slimstage-standin/distroless-node
USER 65532"

bud python-slim "
FROM slimstage-standin/base
RUN $APT python3 python3-pip python3-venv python-is-python3 >/dev/null && $CLEAN \\
 && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD [\"python3\"]"

bud python "
FROM slimstage-standin/python-slim
RUN $APT python3-dev build-essential >/dev/null && $CLEAN"

# Go 1.23 from bookworm-backports (bookworm's own golang-go is 1.19, older than what go.mod files
# written today ask for: http.ServeMux patterns need 1.22). GOTOOLCHAIN=local: a go.mod asking
# for a newer Go fails at once instead of trying to download a toolchain (proxy.golang.org is not
# reachable from a build here).
bud golang "
FROM slimstage-standin/base
COPY backports.sources /etc/apt/sources.list.d/backports.sources
RUN $APT -t bookworm-backports golang-1.23-go git >/dev/null && $CLEAN \\
 && ln -s /usr/lib/go-1.23/bin/go /usr/local/bin/go && ln -s /usr/lib/go-1.23/bin/gofmt /usr/local/bin/gofmt
ENV GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPATH=/go PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go"

printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$work/ctx/passwd"
printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$work/ctx/group"
bud distroless-static "
FROM scratch
COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --chown=65532:65532 empty/ /home/nonroot/
COPY empty/ /tmp/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"

bud distroless-base "
FROM slimstage-standin/base
RUN echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >> /etc/passwd \\
 && echo 'nonroot:x:65532:' >> /etc/group && mkdir -p /home/nonroot && chown 65532:65532 /home/nonroot \\
 && rm -rf /usr/share/doc /usr/share/man /var/cache/debconf/*-old && $NOSHELL
CMD []"

for entry in "${IMAGES[@]}"; do
  name=${entry%%|*}
  for tag in ${entry#*|}; do
    buildah tag "slimstage-standin/$name" "$tag"
  done
done
buildah rmi slimstage-standin/rootfs >/dev/null 2>&1 || true
echo "stand-ins: done, version $STANDIN_VERSION ($((SECONDS - started)) s)"
