//! JSON API requests as an integration makes them: a bearer token, problem details asked for in
//! English. Each returns the status and the JSON body (`Null` when the body is not JSON); a
//! refusal must come as `application/problem+json`, whichever route it is.

use reqwest::Method;
use serde_json::Value;

use super::TestApp;

pub async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client()
        .request(method.clone(), app.url(path))
        .bearer_auth(token)
        .header("accept-language", "en");
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    if status >= 400 {
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|c| c.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            content_type, "application/problem+json",
            "{method} {path}: {status}"
        );
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send(app, token, Method::GET, path, None).await
}

pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(app, token, Method::POST, path, Some(body)).await
}

pub async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    send(app, token, Method::PUT, path, Some(body)).await
}

pub async fn delete(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    send(app, token, Method::DELETE, path, None).await
}
