# syntax=docker/dockerfile:1

# deps: production dependencies only, installed from the manifests, so this layer is
# rebuilt only when package.json or the lockfile change (node:22-alpine matches the
# runtime's libc).
FROM node:22-alpine AS deps
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

# runtime: only what runs: node:22-alpine with node_modules and the app; no compilers,
# package-manager caches or dev dependencies.
FROM node:22-alpine AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/dist ./dist
EXPOSE 3000
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["node", "-e", "require('net').connect(3000, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
CMD ["node", "dist/server.js"]
