// Composition helpers shared by e2e.test.mjs and compose.mjs.
import { Kind, parse, visit } from 'graphql';
import { composeServices } from '@theguild/federation-composition';

export const SERVICE_SDL_QUERY = '{ _service { sdl } }';

/** Fetch a subgraph's federation SDL with `{ _service { sdl } }`. */
export async function fetchSubgraphSdl(url, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query: SERVICE_SDL_QUERY }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url}: _service answered HTTP ${res.status} with non-JSON: ${text.slice(0, 500)}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new Error(`${url}: no _service.sdl (HTTP ${res.status}): ${text.slice(0, 1000)}`);
  }
  return sdl;
}

/**
 * Compose subgraphs with @theguild/federation-composition.
 * @param {Array<{ name: string, url: string, sdl: string }>} subgraphs
 * @returns {{ supergraphSdl?: string, errors: Error[], hints: unknown[] }}
 */
export function composeSupergraph(subgraphs) {
  const result = composeServices(
    subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
  );
  return {
    supergraphSdl: result.supergraphSdl,
    errors: result.errors ?? [],
    hints: result.hints ?? [],
  };
}

/**
 * The directives a federation `@link` imports and the directives the SDL applies.
 * `import` items are "@name" strings or { name: "@name", as: "@alias" } objects. An
 * import is used when the SDL applies the directive under its imported name (a
 * namespaced application such as `@federation__name` does not need the import).
 * @returns {Array<{ url: string, imported: string, appliedAs: string, used: boolean }>}
 */
export function linkImportUsage(sdl) {
  const document = parse(sdl);
  const applied = new Set();
  const links = [];
  visit(document, {
    Directive(node, _key, _parent, _path, ancestors) {
      const inSchemaLink =
        node.name.value === 'link' &&
        ancestors.some((a) => a && (a.kind === Kind.SCHEMA_DEFINITION || a.kind === Kind.SCHEMA_EXTENSION));
      if (!inSchemaLink) applied.add(node.name.value);
    },
  });
  for (const def of document.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of def.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const arg = (name) => directive.arguments?.find((a) => a.name.value === name)?.value;
      const url = arg('url')?.value;
      const imports = arg('import');
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        let name;
        let alias;
        if (item.kind === Kind.STRING) {
          name = item.value;
        } else if (item.kind === Kind.OBJECT) {
          name = item.fields.find((f) => f.name.value === 'name')?.value.value;
          alias = item.fields.find((f) => f.name.value === 'as')?.value.value;
        }
        if (!name?.startsWith('@')) continue; // imported types (FieldSet, …) are not checked
        const appliedAs = (alias ?? name).slice(1);
        links.push({ url, imported: name, appliedAs: `@${appliedAs}`, used: applied.has(appliedAs) });
      }
    }
  }
  return links;
}
