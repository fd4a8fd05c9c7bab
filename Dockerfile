# Freedom ID sandbox: listens on 0.0.0.0:8080 as user `node`.
#   docker build -t freedom-id-sandbox .
#   docker run --rm -p 8080:8080 freedom-id-sandbox
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src/ ./src/
# Only the CLI bundle goes into the image: esbuild alone, no tsc (slow under arm64 emulation).
RUN npm run bundle

# The CLI is one bundled file (dist/cli.mjs, every dependency inside): no node_modules at run time.
FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
WORKDIR /app
COPY --from=build /app/dist/cli.mjs ./dist/cli.mjs
COPY fixtures/ ./fixtures/
USER node
EXPOSE 8080
# No curl in the slim image: node's own fetch, on whatever PORT the container was started with.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health', { signal: AbortSignal.timeout(4000) }).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 (not npm), so SIGTERM reaches the app's graceful shutdown. The V8 flag is
# npm start's (README, "Limits"): a 2 MB young generation keeps RSS under load low.
CMD ["node", "--max-semi-space-size=2", "dist/cli.mjs"]
