//! Strict tools: `#[tool(strict)]` and `strict_tools` send `strict: true` with the input
//! schema in Bedrock's subset where the catalog says the model has strict tools, and the
//! plain tool elsewhere; a schema the subset cannot express is reported naming the field.
#![cfg(feature = "testing")]

use std::collections::HashMap;

use ai_routes::prelude::*;
use ai_routes::store::MemoryStore;
use ai_routes::testing::{check_route_schemas, LocalBedrock};
use ai_routes::RouteCheck;

/// Books a table for a number of guests.
#[tool(strict)]
async fn book_table(
    /** How many guests */
    guests: u8,
    /** Name for the booking */
    name: String,
) -> String {
    format!("booked for {guests} ({name})")
}

/// Looks up opening hours.
#[tool]
async fn opening_hours(
    /** The day, e.g. "Monday" */
    day: String,
) -> String {
    format!("{day}: 9-17")
}

/// Tags a booking (free-form tags: a map, which strict schemas cannot express).
#[tool(strict)]
async fn tag_booking(tags: HashMap<String, String>) -> String {
    format!("{} tags", tags.len())
}

/// Books tables (Claude Haiku 4.5 has strict tools).
#[conversation(model = "Claude Haiku 4.5", tools = [book_table, opening_hours], stream = false)]
struct Host;

/// The same on a model whose strict tools the sources do not confirm.
#[conversation(model = "Nova Lite", tools = [book_table, opening_hours], stream = false)]
struct NovaHost;

/// Every tool strict.
#[conversation(model = "Claude Haiku 4.5", tools = [book_table, opening_hours], strict_tools, stream = false)]
struct StrictHost;

/// A strict tool whose input is a map.
#[conversation(model = "Claude Haiku 4.5", tools = [tag_booking], stream = false)]
struct Tagger;

fn tool_specs(body: &serde_json::Value) -> Vec<serde_json::Value> {
    body["toolConfig"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["toolSpec"].clone())
        .collect()
}

#[tokio::test]
async fn strict_tools_are_sent_strict_in_bedrocks_subset_where_the_model_has_them() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let host = Host::new(bedrock.ai_client(), MemoryStore::new(), ());
    let conv = host
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    // The stand-in calls a tool the message names, with input synthesized from the schema.
    let reply = conv
        .send("u", "please book table for two")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.tool_calls[0].0, "book_table");
    assert!(reply.text.contains("booked for"), "{}", reply.text);
    let body = bedrock.requests()[0].body.clone();
    let specs = tool_specs(&body);
    assert_eq!(specs[0]["name"], "book_table");
    assert_eq!(specs[0]["strict"], true);
    let schema = &specs[0]["inputSchema"]["json"];
    assert_eq!(schema["additionalProperties"], false);
    assert!(
        schema["properties"]["guests"].get("maximum").is_none(),
        "{schema}"
    );
    assert!(
        schema["properties"]["guests"]["description"]
            .as_str()
            .unwrap()
            .starts_with("How many guests Constraints:"),
        "{schema}"
    );
    // A tool not declared strict is sent as declared.
    assert!(specs[1].get("strict").is_none(), "{}", specs[1]);
    assert_eq!(
        specs[1]["inputSchema"]["json"].get("additionalProperties"),
        None
    );
}

#[tokio::test]
async fn strict_tools_everywhere_and_nowhere() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let host = StrictHost::new(ai.clone(), MemoryStore::new(), ());
    let conv = host
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    conv.send("u", "hi")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let specs = tool_specs(&bedrock.last_request().unwrap().body);
    assert!(specs.iter().all(|s| s["strict"] == true), "{specs:?}");

    // Nova Lite: strict tools unconfirmed, so not sent strict (and not refused).
    let nova = NovaHost::new(ai.clone(), MemoryStore::new(), ());
    let conv = nova
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    conv.send("u", "hi")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let specs = tool_specs(&bedrock.last_request().unwrap().body);
    assert!(specs.iter().all(|s| s.get("strict").is_none()), "{specs:?}");
}

#[tokio::test]
async fn a_strict_tool_outside_the_subset_is_reported_naming_the_field() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let tagger = Tagger::new(ai.clone(), MemoryStore::new(), ());
    let problem = tagger.route().schema_problem().expect("a map");
    assert!(
        problem.to_string().contains("`tag_booking.tags`"),
        "{problem}"
    );
    let err = ai.check_routes(&[tagger.route()]).unwrap_err();
    assert!(err.to_string().contains("`tag_booking.tags`"), "{err}");
    let host = Host::new(ai.clone(), MemoryStore::new(), ());
    check_route_schemas(&[host.route()]).unwrap();
    assert!(check_route_schemas(&[tagger.route()]).is_err());

    let conv = tagger
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    let err = conv
        .send("u", "tag it")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedSchema { .. }), "{err}");
    assert!(bedrock.requests().is_empty(), "no call was made");
}
