//! The committed OpenAPI subset of the fake Discord (`sim-openapi/openapi.json`) and its generator.
//!
//! The fake validates requests and responses against a subset of Discord's OpenAPI spec: the
//! operations it serves and every component they reference. This file *is* the generator. To
//! regenerate after changing the fake's routes or updating Discord's spec:
//!
//! ```text
//! DISCORD_OPENAPI_SPEC=/path/to/discord/openapi.json \
//!   cargo test -p adapter-discord --features sim --test sim_openapi
//! ```
//!
//! That writes `sim-openapi/openapi.json` (and copies the spec's `LICENSE` when it sits beside
//! it). Without the variable, the same generator runs over the committed subset and must give it
//! back unchanged: that proves the subset is closed (every `$ref` resolves inside it), holds every
//! route the fake serves, and holds nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

use adapter_discord::sim::served_routes;
use serde_json::{Map, Value, json};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

fn subset_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim-openapi/openapi.json")
}

/// Keeps only the `application/json` media type of a `content` map.
fn json_only(content: &Value) -> Value {
    let mut out = Map::new();
    if let Some(json) = content.get("application/json") {
        out.insert("application/json".into(), json.clone());
    }
    Value::Object(out)
}

/// An operation with non-JSON request and response media types dropped.
fn trim_operation(op: &Value) -> Value {
    let mut op = op.clone();
    if let Some(content) = op.pointer_mut("/requestBody/content") {
        *content = json_only(content);
    }
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        for response in responses.values_mut() {
            if let Some(content) = response.get_mut("content") {
                *content = json_only(content);
            }
        }
    }
    op
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    if let Value::String(s) = v {
                        out.push(s.clone());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The subset of `spec` holding the `served` operations and every component they reference.
fn generate(spec: &Value, served: &[(&str, &str)]) -> Value {
    let served_keys: BTreeSet<String> = served.iter().map(|(m, t)| format!("{} {t}", m.to_uppercase())).collect();

    // Operations of the source that the fake does not serve (kept by name only, so that the fake
    // can tell "not implemented here" from "not a Discord route").
    let mut unserved: BTreeSet<String> = spec
        .get("x-sim-unserved-operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let paths = spec["paths"].as_object().expect("paths");
    for (template, item) in paths {
        for method in METHODS {
            if item.get(*method).is_some() {
                unserved.insert(format!("{} {template}", method.to_uppercase()));
            }
        }
    }
    unserved.retain(|k| !served_keys.contains(k));

    let mut out_paths = Map::new();
    for (method, template) in served {
        let item = paths.get(*template).unwrap_or_else(|| panic!("{template} is not a path of Discord's spec"));
        let method = method.to_lowercase();
        let op =
            item.get(&method).unwrap_or_else(|| panic!("{method} {template} is not an operation of Discord's spec"));
        let entry = out_paths.entry(template.to_string()).or_insert_with(|| json!({}));
        if let Some(params) = item.get("parameters") {
            entry["parameters"] = params.clone();
        }
        entry[method.as_str()] = trim_operation(op);
    }

    // Every component reachable from the kept operations.
    let mut components = Map::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut refs = Vec::new();
    collect_refs(&Value::Object(out_paths.clone()), &mut refs);
    queue.extend(refs);
    let mut seen = BTreeSet::new();
    while let Some(reference) = queue.pop_front() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("external reference {reference}"));
        let target = spec.pointer(pointer).unwrap_or_else(|| panic!("unresolved reference {reference}"));
        let mut parts = pointer.trim_start_matches('/').splitn(3, '/');
        assert_eq!(parts.next(), Some("components"), "{reference}");
        let kind = parts.next().expect("component kind");
        let name = parts.next().expect("component name");
        let mut more = Vec::new();
        collect_refs(target, &mut more);
        queue.extend(more);
        let section = components.entry(kind.to_string()).or_insert_with(|| json!({}));
        section[name] = target.clone();
    }
    if let Some(schemes) = spec.pointer("/components/securitySchemes") {
        components.insert("securitySchemes".into(), schemes.clone());
    }

    json!({
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec["servers"],
        "x-sim-note": "Subset of Discord's OpenAPI spec (MIT, see LICENSE): the operations the fake \
                       Discord serves (JSON media types only) and every component they reference. \
                       Generated by adapter-discord/tests/sim_openapi.rs; do not edit by hand.",
        "x-sim-unserved-operations": unserved.into_iter().collect::<Vec<_>>(),
        "paths": out_paths,
        "components": components,
    })
}

#[test]
fn subset_regenerates_to_itself_or_from_the_full_spec() {
    let served = served_routes();
    if let Some(source) = std::env::var_os("DISCORD_OPENAPI_SPEC") {
        let source = PathBuf::from(source);
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(&source).expect("read the spec")).expect("the spec is JSON");
        let subset = generate(&spec, &served);
        let text = serde_json::to_string_pretty(&subset).expect("serialize") + "\n";
        std::fs::create_dir_all(subset_path().parent().expect("dir")).expect("mkdir");
        std::fs::write(subset_path(), text).expect("write the subset");
        if let Some(license) = source.parent().map(|d| d.join("LICENSE")) {
            if license.exists() {
                let target = subset_path().with_file_name("LICENSE");
                // Read and write (not `fs::copy`): keep the target's own file permissions.
                let text = std::fs::read(license).expect("read the license");
                std::fs::write(target, text).expect("copy the license");
            }
        }
        eprintln!("wrote {}", subset_path().display());
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(subset_path()).expect("read the subset"))
        .expect("the subset is JSON");
    let again = generate(&committed, &served);
    assert!(again == committed, "the committed subset is stale: regenerate it (see the top of this file)");
}

#[test]
fn subset_holds_every_served_route_with_json_bodies() {
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(subset_path()).unwrap()).unwrap();
    for (method, template) in served_routes() {
        let op = &committed["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{method} {template} missing");
        assert!(op["responses"].is_object(), "{method} {template} responses");
        if let Some(content) = op.pointer("/requestBody/content") {
            assert!(content.get("application/json").is_some(), "{method} {template} has a body but no JSON schema");
        }
    }
    let unserved = committed["x-sim-unserved-operations"].as_array().unwrap();
    assert!(
        unserved.iter().any(|v| v == "POST /channels/{channel_id}/followers"),
        "unserved Discord routes are listed"
    );
    assert!(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim-openapi/LICENSE").exists(),
        "the spec's license travels with the subset"
    );
}
