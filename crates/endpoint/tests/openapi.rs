//! The OpenAPI document at `/api/v1/openapi.json` tells the truth: every route it names answers (with 401
//! when called without a token, never 404 or 405), and real answers of the running endpoint validate
//! against the schemas it publishes.

mod support;

use serde_json::{Value, json};
use support::{Api, Endpoint, SmtpServer};

async fn document(endpoint: &Endpoint) -> Value {
    let res = reqwest::get(format!("{}/api/v1/openapi.json", endpoint.base)).await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Checks `instance` against the schema `#/components/schemas/<name>` of `doc`.
fn assert_valid(doc: &Value, name: &str, instance: &Value) {
    assert!(doc["components"]["schemas"].get(name).is_some(), "the document has no schema {name}");
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{name} does not match the document: {errors:#?}\n{instance:#}");
}

#[tokio::test]
async fn every_documented_route_exists_and_asks_for_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Endpoint::start(&dir.path().join("data"), None, &[]);
    let doc = document(&endpoint).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");

    let http = reqwest::Client::new();
    let id = uuid::Uuid::now_v7().to_string();
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let url = format!("{}/api/v1{}", endpoint.base, path.replace("{id}", &id));
            let res = http
                .request(method.to_uppercase().parse().unwrap(), &url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                401,
                "{} {path}: the document names it, the endpoint must answer",
                method
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["code"], "unauthorized", "{method} {path}: {body}");
        }
    }
    // Every email action, the records, sync, the feed and its stream, inbound and /me.
    for path in
        ["/emails/{id}/send", "/emails/{id}/schedule", "/emails/{id}/retry", "/changes/stream", "/inbound"]
    {
        assert!(paths.contains_key(path), "{path} is missing from the document");
    }
    assert!(operations >= 23, "only {operations} operations documented");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 20);
    for reference in refs {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {reference}"));
        assert!(doc.pointer(pointer).is_some(), "{reference} points at nothing");
    }
}

fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                into.push(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

#[tokio::test]
async fn real_answers_validate_against_the_published_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    let endpoint = Endpoint::start(&dir.path().join("data"), Some(&smtp), &[]);
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));
    let doc = document(&endpoint).await;

    let id = api.draft("ana@acme.example.com", "Pricing").await;
    let res = api.post(&format!("/emails/{id}/send"), None).await;
    assert_eq!(res.status(), 200);
    assert_valid(&doc, "MutationAnswer", &res.json().await.unwrap());
    let email = api.wait_status(&id, "delivered").await;
    assert_valid(&doc, "Email", &email);

    let page: Value = api.get("/changes").await.json().await.unwrap();
    assert!(page["changes"].as_array().is_some_and(|r| !r.is_empty()), "{page}");
    assert_valid(&doc, "ChangePage", &page);

    let me: Value = api.get("/me").await.json().await.unwrap();
    assert_valid(&doc, "Me", &me);

    let bad = api.put(&format!("/emails/{id}"), &json!({"id": id, "unknown": 1})).await;
    assert_eq!(bad.status(), 400);
    assert_valid(&doc, "ErrorBody", &bad.json().await.unwrap());

    let push = json!({"version": 1, "mutations": [{
        "key": uuid::Uuid::now_v7().to_string(),
        "made_at": "2026-11-23T09:00:00Z",
        "op": {"op": "archive", "email": id},
    }]});
    let res = api.post("/sync", Some(&push)).await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert_valid(&doc, "PushResponse", &answer);
    // The request itself is what the document says a push is.
    assert_valid(&doc, "PushRequest", &push);
}
