# syntax=docker/dockerfile:1
# workout-rtc, CPU image: Node LTS on Debian bookworm, Debian's ffmpeg, models baked in, non-root.
#   docker build -t workout-rtc .

FROM node:22-bookworm-slim AS build
WORKDIR /app
# Toolchain for native addons without a prebuilt binary (better-sqlite3, sharp and tfjs-node usually fetch one).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# tfjs-node is an optional dependency: its install downloads libtensorflow, and where that fails the
# image runs on WebAssembly. The GPU build is for Dockerfile.gpu only.
RUN npm ci --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node-gpu
COPY . .
RUN mkdir -p models \
 && npm run build:web --if-present \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
# tini reaps and forwards signals (SIGTERM starts the drain); ffmpeg decodes WebRTC video.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates ffmpeg tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Code and models are root-owned and read-only to the server; only data/ (the SQLite default) is writable.
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/signaling ./signaling
COPY --from=build /app/src ./src
COPY --from=build /app/models ./models
COPY --from=build /app/web-demo ./web-demo
RUN mkdir -p /app/data && chown node:node /app/data
ENV NODE_ENV=production \
    PORT=8080 \
    FFMPEG_PATH=/usr/bin/ffmpeg
USER node
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
# V8 flags: src/node-flags.ts (measured in docs/performance.md).
CMD ["node", "--single-threaded-gc", "--max-semi-space-size=32", "--import", "tsx", "src/main.ts"]
