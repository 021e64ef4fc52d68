# Stand-in for node:24.21.0-bookworm-slim (see README.md beside this file): the project's pinned
# Node 24 binary and an npm, user node (1000:1000) as in the official image.
ARG BASE_IMAGE=mythical-retail/bookworm-minbase:local
FROM ${BASE_IMAGE}
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
ENV NODE_VERSION=24.21.0
CMD ["node"]
