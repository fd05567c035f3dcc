// Process, network and token helpers for e2e.test.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const children = new Set();
function killAll(signal) {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}
// Last resort if the test process exits, or is stopped, without running its `after` hooks.
process.once('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll('SIGKILL');
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/**
 * Spawn a long-running child process, keeping the tail of its output for error messages.
 * @returns {{ child, output(): string, exited: Promise<{code, signal}>, stop(): Promise<void> }}
 */
export function startProcess(name, command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-48_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      children.delete(child);
      keep(`\n[${name}] failed to start: ${error.message}\n`);
      resolve({ code: null, signal: null, error });
    });
  });
  return {
    name,
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || !children.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Poll `url` until it answers HTTP 200; fail early if the process exits, and after
 * `timeoutMs` with the process's output in the message.
 */
export async function waitForReady(proc, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  proc.exited.then((e) => (exited = e));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `${proc.name} exited (code ${exited.code}, signal ${exited.signal}) before ${url} answered 200.\n` +
          `--- ${proc.name} output ---\n${proc.output()}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `${proc.name} not ready: ${url} did not answer 200 within ${timeoutMs / 1000}s (last: ${last}).\n` +
      `--- ${proc.name} output ---\n${proc.output()}`,
  );
}

/** RS256 key pair with a JWKS file, and a token minter. */
export async function createIssuer({ dir, kid, issuer, audience }) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwksPath = dir ? path.join(dir, 'jwks.json') : undefined;
  if (jwksPath) fs.writeFileSync(jwksPath, JSON.stringify({ keys: [jwk] }, null, 2));
  return {
    jwksPath,
    /** Mint a token; `scope` is an array or a space-separated string. */
    async token({ sub = 'agent-1', scope = [], iss = issuer, aud = audience, expiresIn = '10m', kid: k = kid } = {}) {
      return new SignJWT({ scope: Array.isArray(scope) ? scope.join(' ') : scope })
        .setProtectedHeader({ alg: 'RS256', kid: k, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey);
    },
  };
}

/** POST a GraphQL request; returns { status, body, text }. Never throws on GraphQL errors. */
export async function graphql(url, query, { variables, token, headers = {} } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** Like `graphql` but throws unless the answer has data and no errors. */
export async function graphqlOk(url, query, options) {
  const r = await graphql(url, query, options);
  if (r.status !== 200 || !r.body?.data || r.body.errors?.length) {
    throw new Error(`GraphQL request to ${url} failed (HTTP ${r.status}): ${r.text.slice(0, 2000)}\nquery: ${query}`);
  }
  return r.body.data;
}

/**
 * A counting HTTP proxy in front of a subgraph: records every request it forwards
 * ({ method, path, query, variables, body }).
 */
export async function startCountingProxy(targetOrigin) {
  const target = new URL(targetOrigin);
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks);
    let parsed;
    try {
      parsed = raw.length ? JSON.parse(raw.toString()) : undefined;
    } catch {
      parsed = undefined;
    }
    requests.push({
      method: req.method,
      path: req.url,
      query: parsed?.query,
      variables: parsed?.variables,
      body: raw.toString(),
    });
    const headers = { ...req.headers, host: target.host };
    delete headers['content-length'];
    delete headers.connection;
    try {
      const upstream = await fetch(new URL(req.url, target), {
        method: req.method,
        headers,
        body: ['GET', 'HEAD'].includes(req.method) ? undefined : raw,
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const outHeaders = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) outHeaders[k] = v;
      });
      res.writeHead(upstream.status, outHeaders);
      res.end(body);
    } catch (e) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${e.message}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    reset: () => requests.splice(0),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The value of an un-labelled Prometheus sample, e.g. `customers_sql_statements_total 42`. */
export async function readMetric(url, name) {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`GET ${url} has no sample named ${name}:\n${text.slice(0, 2000)}`);
  const value = Number(line.trim().split(/\s+/)[1]);
  if (!Number.isFinite(value)) throw new Error(`unparsable sample: ${line}`);
  return value;
}
