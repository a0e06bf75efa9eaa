# syntax=docker/dockerfile:1

# builder: installs every dependency, builds the app, then drops the dev dependencies so
# only production node_modules remain to copy.
FROM node:22 AS builder
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build
RUN --mount=type=cache,target=/root/.npm npm prune --omit=dev

# runtime: only what runs: node:22-slim with node_modules and the app; no compilers,
# package-manager caches or dev dependencies.
FROM node:22-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/dist ./dist
EXPOSE 3000
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["node", "-e", "require('net').connect(3000, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
CMD ["node", "dist/server.js"]
