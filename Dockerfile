# syntax=docker/dockerfile:1
# NANO's container image: dependencies and build in their own stages, run as a non-root user under tini, which passes
# SIGTERM to `node bin/nano.js serve` so it drains (see docs: guides/deployment).
#   docker build -t nano .
#   docker run --rm -p 8787:8787 -v "$PWD/examples:/srv/examples:ro" nano serve --app /srv/examples/hello --host 0.0.0.0
ARG NODE_IMAGE=node:24-bookworm-slim

# A C/C++ toolchain for isolated-vm and NANO's native addons, and the lockfile.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make gcc g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./

# Production dependencies only. --ignore-scripts skips the project's own `prepare` (a build that
# needs the dev dependencies); the rebuild then runs the install scripts of the two packages
# that have them (isolated-vm compiles, esbuild checks its binary).
FROM toolchain AS deps
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild isolated-vm esbuild

# Every dependency (TypeScript) to compile dist/: the host code, the guest runtime, the addons.
FROM toolchain AS build
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild isolated-vm esbuild
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    NANO_CACHE_DIR=/home/node/.cache/nano
WORKDIR /opt/nano
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/guest ./dist/guest
COPY --from=build /src/dist/native ./dist/native
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/bin ./bin
COPY --from=build /src/schema ./schema
# The image's own user (uid 1000 in the node images); nothing under /opt/nano is writable by it.
USER node
EXPOSE 8787
# tini is PID 1: it forwards SIGTERM to nano (which drains, then exits 0) and reaps zombies.
# Not `npx nano`: npx's npm process would get the signal, exit, and leave the server undrained.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/nano/bin/nano.js"]
CMD ["serve", "--config", "/etc/nano/nano.json", "--host", "0.0.0.0", "--log-format", "json"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8787/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
