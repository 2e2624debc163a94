# One image for every botcap process in docker-compose.yml: the fakes, the reference bot, the load generator.
FROM node:20-bookworm-slim
WORKDIR /botcap
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENTRYPOINT ["node", "bin/botcap.js"]
CMD ["--help"]
