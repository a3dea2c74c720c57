//! The demo app behind `examples/chat`: one generation route, one conversation route with two
//! tools, served with the chat page. Also used by the browser test.

use ai_routes::http::{Api, AuthChain, AuthError, Authenticator, GuestAuth, Identity, JwtAuth};
use ai_routes::prelude::*;
use ai_routes::store::ConversationStore;
use axum::http::request::Parts;
use futures_util::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the tools can reach: in a real app, your services.
pub struct Shop {
    forecasts: Vec<(&'static str, &'static str)>,
    products: Vec<Product>,
}

impl Shop {
    pub fn demo() -> Self {
        let product = |name: &str, price: f64| Product {
            name: name.into(),
            price_usd: price,
        };
        Self {
            forecasts: vec![
                ("Seattle", "rain, 12°C"),
                ("Paris", "sunny, 21°C"),
                ("Tokyo", "cloudy, 17°C"),
            ],
            products: vec![
                product("Rain jacket", 89.0),
                product("Umbrella", 19.5),
                product("Sunglasses", 45.0),
            ],
        }
    }
}

#[derive(Clone, Serialize)]
pub struct Product {
    name: String,
    price_usd: f64,
}

#[derive(Serialize)]
pub struct Weather {
    city: String,
    forecast: String,
}

/// Looks up the current weather for a city.
#[tool]
pub async fn get_weather(
    shop: &Shop,
    /** City name, e.g. "Seattle" */
    city: String,
) -> Result<Weather, ToolError> {
    shop.forecasts
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(city.trim()))
        .map(|(name, forecast)| Weather {
            city: name.to_string(),
            forecast: forecast.to_string(),
        })
        .ok_or_else(|| {
            ToolError::new(format!(
                "no forecast for {city}; try Seattle, Paris or Tokyo"
            ))
        })
}

/// Searches the shop's products by name.
#[derive(Deserialize, JsonSchema, Tool)]
pub struct SearchProducts {
    /// Words to look for in product names.
    query: String,
    /// At most this many results.
    limit: Option<u32>,
}

impl ToolHandler<Shop> for SearchProducts {
    type Output = Vec<Product>;

    async fn handle(self, shop: &Shop) -> Result<Vec<Product>, ToolError> {
        let query = self.query.to_lowercase();
        let limit = self.limit.unwrap_or(5) as usize;
        Ok(shop
            .products
            .iter()
            .filter(|p| {
                query
                    .split_whitespace()
                    .any(|w| p.name.to_lowercase().contains(w))
            })
            .take(limit)
            .cloned()
            .collect())
    }
}

/// Answers questions about the weather and the shop's products.
#[conversation(
    model = "Amazon Nova Lite",
    system_prompt = "You are a helpful shop assistant. Use get_weather for weather and search_products for products.",
    tools = [get_weather, SearchProducts],
    state = Shop,
    max_steps = 6,
    max_tokens = 2000
)]
pub struct ShopAssistant;

/// The typed result; over HTTP, clients read it as JSON, so Rust code here never does.
#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
pub struct Recipe {
    pub title: String,
    pub servings: u8,
    pub ingredients: Vec<String>,
    pub steps: Vec<String>,
}

/// Plans a recipe from a short description.
#[generation(
    model = "Claude Haiku 4.5",
    system_prompt = "You are a chef. Keep recipes short.",
    max_tokens = 1500,
    prompt = "Plan {servings} servings of: {description}"
)]
pub async fn plan_recipe(ai: &Client, description: String, servings: u8) -> Result<Recipe>;

/// Who may call: guests always (the demo's explicit opt-in), and HS256 tokens only when a
/// secret is configured. Without one every token is refused: verifying against an empty key
/// would let anyone sign a token for any owner, and ignoring the token would silently turn a
/// signed-in user into a guest. A short secret is an error, not a warning.
pub fn auth(jwt_secret: Option<&str>) -> Result<Box<dyn Authenticator>, AuthError> {
    Ok(match jwt_secret {
        Some(secret) => Box::new(AuthChain::new(
            JwtAuth::hs256(secret.as_bytes())?,
            GuestAuth,
        )),
        None => Box::new(AuthChain::new(NoTokens, GuestAuth)),
    })
}

/// The token side of a server configured without a JWT secret.
struct NoTokens;

impl Authenticator for NoTokens {
    fn authenticate<'a>(
        &'a self,
        _request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        Box::pin(async {
            Err(AuthError::Rejected(
                "this server accepts no tokens (no JWT secret is configured); sign out to chat as a guest".into(),
            ))
        })
    }
}

/// The API of the app, before any limits are set.
pub fn api(ai: Client, store: impl ConversationStore, auth: impl Authenticator) -> Api {
    let assistant = ShopAssistant::new(ai.clone(), store, Shop::demo());
    api_for(ai, &assistant, auth)
}

/// The API serving this assistant and the recipe route.
pub fn api_for(ai: Client, assistant: &ShopAssistant, auth: impl Authenticator) -> Api {
    Api::new(ai, auth)
        .generation(&PLAN_RECIPE_ROUTE)
        .conversation(assistant.route().clone())
}

/// The assistant's tools (with its state) and the recipe route as an MCP server (feature
/// `mcp`): served at `/mcp` next to the API, or over stdio with `--mcp-stdio`.
#[cfg(feature = "mcp")]
pub fn mcp_server(
    ai: Client,
    assistant: &ShopAssistant,
) -> ai_routes::Result<ai_routes::mcp::McpServer<Shop>> {
    ai_routes::mcp::McpServer::for_route(assistant.route())
        .name("ai-routes-chat", env!("CARGO_PKG_VERSION"))
        .instructions("A demo shop: weather by city, product search and recipe plans.")
        .client(ai)
        .generation(&PLAN_RECIPE_ROUTE)
        .build()
}

/// The HTTP app without limits: the API and the chat page, as the tests drive it (the
/// example's `main` adds limits).
#[allow(dead_code)]
pub fn router(ai: Client, store: impl ConversationStore, auth: impl Authenticator) -> axum::Router {
    api(ai, store, auth).router()
}
