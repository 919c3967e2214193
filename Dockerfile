# image-chat: one node (HTTP + WebSocket on one port). Build: docker build -t image-chat .
# Run:     docker run -p 8080:8080 -v image-chat-data:/app/data image-chat
# Tenants: docker run --rm -v image-chat-data:/app/data image-chat tenant create --name "Acme Shop" --origin https://shop.acme.example
# The base images can be replaced (--build-arg NODE_IMAGE=… NODE_SLIM_IMAGE=…), e.g. by the local ones
# scripts/container/build-local-base.sh makes where no registry is reachable (docs/operating.md#docker).
ARG NODE_IMAGE=node:20-bookworm
ARG NODE_SLIM_IMAGE=node:20-bookworm-slim

# --- build: compile the native SQLite binding, type-check and bundle ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything else the build reads (server, shared, widget, dashboard, demo, scripts, tsconfigs); .dockerignore
# leaves out what it does not (tests, docs, benchmarks, local state).
COPY . .
RUN npm run build && npm prune --omit=dev

# --- run: only what the server and the tenant CLI need ---
FROM ${NODE_SLIM_IMAGE}
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATABASE_URL=sqlite:/app/data/image-chat.db PUBLIC_DIR=/app/dist/public
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `npm run tenant -- …` (scripts/tenant.mjs) and its shorter form `tenant …` on the PATH.
COPY --from=build /app/scripts/tenant.mjs ./scripts/tenant.mjs
COPY --from=build /app/scripts/container/tenant /usr/local/bin/tenant
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server/main.js"]
