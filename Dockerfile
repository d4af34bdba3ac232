# The unifier as a container: `docker compose up` runs it beside Kafka and the registry.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY topology ./topology
COPY samples ./samples
COPY explorer ./explorer
# The app directory stays read-only to the process; RocksDB state goes to its own (volume) dir.
RUN mkdir -p /var/lib/unifier && chown node:node /var/lib/unifier
ENV UNIFIER_STATE_DIR=/var/lib/unifier/state \
    UNIFIER_IDENTITY_CONFIG=/app/samples/identity.yaml \
    UNIFIER_HTTP_HOST=0.0.0.0
USER node
EXPOSE 9464
# the bin's Node flags (its shebang, src/cli/main.ts; docs/configuration.md "Memory")
CMD ["node", "--max-semi-space-size=16", "dist/src/cli/main.js", "run"]
