// Compose a supergraph offline with @theguild/federation-composition.
//
//   npm run compose -- [-o supergraph.graphql] [--header "Authorization: Bearer …"] NAME=SOURCE…
//
// SOURCE is either
//   - a subgraph URL (http://…/graphql): its SDL is fetched with `{ _service { sdl } }` and
//     the same URL is the routing URL written into the supergraph, or
//   - FILE@ROUTING_URL: the SDL is read from FILE (e.g. ../../schema.graphql, the output of
//     `customers print-schema`) and ROUTING_URL is where the router will reach the subgraph.
//
// Example (both subgraphs running locally):
//   npm run compose -- -o ../../supergraph.graphql \
//     customers=http://127.0.0.1:4001/graphql conversations=http://127.0.0.1:4002/graphql
// Offline, from files:
//   npm run compose -- -o ../../supergraph.graphql \
//     customers=../../schema.graphql@http://customers:4001/graphql \
//     conversations=conversations.graphql@http://conversations:4002/graphql
//
// Exits non-zero, printing the errors, when composition fails. Hints go to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { composeSupergraph, fetchSubgraphSdl } from './federation.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    output: { type: 'string', short: 'o' },
    header: { type: 'string', short: 'H', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || positionals.length === 0) {
  console.error('usage: npm run compose -- [-o FILE] [-H "Name: value"]… NAME=URL | NAME=FILE@ROUTING_URL …');
  process.exit(values.help ? 0 : 2);
}
const headers = Object.fromEntries(
  values.header.map((h) => {
    const i = h.indexOf(':');
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  }),
);
// npm runs scripts in this folder; resolve relative paths against the caller's folder.
const cwd = process.env.INIT_CWD ?? process.cwd();

const subgraphs = [];
for (const arg of positionals) {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`expected NAME=SOURCE, got ${arg}`);
  const name = arg.slice(0, eq);
  const source = arg.slice(eq + 1);
  if (/^https?:\/\//.test(source)) {
    subgraphs.push({ name, url: source, sdl: await fetchSubgraphSdl(source, headers) });
  } else {
    const at = source.lastIndexOf('@');
    if (at <= 0) throw new Error(`${name}: a file source needs a routing URL: FILE@URL`);
    const file = path.resolve(cwd, source.slice(0, at));
    subgraphs.push({ name, url: source.slice(at + 1), sdl: fs.readFileSync(file, 'utf8') });
  }
}

const result = composeSupergraph(subgraphs);
for (const hint of result.hints) console.error(`hint: ${hint.message ?? hint}`);
if (result.errors.length || !result.supergraphSdl) {
  console.error('composition failed:');
  for (const e of result.errors) console.error(`- ${e.message}`);
  process.exit(1);
}
if (values.output) {
  const out = path.resolve(cwd, values.output);
  fs.writeFileSync(out, result.supergraphSdl);
  console.error(`wrote ${out} (${subgraphs.map((s) => s.name).join(', ')})`);
} else {
  process.stdout.write(result.supergraphSdl);
}
