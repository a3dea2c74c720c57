//! ai-routes: declare Amazon Bedrock AI routes as Rust items.

#[cfg(feature = "testing")]
pub mod testing;
