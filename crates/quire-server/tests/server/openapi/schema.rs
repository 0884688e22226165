//! A small, strict validator for the part of JSON Schema that `static/openapi.json` uses,
//! and a recorder of which documented responses the tests received.
//!
//! Strict means: a keyword it does not know fails the check (so the document cannot use
//! one that is silently ignored), and an object schema without `additionalProperties`
//! refuses properties it does not list, as if it said `false` (every response object in
//! the document is closed; a new field must be documented before the server sends it).

use std::collections::BTreeSet;

use serde_json::Value;

/// Keywords that only describe; they constrain nothing.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "examples",
    "example",
    "default",
    "deprecated",
];

/// The OpenAPI document, parsed.
pub struct Doc {
    pub root: Value,
}

impl Doc {
    pub fn new(text: &str) -> Doc {
        Doc {
            root: serde_json::from_str(text).expect("openapi.json is JSON"),
        }
    }

    /// The value a local `$ref` (`#/components/schemas/Proposal`) points at.
    pub fn resolve(&self, reference: &str) -> &Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local $refs are supported, not {reference:?}"));
        self.root
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {reference:?} points at nothing"))
    }

    /// Follows `$ref`s until a value that is not one (for response objects).
    pub fn deref<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            v = self.resolve(r);
        }
        v
    }

    /// What is wrong with `value` against `schema` (empty: it fits), each as
    /// `<JSON pointer>: <reason>`.
    pub fn check(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.walk(schema, value, "", &mut errors);
        errors
    }

    fn walk(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            panic!("schema at {at:?} is not an object: {schema}");
        };
        let mut fail =
            |why: String| errors.push(format!("{}: {why}", if at.is_empty() { "/" } else { at }));
        let mut sub: Vec<String> = Vec::new();
        for (key, rule) in schema {
            match key.as_str() {
                "$ref" => {
                    let target = self.resolve(rule.as_str().expect("$ref is a string"));
                    self.walk(target, v, at, &mut sub);
                }
                "type" => {
                    let types: Vec<&str> = match rule {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => {
                            ts.iter().map(|t| t.as_str().expect("type name")).collect()
                        }
                        other => panic!("bad type {other}"),
                    };
                    if !types.iter().any(|t| has_type(v, t)) {
                        fail(format!("expected {}, got {}", types.join(" or "), short(v)));
                    }
                }
                "enum" => {
                    if !rule.as_array().expect("enum is a list").contains(v) {
                        fail(format!("{} is not one of {rule}", short(v)));
                    }
                }
                "const" => {
                    if rule != v {
                        fail(format!("{} is not {rule}", short(v)));
                    }
                }
                "properties" | "additionalProperties" | "required" => {
                    // Checked together below.
                }
                "items" => {
                    if let Some(list) = v.as_array() {
                        for (i, item) in list.iter().enumerate() {
                            self.walk(rule, item, &format!("{at}/{i}"), &mut sub);
                        }
                    }
                }
                "oneOf" | "anyOf" => {
                    let options = rule.as_array().expect("a list of schemas");
                    let fits: Vec<Vec<String>> = options.iter().map(|o| self.check(o, v)).collect();
                    let n = fits.iter().filter(|e| e.is_empty()).count();
                    if n == 0 {
                        let why: Vec<String> = fits.into_iter().flatten().collect();
                        fail(format!("fits none of {key}: {}", why.join("; ")));
                    } else if n > 1 && key == "oneOf" {
                        fail(format!("fits {n} schemas of oneOf, not exactly one"));
                    }
                }
                "allOf" => {
                    for o in rule.as_array().expect("a list of schemas") {
                        self.walk(o, v, at, &mut sub);
                    }
                }
                "format" => {
                    if let Some(s) = v.as_str() {
                        if !has_format(s, rule.as_str().expect("format name")) {
                            fail(format!("{s:?} is not a {rule}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(s) = v.as_str() {
                        let re = regex::Regex::new(rule.as_str().expect("pattern"))
                            .expect("pattern compiles");
                        if !re.is_match(s) {
                            fail(format!("{s:?} does not match {rule}"));
                        }
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(x), Some(bound)) = (v.as_f64(), rule.as_f64()) {
                        if (key == "minimum" && x < bound) || (key == "maximum" && x > bound) {
                            fail(format!("{x} is out of range ({key} {bound})"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let (Some(s), Some(bound)) = (v.as_str(), rule.as_u64()) {
                        let n = s.chars().count() as u64;
                        if (key == "minLength" && n < bound) || (key == "maxLength" && n > bound) {
                            fail(format!("{n} characters is out of range ({key} {bound})"));
                        }
                    }
                }
                k if ANNOTATIONS.contains(&k) => {}
                other => panic!(
                    "the validator does not know the keyword {other:?} (at {at:?}); teach it"
                ),
            }
        }
        if let Some(object) = v.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(required) = schema.get("required") {
                for name in required.as_array().expect("required is a list") {
                    let name = name.as_str().expect("a property name");
                    if !object.contains_key(name) {
                        fail(format!("missing required property {name:?}"));
                    }
                }
            }
            if properties.is_some() || schema.contains_key("additionalProperties") {
                for (name, value) in object {
                    let here = format!("{at}/{name}");
                    match properties.and_then(|p| p.get(name)) {
                        Some(s) => self.walk(s, value, &here, &mut sub),
                        None => match schema.get("additionalProperties") {
                            Some(Value::Bool(true)) => {}
                            Some(s @ Value::Object(_)) => self.walk(s, value, &here, &mut sub),
                            _ => fail(format!("property {name:?} is not in the document")),
                        },
                    }
                }
            }
        }
        errors.append(&mut sub);
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        other => panic!("unknown type {other:?}"),
    }
}

fn has_format(s: &str, format: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    match format {
        "date-time" => time::OffsetDateTime::parse(s, &Rfc3339).is_ok(),
        "date" => {
            let f = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(s, &f).is_ok()
        }
        other => panic!("the validator does not know the format {other:?}; teach it"),
    }
}

/// A value, cut short for a message.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Every documented operation as (method, path template), and its documented statuses.
pub fn operations(doc: &Doc) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for (path, item) in doc.root["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if matches!(method.as_str(), "parameters" | "summary" | "description") {
                continue;
            }
            let statuses = op["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .cloned()
                .collect();
            out.push((method.clone(), path.clone(), statuses));
        }
    }
    out
}

/// The documented path template a request path falls under, preferring the one with the
/// fewest `{parameters}` (a literal segment beats a parameter).
pub fn template_of<'a>(doc: &'a Doc, path: &str) -> Option<&'a str> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    doc.root["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .filter(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            ts.len() == segments.len()
                && ts.iter().zip(&segments).all(|(t, s)| {
                    (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                })
        })
        .min_by_key(|t| t.matches('{').count())
        .map(String::as_str)
}

/// Which (method, template, status) the tests received, to report what was never seen.
#[derive(Default)]
pub struct Seen(pub BTreeSet<(String, String, String)>);
