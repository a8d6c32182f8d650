# One image for the API and the worker; the command picks which to run.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY apps ./apps
COPY packages ./packages
COPY migrations ./migrations
COPY tsconfig.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force
USER node
EXPOSE 8080
CMD ["npm", "start"]
