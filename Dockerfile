# syntax=docker/dockerfile:1
# One image for every Voltstream service; APP picks which one runs:
#   docker build --build-arg APP=gateway -t voltstream/gateway .
#   docker run -e APP=energy-query ... voltstream/gateway     (APP can also be overridden at run time)
# Services: identity, energy-command, energy-query, billing-command, billing-query,
#           feeds-command, feeds-query, gateway, and payment-sandbox (local stand-in for the card
#           processor). Their ports and settings: metadata.voltstream in apps/<app>/project.json.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, compile every app and lib into dist/, compose the supergraph ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The only install scripts in the tree are protobufjs' and nx's post-install notices.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY scripts ./scripts
COPY libs ./libs
COPY apps ./apps
# node scripts/build.mjs: tsc + tsc-alias into dist/, the subgraphs' .graphql SDL copied beside
# their code, dist/apps/gateway/src/supergraph.graphql composed. Tests are not shipped.
RUN npm run build \
 && find dist -type f \( -name '*.spec.js' -o -name '*.int-spec.js' -o -name '*.e2e-spec.js' \) -delete \
 && find dist -type f \( -name '*.spec.js.map' -o -name '*.int-spec.js.map' -o -name '*.e2e-spec.js.map' \) -delete \
 && rm -rf dist/apps/gateway-e2e dist/.tsbuildinfo \
 && test -f dist/apps/gateway/src/supergraph.graphql

# ---- production dependencies only ----------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
ARG APP
ENV APP=${APP}
USER node
EXPOSE 4000 4001 4101 4102 4201 4202 4203 4301 4302
# exec: node is PID 1 and receives SIGTERM itself (each service drains, then closes, on SIGTERM).
CMD ["sh", "-c", "exec node --enable-source-maps dist/apps/${APP:?set APP to the service to run, e.g. gateway}/src/main.js"]
