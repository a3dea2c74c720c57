//! `local-bedrock`: the local Amazon Bedrock stand-in as a standalone server.
//!
//! ```text
//! local-bedrock [--addr 127.0.0.1:0] [--region us-east-1] [--lenient]
//! ```
//! Prints `listening on http://ADDR` as its first line, then serves until killed. Point any
//! AWS SDK at it with `endpoint_url` and any static credentials.

use std::net::SocketAddr;
use std::process::ExitCode;

use ai_routes::testing::LocalBedrock;

const USAGE: &str = "usage: local-bedrock [--addr HOST:PORT] [--region REGION] [--lenient]\n\
  --addr     address to listen on (default 127.0.0.1:0, port 0 picks a free port)\n\
  --region   region assumed for unsigned requests (default us-east-1)\n\
  --lenient  accept model ids the catalog does not know and skip capability checks";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = LocalBedrock::builder();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => match args.next().map(|a| a.parse::<SocketAddr>()) {
                Some(Ok(addr)) => builder = builder.addr(addr),
                _ => return fail("--addr needs HOST:PORT, e.g. 127.0.0.1:4010"),
            },
            "--region" => match args.next() {
                Some(region) => builder = builder.region(region),
                None => return fail("--region needs a region name"),
            },
            "--lenient" => builder = builder.strict(false),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return fail(&format!("unknown argument `{other}`")),
        }
    }
    let bedrock = match builder.start().await {
        Ok(bedrock) => bedrock,
        Err(e) => return fail(&format!("cannot listen: {e}")),
    };
    println!("listening on {}", bedrock.endpoint());
    bedrock.serve_forever().await;
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("local-bedrock: {message}\n{USAGE}");
    ExitCode::from(2)
}
