//! `GET /graphql`: the GraphiQL page, and `GET /graphql/assets/{name}`: its scripts and
//! styles (when `CUSTOMERS_GRAPHIQL` is on; 404 otherwise).
//!
//! The page fetches nothing from outside the service, so it works offline and runs no code
//! a CDN chose in a page that holds a token: GraphiQL, React and ReactDOM are vendored in
//! `vendor/` (versions and how to update them: `README.md` here) and embedded in the
//! binary, the page's own script is `init.js` (no inline script), every asset is loaded with
//! Subresource Integrity, and the Content-Security-Policy lets scripts and connections reach
//! this origin only. An asset's name carries a hash of its bytes, so it is cached for a year
//! and a new release can never meet a stale copy.

use super::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha384};
use std::sync::LazyLock;

/// Where the assets are served (the route in `http::app` is `{ASSETS}/{name}`).
const ASSETS: &str = "/graphql/assets";

/// What the page may load: its own origin's scripts, styles and connections; GraphiQL's
/// fonts and icons are `data:` URLs in its stylesheet. Inline styles are allowed because
/// GraphiQL's dialogs insert a `<style>` element (react-remove-scroll); inline scripts are not.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    font-src data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The files of the page, in the order the page loads them: (name, extension, bytes).
const FILES: [(&str, &str, &[u8]); 6] = [
    ("graphiql.min", "css", include_bytes!("vendor/graphiql.min.css")),
    ("page", "css", include_bytes!("page.css")),
    ("react.production.min", "js", include_bytes!("vendor/react.production.min.js")),
    ("react-dom.production.min", "js", include_bytes!("vendor/react-dom.production.min.js")),
    ("graphiql.min", "js", include_bytes!("vendor/graphiql.min.js")),
    ("init", "js", include_bytes!("init.js")),
];

/// An embedded file, named by a hash of its bytes.
struct Asset {
    name: String,
    content_type: &'static str,
    bytes: &'static [u8],
    /// The `integrity` attribute: `sha384-` and the base64 of the SHA-384 of `bytes`.
    integrity: String,
}

/// The assets and the page that loads them, built once, on first use.
struct Page {
    assets: Vec<Asset>,
    html: String,
}

static PAGE: LazyLock<Page> = LazyLock::new(|| {
    let assets: Vec<Asset> = FILES
        .iter()
        .map(|&(stem, ext, bytes)| {
            let digest = Sha384::digest(bytes);
            let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            let content_type = if ext == "js" { "text/javascript; charset=utf-8" } else { "text/css; charset=utf-8" };
            Asset {
                name: format!("{stem}.{short}.{ext}"),
                content_type,
                bytes,
                integrity: format!("sha384-{}", STANDARD.encode(digest)),
            }
        })
        .collect();
    let tags: String = assets
        .iter()
        .map(|a| match a.name.ends_with(".css") {
            true => format!("<link rel=\"stylesheet\" href=\"{ASSETS}/{}\" integrity=\"{}\">\n", a.name, a.integrity),
            false => format!("<script src=\"{ASSETS}/{}\" integrity=\"{}\" defer></script>\n", a.name, a.integrity),
        })
        .collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>customers · GraphiQL</title>\n<link rel=\"icon\" href=\"data:,\">\n{tags}</head>\n\
         <body>\n<div id=\"graphiql\">Loading GraphiQL…</div>\n\
         <noscript>GraphiQL needs JavaScript.</noscript>\n</body>\n</html>\n"
    );
    Page { assets, html }
});

pub(super) async fn graphiql(State(state): State<AppState>) -> Response {
    if !state.graphiql {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut response = Html(PAGE.html.as_str()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// `GET /graphql/assets/{name}`: an embedded script or stylesheet of the page.
pub(super) async fn asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let found = PAGE.assets.iter().find(|a| a.name == name);
    let Some(asset) = found.filter(|_| state.graphiql) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, asset.content_type),
        // The name changes with the bytes: a cached copy is never stale.
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
    ];
    (headers, asset.bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_every_asset_from_this_service_with_its_integrity() {
        for asset in &PAGE.assets {
            let expected = format!("sha384-{}", STANDARD.encode(Sha384::digest(asset.bytes)));
            assert_eq!(asset.integrity, expected);
            let reference = format!("\"{ASSETS}/{}\" integrity=\"{expected}\"", asset.name);
            assert!(PAGE.html.contains(&reference), "{reference} in\n{}", PAGE.html);
        }
        assert_eq!(PAGE.html.matches("<script").count(), 4, "no inline script");
        assert!(!PAGE.html.contains("http:") && !PAGE.html.contains("https:"), "{}", PAGE.html);
    }

    #[test]
    fn the_vendored_stylesheet_loads_nothing_remote() {
        let css = std::str::from_utf8(FILES[0].2).expect("utf-8");
        assert!(!css.contains("@import"));
        for url in css.split("url(").skip(1) {
            assert!(url.trim_start_matches(['"', '\'']).starts_with("data:"), "{}", &url[..url.len().min(80)]);
        }
    }
}
