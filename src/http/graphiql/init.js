// The GraphiQL page's own script, served from the binary like GraphiQL itself (the page
// runs no inline script: its Content-Security-Policy allows scripts from this origin only).
(function () {
  'use strict';
  // The service answers single results (no @defer/@stream, no subscriptions).
  var fetcher = GraphiQL.createFetcher({ url: '/graphql', enableIncrementalDelivery: false });
  // Tabs, history and headers live in memory only: GraphiQL's history keeps each query's
  // headers (the token) and variables (PII) even with shouldPersistHeaders off, and
  // localStorage would keep them on disk after the page is closed.
  var items = new Map();
  var storage = {
    getItem: function (key) {
      return items.has(key) ? items.get(key) : null;
    },
    setItem: function (key, value) {
      items.set(key, String(value));
    },
    removeItem: function (key) {
      items.delete(key);
    },
    clear: function () {
      items.clear();
    },
    get length() {
      return items.size;
    },
  };
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      // The token goes in the headers tab, open from the start:
      // {"authorization": "Bearer …"}.
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
