//! The OpenAPI document (`crates/server/openapi.json`, served at `/openapi.json`) against the code:
//! the routes in `router`, the problem kinds in `problem.rs` and the wire types in `waxseal-api`.
//! No server is started; the sources are read as text so that a route, problem kind or field
//! added to the code but not to the document fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// The routes of `router` in `src/lib.rs`, by hand. Kept in step with the source by
/// [`the_document_describes_exactly_the_routes_of_the_router`].
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/v1/config"),
    ("GET", "/v1/relay-keys"),
    ("POST", "/v1/messages"),
    ("GET", "/v1/messages/{id}"),
    ("POST", "/v1/messages/{id}/revoke"),
    ("GET", "/v1/messages/{id}/sender"),
    ("POST", "/v1/messages/{id}/passcode"),
    ("POST", "/v1/messages/{id}/verify"),
    ("POST", "/v1/messages/{id}/sign-in"),
    ("POST", "/v1/messages/{id}/release"),
    ("POST", "/v1/messages/{id}/reply"),
    ("POST", "/v1/usage"),
    ("POST", "/v1/messages/{id}/passkeys"),
    ("POST", "/v1/messages/{id}/passkeys/registration"),
    ("POST", "/v1/messages/{id}/passkeys/challenge"),
    ("POST", "/v1/messages/{id}/passkeys/verify"),
    ("POST", "/v1/messages/{id}/passkeys/forget"),
];

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

const PROBLEM_URN: &str = "urn:waxseal:problem:";
const PROBLEM_JSON: &str = "application/problem+json";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = manifest_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn doc_text() -> String {
    read("openapi.json")
}

fn doc() -> Value {
    serde_json::from_str(&doc_text()).expect("openapi.json is valid JSON")
}

/// Follows `$ref`s (local JSON pointers) until a value that is not a reference.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("$ref {r:?} is not local to the document"));
                v = doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("$ref {r:?} does not resolve"));
            }
            None => return v,
        }
    }
    panic!("$ref chain too long (a cycle?)");
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for (key, op) in item.as_object().expect("a path item is an object") {
            if HTTP_METHODS.contains(&key.as_str()) {
                out.push((key.to_ascii_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// Skips a Rust string literal starting at `chars[i] == '"'`; returns its text and the index after it.
fn string_literal(chars: &[char], mut i: usize) -> (String, usize) {
    assert_eq!(chars[i], '"');
    i += 1;
    let mut s = String::new();
    while chars[i] != '"' {
        if chars[i] == '\\' {
            i += 1;
        }
        s.push(chars[i]);
        i += 1;
    }
    (s, i + 1)
}

fn ident(chars: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

fn skip_ws(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

/// Index after the `)` that closes the `(` at `chars[i]`, skipping string literals.
fn skip_parens(chars: &[char], mut i: usize) -> usize {
    assert_eq!(chars[i], '(');
    let mut depth = 0;
    loop {
        match chars[i] {
            '"' => {
                i = string_literal(chars, i).1;
                continue;
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Every `(METHOD, path)` registered with `.route("path", get(..).post(..))` in `src/lib.rs`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let text = read("src/lib.rs");
    for unsupported in [
        ".route_service(",
        ".nest(",
        ".nest_service(",
        ".merge(",
        ".fallback(",
    ] {
        assert!(
            !text.contains(unsupported),
            "src/lib.rs uses {unsupported}; teach tests/openapi.rs to read it"
        );
    }
    let chars: Vec<char> = text.chars().collect();
    let needle: Vec<char> = ".route(".chars().collect();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        if chars[i..i + needle.len()] != needle[..] {
            i += 1;
            continue;
        }
        let mut j = skip_ws(&chars, i + needle.len());
        let (path, after) = string_literal(&chars, j);
        j = skip_ws(&chars, after);
        assert_eq!(
            chars[j], ',',
            "route {path:?}: expected a comma after the path"
        );
        j = skip_ws(&chars, j + 1);
        // A method router: `get(handler)` optionally chained as `.post(handler)`.
        let mut methods = Vec::new();
        loop {
            let (name, after) = ident(&chars, j);
            assert!(
                !name.is_empty(),
                "route {path:?}: cannot read its method router"
            );
            let method = name.to_ascii_lowercase();
            assert!(
                HTTP_METHODS.contains(&method.as_str()),
                "route {path:?}: method router `{name}` is not one HTTP method"
            );
            methods.push(method.to_ascii_uppercase());
            j = skip_parens(&chars, skip_ws(&chars, after));
            j = skip_ws(&chars, j);
            if chars[j] == '.' {
                j += 1;
            } else {
                break;
            }
        }
        for m in methods {
            assert!(
                found.insert((m.clone(), path.clone())),
                "{m} {path} is routed twice"
            );
        }
        i = j;
    }
    assert!(!found.is_empty(), "no .route(..) found in src/lib.rs");
    found
}

/// One problem kind of `Kind::describe`.
#[derive(Debug, Clone)]
struct ProblemKind {
    status: u16,
    title: String,
}

fn status_code(name: &str) -> u16 {
    match name {
        "BAD_REQUEST" => 400,
        "UNAUTHORIZED" => 401,
        "FORBIDDEN" => 403,
        "NOT_FOUND" => 404,
        "METHOD_NOT_ALLOWED" => 405,
        "NOT_ACCEPTABLE" => 406,
        "CONFLICT" => 409,
        "GONE" => 410,
        "PAYLOAD_TOO_LARGE" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        "UNPROCESSABLE_ENTITY" => 422,
        "TOO_MANY_REQUESTS" => 429,
        "INTERNAL_SERVER_ERROR" => 500,
        "BAD_GATEWAY" => 502,
        "SERVICE_UNAVAILABLE" => 503,
        "GATEWAY_TIMEOUT" => 504,
        other => panic!("add StatusCode::{other} to status_code() in tests/openapi.rs"),
    }
}

/// The problem kinds of `Kind::describe` in `src/problem.rs`: name -> status and title.
fn problem_kinds() -> BTreeMap<String, ProblemKind> {
    let text = read("src/problem.rs");
    let start = text
        .find("fn describe(")
        .expect("src/problem.rs has Kind::describe");
    let end = start + text[start..].find("\n}\n").expect("the end of impl Kind");
    let body: Vec<char> = text[start..end].chars().collect();
    // In order: `Kind::X`, then the name (string), the status (`S::CONST`) and the title (string).
    let mut arms = 0;
    let mut tokens: Vec<(bool, String)> = Vec::new(); // (is_status, text)
    let mut i = 0;
    while i < body.len() {
        if body[i] == '"' {
            let (s, next) = string_literal(&body, i);
            tokens.push((false, s));
            i = next;
        } else if body[i..].starts_with(&['K', 'i', 'n', 'd', ':', ':']) {
            arms += 1;
            i += 6;
        } else if body[i..].starts_with(&['S', ':', ':'])
            && (i == 0 || !(body[i - 1].is_alphanumeric() || body[i - 1] == '_'))
        {
            let (name, next) = ident(&body, i + 3);
            tokens.push((true, name));
            i = next;
        } else if body[i..].starts_with(&"StatusCode::".chars().collect::<Vec<_>>()) {
            let (name, next) = ident(&body, i + "StatusCode::".len());
            tokens.push((true, name));
            i = next;
        } else {
            i += 1;
        }
    }
    assert_eq!(
        tokens.len() % 3,
        0,
        "cannot read Kind::describe as (name, status, title) triples: {tokens:?}"
    );
    let mut kinds = BTreeMap::new();
    for t in tokens.chunks(3) {
        let [(false, name), (true, status), (false, title)] = t else {
            panic!("cannot read Kind::describe arm {t:?}");
        };
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "problem name {name:?} is not lower-case-with-dashes"
        );
        let old = kinds.insert(
            name.clone(),
            ProblemKind {
                status: status_code(status),
                title: title.clone(),
            },
        );
        assert!(old.is_none(), "problem name {name:?} appears twice");
    }
    // Every variant of `enum Kind` has an arm, and every arm gave one triple.
    let enum_start = text.find("pub enum Kind {").expect("pub enum Kind");
    let enum_body = &text[enum_start + "pub enum Kind {".len()..];
    let enum_body = &enum_body[..enum_body.find('}').unwrap()];
    let variants = enum_body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'))
        .count();
    assert_eq!(arms, kinds.len(), "one (name, status, title) per match arm");
    assert_eq!(variants, kinds.len(), "one match arm per Kind variant");
    kinds
}

#[test]
fn the_document_is_openapi_3_1() {
    let doc = doc();
    let version = doc["openapi"].as_str().expect("an openapi version string");
    assert!(version.starts_with("3.1"), "openapi is {version:?}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    // Readable: pretty-printed with two spaces, like serde_json's pretty printer.
    let text = doc_text();
    assert!(
        text.starts_with("{\n  \""),
        "indent openapi.json with two spaces"
    );
    // The server serves this very file.
    assert_eq!(waxseal_server::OPENAPI, text);
}

#[test]
fn the_document_describes_exactly_the_routes_of_the_router() {
    let doc = doc();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let in_source = routes_in_source();
    assert_eq!(
        in_source, expected,
        "the routes in src/lib.rs changed: update ROUTES here and openapi.json"
    );
    let in_doc: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    assert_eq!(
        in_doc, expected,
        "openapi.json must describe exactly the routes of the router"
    );
    // Path parameters are declared.
    for (method, path, op) in operations(&doc) {
        let declared: BTreeSet<String> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| resolve(&doc, p))
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let templated: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        assert_eq!(declared, templated, "{method} {path}: path parameters");
    }
}

#[test]
fn every_operation_documents_its_errors_as_problem_json() {
    let doc = doc();
    let kinds = problem_kinds();
    let mut listed = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let what = format!("{method} {path}");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|c| c.starts_with('2')),
            "{what}: no success response"
        );
        // Machine-readable list of the problem types the operation can return.
        let types: BTreeSet<String> = op["x-problem-types"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no x-problem-types"))
            .iter()
            .map(|t| {
                let t = t.as_str().unwrap();
                let name = t
                    .strip_prefix(PROBLEM_URN)
                    .unwrap_or_else(|| panic!("{what}: problem type {t:?} is not a {PROBLEM_URN}"));
                assert!(
                    kinds.contains_key(name),
                    "{what}: problem type {t:?} is not in src/problem.rs"
                );
                name.to_owned()
            })
            .collect();
        let description = op["description"].as_str().unwrap_or_default();
        for name in &types {
            assert!(
                description.contains(&format!("{PROBLEM_URN}{name}")),
                "{what}: the description does not list {name}"
            );
        }
        listed.extend(types.iter().cloned());
        let problem_statuses: BTreeSet<String> =
            types.iter().map(|n| kinds[n].status.to_string()).collect();
        let error_codes: BTreeSet<String> = responses
            .keys()
            .filter(|c| c.starts_with('4') || c.starts_with('5'))
            .cloned()
            .collect();
        assert_eq!(
            error_codes, problem_statuses,
            "{what}: the error responses must be exactly the statuses of its problem types"
        );
        assert!(
            error_codes.iter().any(|c| c.starts_with('4')),
            "{what}: no 4xx response"
        );
        for code in &error_codes {
            let response = resolve(&doc, &responses[code]);
            let content = response["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{what} {code}: no content"));
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                [PROBLEM_JSON],
                "{what} {code}: errors are {PROBLEM_JSON} only"
            );
            let media = &content[PROBLEM_JSON];
            assert_eq!(
                media["schema"]["$ref"], "#/components/schemas/Problem",
                "{what} {code}: the schema is Problem"
            );
            // Examples agree with problem.rs and with the response they are under.
            let examples = media["examples"].as_object().cloned().unwrap_or_default();
            assert!(!examples.is_empty(), "{what} {code}: no example");
            for (key, example) in &examples {
                let value = &resolve(&doc, example)["value"];
                let t = value["type"].as_str().unwrap();
                let name = t.strip_prefix(PROBLEM_URN).unwrap();
                assert!(
                    types.contains(name),
                    "{what} {code}: example {key} is of a type not listed"
                );
                assert_eq!(
                    value["status"],
                    code.parse::<u16>().unwrap(),
                    "{what} {code}: example {key}"
                );
                assert_eq!(
                    value["title"], kinds[name].title,
                    "{what} {code}: example {key} title"
                );
                assert!(
                    value["detail"].is_string(),
                    "{what} {code}: example {key} detail"
                );
            }
            // Each problem type of this status has an example.
            for name in types
                .iter()
                .filter(|n| kinds[*n].status.to_string() == *code)
            {
                assert!(
                    examples.values().any(
                        |e| resolve(&doc, e)["value"]["type"] == format!("{PROBLEM_URN}{name}")
                    ),
                    "{what} {code}: no example of {name}"
                );
            }
            if code == "429" {
                assert!(
                    response["headers"]["Retry-After"].is_object(),
                    "{what}: 429 documents Retry-After"
                );
            }
            if code == "405" {
                assert!(
                    response["headers"]["Allow"].is_object(),
                    "{what}: 405 documents Allow"
                );
            }
        }
    }
    // Every kind is returned by some operation, except route-not-found, which no operation
    // returns: it is the answer for paths that are not in the document.
    let unlisted: BTreeSet<&String> = kinds.keys().filter(|k| !listed.contains(*k)).collect();
    assert_eq!(
        unlisted,
        BTreeSet::from([&"route-not-found".to_owned()]),
        "problem kinds no operation lists"
    );
}

#[test]
fn every_problem_kind_of_problem_rs_is_in_the_document() {
    let text = doc_text();
    let kinds = problem_kinds();
    assert!(kinds.len() >= 20, "read only {} problem kinds", kinds.len());
    for (name, kind) in &kinds {
        let urn = format!("{PROBLEM_URN}{name}");
        assert!(text.contains(&urn), "openapi.json does not mention {urn}");
        assert!(
            text.contains(&format!("\"title\": \"{}\"", kind.title)),
            "openapi.json has no example of {name} with its title"
        );
    }
    let description = doc()["info"]["description"].as_str().unwrap().to_owned();
    for name in ["route-not-found", "method-not-allowed", "payload-too-large"] {
        assert!(description.contains(&format!("{PROBLEM_URN}{name}")));
    }
}

#[test]
fn every_ref_resolves_inside_the_document() {
    fn walk(doc: &Value, v: &Value, at: &str, count: &mut usize) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref") {
                    let r = r
                        .as_str()
                        .unwrap_or_else(|| panic!("{at}: $ref is not a string"));
                    let pointer = r
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("{at}: $ref {r:?} points outside the document"));
                    assert!(
                        doc.pointer(pointer).is_some(),
                        "{at}: $ref {r:?} does not resolve"
                    );
                    *count += 1;
                }
                for (k, v) in map {
                    walk(doc, v, &format!("{at}/{k}"), count);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(doc, v, &format!("{at}/{i}"), count);
                }
            }
            _ => {}
        }
    }
    let doc = doc();
    let mut count = 0;
    walk(&doc, &doc, "#", &mut count);
    assert!(count > 50, "only {count} $refs: is the document complete?");
}

#[test]
fn security_matches_the_handlers() {
    let doc = doc();
    let schemes = &doc["components"]["securitySchemes"];
    for name in ["senderApiKey", "releaseToken"] {
        assert_eq!(schemes[name]["type"], "http", "{name}");
        assert_eq!(schemes[name]["scheme"], "bearer", "{name}");
    }
    assert!(
        schemes["senderApiKey"]["bearerFormat"]
            .as_str()
            .unwrap()
            .starts_with("wxs_")
    );
    assert!(
        doc.get("security").is_none(),
        "no global security: each operation says"
    );
    for (method, path, op) in operations(&doc) {
        let expected = match (method.as_str(), path.as_str()) {
            ("POST", "/v1/messages")
            | ("GET", "/v1/messages/{id}")
            | ("POST", "/v1/messages/{id}/revoke") => Some("senderApiKey"),
            ("POST", "/v1/messages/{id}/release")
            | ("POST", "/v1/messages/{id}/reply")
            | ("POST", "/v1/messages/{id}/passkeys")
            | ("POST", "/v1/messages/{id}/passkeys/registration")
            | ("POST", "/v1/messages/{id}/passkeys/forget") => Some("releaseToken"),
            _ => None,
        };
        let got: Vec<&str> = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path}: no security (use [] for public)"))
            .iter()
            .flat_map(|req| req.as_object().unwrap().keys().map(String::as_str))
            .collect();
        assert_eq!(
            got,
            expected.into_iter().collect::<Vec<_>>(),
            "{method} {path}"
        );
        let problems = op["x-problem-types"].to_string();
        match expected {
            Some("senderApiKey") => assert!(problems.contains("unauthorized"), "{method} {path}"),
            Some("releaseToken") => assert!(problems.contains("token-invalid"), "{method} {path}"),
            _ => assert!(
                !problems.contains("unauthorized") && !problems.contains("token-"),
                "{method} {path}"
            ),
        }
    }
    // Register: 201 when new, 200 for the same message again.
    let register = &doc["paths"]["/v1/messages"]["post"]["responses"];
    assert!(register["201"].is_object() && register["200"].is_object());
}

/// A type of `crates/api/src/lib.rs` as serde sees it.
#[derive(Debug)]
enum WireType {
    Struct {
        deny_unknown_fields: bool,
        /// Wire name -> required.
        fields: BTreeMap<String, bool>,
    },
    Enum {
        variants: Vec<String>,
    },
}

fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The serde types of `crates/api/src/lib.rs`, read as text.
fn wire_types() -> BTreeMap<String, WireType> {
    let text = read("../api/src/lib.rs");
    let mut types = BTreeMap::new();
    let mut attrs: Vec<String> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.starts_with("#[") {
            attrs.push(line.to_owned());
            continue;
        }
        if line.starts_with("///") || line.starts_with("//!") || line.is_empty() {
            continue;
        }
        let item = line
            .strip_prefix("pub struct ")
            .map(|r| (true, r))
            .or_else(|| line.strip_prefix("pub enum ").map(|r| (false, r)));
        let serde = attrs
            .iter()
            .any(|a| a.contains("Serialize") || a.contains("Deserialize"));
        let item_attrs = std::mem::take(&mut attrs);
        let Some((is_struct, rest)) = item else {
            continue;
        };
        if !serde {
            continue;
        }
        let name = rest.trim_end_matches('{').trim().to_owned();
        let snake = item_attrs
            .iter()
            .any(|a| a.contains("rename_all = \"snake_case\""));
        let deny = item_attrs.iter().any(|a| a.contains("deny_unknown_fields"));
        assert!(
            !item_attrs
                .iter()
                .any(|a| a.contains("rename_all") && !snake),
            "{name}: teach tests/openapi.rs this rename_all"
        );
        let mut fields = BTreeMap::new();
        let mut variants = Vec::new();
        let mut field_attrs: Vec<String> = Vec::new();
        for line in lines.by_ref() {
            let line = line.trim();
            if line == "}" {
                break;
            }
            if line.starts_with("///") || line.is_empty() {
                continue;
            }
            if line.starts_with("#[") {
                field_attrs.push(line.to_owned());
                continue;
            }
            let attrs = std::mem::take(&mut field_attrs);
            if is_struct {
                let (field, ty) = line
                    .strip_prefix("pub ")
                    .and_then(|l| l.split_once(':'))
                    .unwrap_or_else(|| panic!("{name}: cannot read field {line:?}"));
                let wire = attrs
                    .iter()
                    .find_map(|a| {
                        a.split_once("rename = \"")
                            .map(|(_, r)| r.split('"').next().unwrap().to_owned())
                    })
                    .unwrap_or_else(|| field.trim().to_owned());
                let optional =
                    ty.trim().starts_with("Option<") || attrs.iter().any(|a| a.contains("default"));
                fields.insert(wire, !optional);
            } else {
                let variant = line.trim_end_matches(',');
                assert!(
                    variant.chars().all(|c| c.is_ascii_alphanumeric()),
                    "{name}: cannot read variant {line:?}"
                );
                variants.push(if snake {
                    snake_case(variant)
                } else {
                    variant.to_owned()
                });
            }
        }
        let ty = if is_struct {
            WireType::Struct {
                deny_unknown_fields: deny,
                fields,
            }
        } else {
            WireType::Enum { variants }
        };
        types.insert(name, ty);
    }
    types
}

#[test]
fn the_schemas_match_the_wire_types() {
    let doc = doc();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let types = wire_types();
    assert!(types.len() >= 13, "read only {} wire types", types.len());
    for (name, ty) in &types {
        let schema = schemas
            .get(name)
            .unwrap_or_else(|| panic!("no schema for the wire type {name}"));
        match ty {
            WireType::Struct {
                deny_unknown_fields,
                fields,
            } => {
                assert_eq!(schema["type"], "object", "{name}");
                let properties: BTreeSet<&String> =
                    schema["properties"].as_object().unwrap().keys().collect();
                assert_eq!(
                    properties,
                    fields.keys().collect::<BTreeSet<_>>(),
                    "{name}: properties"
                );
                let required: BTreeSet<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
                    .unwrap_or_default();
                let expected: BTreeSet<&str> = fields
                    .iter()
                    .filter(|(_, req)| **req)
                    .map(|(f, _)| f.as_str())
                    .collect();
                assert_eq!(required, expected, "{name}: required");
                assert_eq!(
                    schema.get("additionalProperties") == Some(&Value::Bool(false)),
                    *deny_unknown_fields,
                    "{name}: additionalProperties: false exactly when deny_unknown_fields"
                );
            }
            WireType::Enum { variants } => {
                assert_eq!(schema["type"], "string", "{name}");
                assert_eq!(
                    schema["enum"],
                    Value::from(variants.clone()),
                    "{name}: enum values as serde writes them"
                );
            }
        }
    }
    // Requests use the request types and answers the response types.
    let body = |path: &str, method: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .map(str::to_owned)
    };
    let answer = |path: &str, method: &str, code: &str| {
        doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .map(str::to_owned)
    };
    let s = |n: &str| Some(format!("#/components/schemas/{n}"));
    assert_eq!(body("/v1/messages", "post"), s("RegisterMessage"));
    assert_eq!(
        body("/v1/messages/{id}/passcode", "post"),
        s("PasscodeRequest")
    );
    assert_eq!(body("/v1/messages/{id}/verify", "post"), s("VerifyRequest"));
    assert_eq!(
        body("/v1/messages/{id}/sign-in", "post"),
        s("SignInRequest")
    );
    assert_eq!(
        answer("/v1/messages/{id}/sign-in", "post", "200"),
        s("SignedIn")
    );
    assert_eq!(
        body("/v1/messages/{id}/release", "post"),
        s("ReleaseRequest")
    );
    assert_eq!(body("/v1/messages/{id}/revoke", "post"), None);
    assert_eq!(answer("/v1/config", "get", "200"), s("PublicConfig"));
    assert_eq!(answer("/v1/messages", "post", "201"), s("MessageStatus"));
    assert_eq!(answer("/v1/messages", "post", "200"), s("MessageStatus"));
    assert_eq!(
        answer("/v1/messages/{id}", "get", "200"),
        s("MessageStatus")
    );
    assert_eq!(
        answer("/v1/messages/{id}/revoke", "post", "200"),
        s("MessageStatus")
    );
    assert_eq!(
        answer("/v1/messages/{id}/passcode", "post", "200"),
        s("PasscodeSent")
    );
    assert_eq!(
        answer("/v1/messages/{id}/verify", "post", "200"),
        s("TokenResponse")
    );
    assert_eq!(
        answer("/v1/messages/{id}/release", "post", "200"),
        s("ReleaseResponse")
    );
    let passkeys = "/v1/messages/{id}/passkeys";
    assert_eq!(
        body(&format!("{passkeys}/registration"), "post"),
        s("PasskeyStart")
    );
    assert_eq!(
        answer(&format!("{passkeys}/registration"), "post", "200"),
        s("PasskeyCreation")
    );
    assert_eq!(body(passkeys, "post"), s("PasskeyRegistration"));
    assert_eq!(answer(passkeys, "post", "201"), s("PasskeyAdded"));
    assert_eq!(
        body(&format!("{passkeys}/challenge"), "post"),
        s("PasskeyChallengeRequest")
    );
    assert_eq!(
        answer(&format!("{passkeys}/challenge"), "post", "200"),
        s("PasskeyChallenge")
    );
    assert_eq!(
        body(&format!("{passkeys}/verify"), "post"),
        s("PasskeyAssertion")
    );
    assert_eq!(
        answer(&format!("{passkeys}/verify"), "post", "200"),
        s("PasskeyVerified")
    );
    assert_eq!(
        body(&format!("{passkeys}/forget"), "post"),
        s("PasskeyForget")
    );
}

/// The languages a usage report may name are the viewer's languages (`waxseal_l10n::Lang`).
#[test]
fn the_usage_reports_languages_are_the_viewers() {
    let doc = doc();
    let listed: Vec<&str> =
        doc["components"]["schemas"]["UsageReport"]["properties"]["language"]["enum"]
            .as_array()
            .expect("UsageReport.language has an enum")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
    assert_eq!(listed, waxseal_api::usage::LANGUAGES);
}
