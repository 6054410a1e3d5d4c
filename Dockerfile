# The gauntlet image for runs against an external target: the shard and merge Jobs in
# deploy/kubernetes/, or `docker run ... run --target /etc/gauntlet/target.json`. It has no
# redis-server, redis-sentinel or toxiproxy, so the embedded topology and chaos experiments do
# not run in it. Build from the repository root: docker build -t gauntlet:0.1.0 .
#
# Pinned to the Node release the project is tested with. Pin the digest too where your registry
# policy asks for it (docker buildx imagetools inspect node:20.20.2-bookworm-slim).
FROM node:20.20.2-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    GAUNTLET_HOME=/tmp/gauntlet

# Dependencies first, so a source change does not reinstall them. tsx is a runtime dependency:
# gauntlet runs from its TypeScript sources and loads user scenarios the same way.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scenarios ./scenarios
COPY chaos ./chaos
COPY compose ./compose

# The base image's unprivileged user (uid 1000, as the Jobs' securityContext expects).
USER node
ENTRYPOINT ["node", "/app/bin/gauntlet.js"]
CMD ["--help"]
