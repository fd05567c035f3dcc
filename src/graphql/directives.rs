//! Federation directives that async-graphql has no attribute for.
#![allow(non_snake_case, non_camel_case_types)]

// `@authenticated`: any valid token may read this. Printed as the federation directive
// (its definition is dropped from the SDL and it is imported through `@link`).
#[async_graphql::TypeDirective(location = "FieldDefinition", location = "Object")]
pub fn authenticated() {}
