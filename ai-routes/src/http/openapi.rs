//! An OpenAPI 3.1 document generated from the served routes.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use super::Api;

pub(super) async fn document(State(api): State<Arc<Api>>) -> Json<Value> {
    let mut paths = Map::new();
    let error = json!({"$ref": "#/components/responses/Error"});
    for entry in api.generations.values() {
        let d = &entry.descriptor;
        paths.insert(
            format!("/generations/{}", d.name),
            json!({"post": {
                "operationId": d.name,
                "summary": d.doc,
                "description": format!("Model: {} ({})", d.model, d.model_id),
                "requestBody": {"required": true, "content": {"application/json": {"schema": d.input_schema}}},
                "responses": {
                    "200": {"description": "The typed result and its metering", "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["value", "usage", "stop_reason", "latency_ms", "attempts", "model_id", "strategy"],
                        "properties": {
                            "value": d.output_schema,
                            "usage": {"$ref": "#/components/schemas/Usage"},
                            "stop_reason": {"type": "string"},
                            "latency_ms": {"type": "integer"},
                            "attempts": {"type": "integer"},
                            "model_id": {"type": "string"},
                            "strategy": {"type": "string", "enum": ["native", "tool", "any", "auto"]}
                        }
                    }}}},
                    "400": error, "401": error, "404": error, "413": error, "429": error, "502": error
                }
            }}),
        );
        paths.insert(
            format!("/generations/{}/stream", d.name),
            json!({"post": {
                "operationId": format!("{}_stream", d.name),
                "summary": d.doc,
                "description": format!(
                    "Model: {} ({}). Server-Sent Events: `partial` ({{\"value\": the result so far}}) while the JSON arrives, then `done` (the body of POST /generations/{}) or `error`.",
                    d.model, d.model_id, d.name
                ),
                "requestBody": {"required": true, "content": {"application/json": {"schema": d.input_schema}}},
                "responses": {
                    "200": {"description": "partial events, then done or error",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                    "400": error, "401": error, "404": error, "413": error, "429": error
                }
            }}),
        );
    }
    for route in api.conversations.values() {
        let name = route.name();
        let id =
            json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
        paths.insert(
            format!("/conversations/{name}"),
            json!({
                "post": {"operationId": format!("{name}_create"), "summary": "Start a conversation",
                         "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConversationInput"}}}},
                         "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conversation"}}}}, "401": error, "403": error, "413": error, "429": error}},
                "get": {"operationId": format!("{name}_list"), "summary": "The caller's conversations, newest first",
                        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": api.max_page_size}}, {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "A page"}, "400": error, "401": error}}
            }),
        );
        paths.insert(
            format!("/conversations/{name}/{{id}}"),
            json!({
                "parameters": [id],
                "get": {"operationId": format!("{name}_get"), "responses": {"200": {"description": "The conversation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conversation"}}}}, "404": error}},
                "patch": {"operationId": format!("{name}_update"), "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConversationInput"}}}}, "responses": {"200": {"description": "Updated"}, "404": error, "413": error}},
                "delete": {"operationId": format!("{name}_delete"), "responses": {"204": {"description": "Deleted"}, "404": error}}
            }),
        );
        paths.insert(
            format!("/conversations/{name}/{{id}}/messages"),
            json!({
                "parameters": [id],
                "get": {"operationId": format!("{name}_messages"), "responses": {"200": {"description": "A page of messages"}, "404": error}},
                "post": {"operationId": format!("{name}_send"), "summary": route.describe()["doc"],
                         "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SendMessage"}}}},
                         "responses": {"200": {"description": "The turn as Server-Sent Events: text_delta, citations, reasoning_delta (the model's reasoning: {text} or {redacted: true}), tool_use, tool_result, then turn_done or error",
                                               "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                                       "400": error, "404": error, "409": error, "413": error, "429": error}}
            }),
        );
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": {"title": "ai-routes API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}
            }}}}},
            "schemas": {
                "Usage": {"type": "object", "properties": {
                    "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
                    "cache_read_tokens": {"type": "integer"}, "cache_write_tokens": {"type": "integer"}, "cost_usd": {"type": "number"}}},
                "ConversationInput": {"type": "object", "properties": {"name": {"type": "string"}, "metadata": {}}},
                "Conversation": {"type": "object", "properties": {
                    "id": {"type": "string"}, "owner": {"type": "string"}, "route": {"type": "string"}, "name": {"type": "string"},
                    "metadata": {}, "message_count": {"type": "integer"}, "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}}},
                "SendMessage": {"type": "object", "properties": {
                    "text": {"type": "string"},
                    "images": {"type": "array", "items": {"type": "object", "properties": {"format": {"type": "string"}, "data": {"type": "string", "contentEncoding": "base64"}}}},
                    "documents": {"type": "array", "items": {"type": "object", "properties": {"format": {"type": "string"}, "name": {"type": "string"}, "data": {"type": "string", "contentEncoding": "base64"}}}},
                    "ai_context": {},
                    "client_tools": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "description": {"type": "string"}, "input_schema": {"type": "object"}}}},
                    "tool_results": {"type": "array", "items": {"type": "object", "properties": {"tool_use_id": {"type": "string"}, "content": {}, "error": {"type": "string"}}}}
                }}
            }
        },
        "security": [{"bearer": []}]
    }))
}
