# The kelos-temporal image: the `kelos` CLI (worker, bridge, controller, codec-server, setup, …) on Node 20.
#   docker build --target runtime -t kelos-temporal .          # kelos alone (Kubernetes runtime, bridge, controller)
#   docker build --target agents  -t kelos-temporal:agents .   # plus the agent CLIs, for the local runtime
# The entrypoint is `kelos` under tini: `docker run kelos-temporal worker`, `… bridge --host 0.0.0.0`, `… setup`.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS builder
WORKDIR /src
# Dependencies first, so a source change reuses this layer. --ignore-scripts: the package's own `prepare` (the
# TypeScript build) needs the sources, copied below; the dependencies' install scripts run in `npm rebuild`.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/check-workflow-purity.js ./scripts/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini reaps the agents' orphaned processes and forwards signals; git and ssh for workspaces; bubblewrap is the
# local runtime's agent sandbox (README, Agent sandbox; in containers see README, Run with Docker Compose).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tini git openssh-client bubblewrap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# uid/gid 61100, as in Kelos's images.
RUN groupadd --gid 61100 kelos \
 && useradd --uid 61100 --gid 61100 --home-dir /home/kelos --create-home --shell /bin/bash kelos \
 && install -d -o 61100 -g 61100 -m 0700 /var/lib/kelos
WORKDIR /opt/kelos
COPY --from=builder /src/package.json /src/package-lock.json ./
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/dist ./dist
COPY bin ./bin
COPY examples ./examples
COPY deploy/docker/kelos-with-agent-credentials.sh /usr/local/bin/kelos-with-agent-credentials
RUN ln -s /opt/kelos/bin/kelos.js /usr/local/bin/kelos
# The data directory (secret store, Tasks' checkouts and logs, poll state): a volume per container.
ENV KELOS_HOME=/var/lib/kelos NODE_ENV=production
VOLUME /var/lib/kelos
USER 61100:61100
ENTRYPOINT ["/usr/bin/tini", "--", "kelos"]
CMD ["--help"]

FROM runtime AS agents
# The agent CLIs the built-in entrypoint runs, at pinned versions. claude-code 2.1.332 installs a native binary;
# its package asks for Node 22 only for its installer, which runs on Node 20 too.
USER root
RUN npm install --global --no-audit --no-fund \
      @anthropic-ai/claude-code@2.1.332 \
      @openai/codex@0.171.0 \
      @google/gemini-cli@0.61.0 \
      opencode-ai@1.18.33 \
 && npm cache clean --force \
 && claude --version && codex --version && gemini --version && opencode --version
USER 61100:61100
