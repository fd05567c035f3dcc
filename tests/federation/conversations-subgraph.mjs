// A small "conversations" subgraph for the federation tests and for local demos.
//
// It owns `Conversation` and contributes `Customer.conversations`; `Conversation.customer`
// is only a reference ({ __typename: "Customer", id }) that the router resolves through
// the customers subgraph's `_entities`.
//
// As a module: `startConversationsSubgraph({ conversations })` serves in-memory data.
// As a program: `node conversations-subgraph.mjs [--port 4002] [--data conversations.json]`
// where the JSON file is an array of { id, subject, status, customerId };
// `node conversations-subgraph.mjs --print-schema` prints its SDL.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, GraphQLError, parse, validate } from 'graphql';

export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  type Query {
    conversations: [Conversation!]!
    conversation(id: ID!): Conversation
  }

  type Conversation @key(fields: "id") {
    id: ID!
    subject: String
    status: String
    customer: Customer
  }

  type Customer @key(fields: "id") {
    id: ID!
    conversations: [Conversation!]!
  }
`;

/**
 * @param {{ conversations?: Conversation[] | (() => Conversation[]), host?: string, port?: number }} [options]
 *   `conversations` is the data, or a function returning it (read on every request).
 *   Conversation: { id: string, subject?: string, status?: string, customerId?: string }
 * @returns {Promise<{ url: string, server: http.Server, requests: object[], close(): Promise<void> }>}
 *   `requests` records every GraphQL request ({ query, variables }) received, for assertions.
 */
export async function startConversationsSubgraph({ conversations = [], host = '127.0.0.1', port = 0 } = {}) {
  const data = typeof conversations === 'function' ? conversations : () => conversations;
  const find = (id) => data().find((c) => c.id === id) ?? null;
  const resolvers = {
    Query: {
      conversations: () => data(),
      conversation: (_, { id }) => find(id),
    },
    Conversation: {
      __resolveReference: ({ id }) => find(id),
      // only a reference: the customers subgraph resolves it through _entities
      customer: (c) => (c.customerId ? { __typename: 'Customer', id: c.customerId } : null),
    },
    Customer: {
      __resolveReference: ({ id }) => ({ id }),
      conversations: ({ id }) => data().filter((c) => c.customerId === id),
    },
  };
  const schema = buildSubgraphSchema([{ typeDefs: parse(typeDefs), resolvers }]);
  const requests = [];

  const server = http.createServer(async (req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/healthz' || path === '/readyz') return reply(200, { status: 'ok' });
    if (path !== '/graphql' || req.method !== 'POST') return reply(404, { errors: [{ message: 'POST /graphql' }] });
    let text = '';
    for await (const chunk of req) text += chunk;
    let body;
    let document;
    try {
      body = JSON.parse(text);
      document = parse(body.query);
    } catch (e) {
      return reply(400, { errors: [{ message: `bad request: ${e.message}` }] });
    }
    requests.push({ query: body.query, variables: body.variables, authorization: req.headers.authorization });
    const errors = validate(schema, document);
    if (errors.length) return reply(400, { errors: errors.map((e) => e.toJSON()) });
    try {
      const result = await execute({
        schema,
        document,
        variableValues: body.variables,
        operationName: body.operationName,
      });
      reply(200, result);
    } catch (e) {
      reply(500, { errors: [new GraphQLError(e.message).toJSON()] });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: actualPort } = server.address();
  return {
    url: `http://${host}:${actualPort}/graphql`,
    server,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4002' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      'print-schema': { type: 'boolean' },
    },
  });
  if (values['print-schema']) {
    process.stdout.write(typeDefs.replace(/^\n/, '').replace(/^  /gm, ''));
    process.exit(0);
  }
  // the data file is read on every request: edit it without restarting. A relative path is
  // taken from the folder npm was started in (INIT_CWD), or the current one.
  const dataFile = values.data && path.resolve(process.env.INIT_CWD ?? process.cwd(), values.data);
  const conversations = dataFile ? () => JSON.parse(fs.readFileSync(dataFile, 'utf8')) : [];
  const { url } = await startConversationsSubgraph({ conversations, host: values.host, port: Number(values.port) });
  console.error(`conversations subgraph: ${url}${dataFile ? ` (data: ${dataFile})` : ''}`);
}
