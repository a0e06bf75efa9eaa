# syntax=docker/dockerfile:1

# deps: production dependencies only, installed from the manifests, so this layer is
# rebuilt only when package.json or the lockfile change (node:22-bookworm matches the
# runtime's libc).
FROM node:22-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

# builder: every dependency, dev ones included, and the build; nothing here ships except
# the build output.
FROM node:22 AS builder
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build

# scan: fails on HIGH or CRITICAL vulnerabilities in what ships and in the runtime
# image; the runtime stage takes its empty marker file, so every build runs it
FROM aquasec/trivy:0.58.1 AS scan
RUN --mount=type=bind,from=deps,source=/app/node_modules,target=/scan/app/0 \
    --mount=type=bind,from=gcr.io/distroless/nodejs22-debian12,target=/scan/runtime \
    --mount=type=cache,target=/root/.cache/trivy \
    trivy rootfs --exit-code 1 --severity HIGH,CRITICAL --no-progress /scan && touch /scan.ok

# runtime: only what runs: gcr.io/distroless/nodejs22-debian12 with node_modules and the
# app; no compilers, package-manager caches or dev dependencies.
FROM gcr.io/distroless/nodejs22-debian12 AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=scan /scan.ok /.scan.ok
COPY --from=deps /app/node_modules ./node_modules
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/dist ./dist
EXPOSE 3000
USER nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["/nodejs/bin/node", "-e", "require('net').connect(3000, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
CMD ["dist/server.js"]
