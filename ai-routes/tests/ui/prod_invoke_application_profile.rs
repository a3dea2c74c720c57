use ai_routes::prelude::*;
// `invoke` keeps the named model's checks: it needs `model`, not `model_id`.
#[generation(
    model_id = "anthropic.claude-haiku-4-5-20251001-v1:0",
    invoke = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
)]
async fn unchecked(ai: &Client, text: String) -> Result<String>;

// Not an application inference profile ARN.
#[generation(model = "Claude Haiku 4.5", invoke = "us.anthropic.claude-haiku-4-5-20251001-v1:0")]
async fn not_an_arn(ai: &Client, text: String) -> Result<String>;

// Two ways of choosing what is called.
#[generation(
    model = "Claude Haiku 4.5",
    cross_region = "us",
    invoke = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
)]
async fn both(ai: &Client, text: String) -> Result<String>;

// An application profile is called from its own region.
#[generation(
    model = "Claude Haiku 4.5",
    region = "eu-west-1",
    invoke = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
)]
async fn elsewhere(ai: &Client, text: String) -> Result<String>;

// The named model's own checks still apply.
#[generation(
    model = "Claude Haiku 4.5",
    max_tokens = 1000000,
    invoke = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
)]
async fn over_limit(ai: &Client, text: String) -> Result<String>;

fn main() {}
