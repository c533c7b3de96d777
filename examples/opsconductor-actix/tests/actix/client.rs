//! The actix service, started on the configuration of a [`TestService`]
//! (so on its database and keys), and requests to it, answered as the
//! helpers' [`Answer`].

use opsconductor_actix::RunningService;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Answer, TestService, Tokens};

/// opsconductor-actix serving beside an axum [`TestService`].
pub(crate) struct Actix {
    service: Option<RunningService>,
    client: reqwest::Client,
}

impl Actix {
    /// Start the actix service on `svc`'s configuration: the same database,
    /// keys, issuer and audience, on a port of its own.
    pub(crate) async fn beside(svc: &TestService) -> Self {
        Self {
            service: Some(opsconductor_actix::spawn(&svc.config).await.unwrap()),
            client: reqwest::Client::new(),
        }
    }

    /// Stop it (the database stays).
    pub(crate) async fn stop(mut self) {
        if let Some(service) = self.service.take() {
            service.stop().await.unwrap();
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.service.as_ref().unwrap().url(path)
    }

    /// `method path`, with `token` as bearer and `body` as JSON.
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.request(Method::GET, path, token, None).await
    }

    pub(crate) async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str, token: Option<&str>) -> Answer {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Log `name` in through the actix service.
    pub(crate) async fn login(&self, name: &str, password: &str) -> Tokens {
        let answer = self
            .post(
                "/auth/login",
                None,
                json!({"username": name, "password": password}),
            )
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        Tokens {
            access: answer.data()["access_token"].as_str().unwrap().to_owned(),
            refresh: answer.data()["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Create a target of the holder of `token` on `credential_id`; its id.
    pub(crate) async fn target(&self, token: &str, credential_id: i64) -> i64 {
        self.post(
            "/targets",
            Some(token),
            json!({"name": "web-01", "host": "10.0.0.5", "platform": "linux", "credential_id": credential_id}),
        )
        .await
        .id()
    }

    /// Create a job of the holder of `token` on `target_ids`; its id.
    pub(crate) async fn job(&self, token: &str, target_ids: &[i64]) -> i64 {
        self.post(
            "/jobs",
            Some(token),
            json!({"name": "uptime", "target_ids": target_ids, "steps": [{"name": "uptime", "command": "uptime"}]}),
        )
        .await
        .id()
    }
}

/// A response read to the end.
pub(crate) async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}
