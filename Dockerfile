# image-chat: one node (HTTP + WebSocket on one port). Build: docker build -t image-chat .
# Run:   docker run -p 8080:8080 -v image-chat-data:/app/data image-chat

# --- build: compile the native SQLite binding, type-check and bundle ---
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY shared ./shared
COPY server ./server
COPY widget ./widget
COPY demo ./demo
RUN npm run build && npm prune --omit=dev

# --- run: only what the server needs ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATABASE_URL=sqlite:/app/data/image-chat.db PUBLIC_DIR=/app/dist/public
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/server/main.js"]
