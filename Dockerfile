# syntax=docker/dockerfile:1
# Build stage: dependencies (better-sqlite3 compiles here), Prisma clients.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY models ./models
RUN npm run typecheck && npm prune --omit=dev

# Runtime stage: no compilers, a non-root user, data on a volume.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    MOODREEL_DATA_DIR=/data \
    DATABASE_URL=file:/data/moodreel.db \
    MOODREEL_MODELS_DIR=/data/models
WORKDIR /app
RUN groupadd --system moodreel && useradd --system --gid moodreel --home /app moodreel && mkdir -p /data && chown moodreel:moodreel /data
COPY --from=build --chown=moodreel:moodreel /app /app
USER moodreel
VOLUME ["/data"]
# Migrations are applied by the app on start (src/infra/db/migrator.ts).
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["node_modules/.bin/tsx", "scripts/healthcheck.ts"]
CMD ["node_modules/.bin/tsx", "src/main.ts"]
