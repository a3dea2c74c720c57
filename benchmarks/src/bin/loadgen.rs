//! A small closed-loop HTTP/1.1 load generator (hyper, one keep-alive connection per worker)
//! for the ai-routes HTTP API on loopback. Bounded in time; stops by itself.
//!
//! `loadgen URL MODE CONCURRENCY SECONDS` with MODE `generation` (POST /generations/plan_recipe)
//! or `sse` (POST /conversations/ChefChat/{id}/messages, body read to the end; each worker
//! starts a fresh conversation every 20 turns, untimed, so history stays short).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use ai_routes_benchmarks::percentile;

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> Sender {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

/// Sends one request; returns (status, time to first body chunk, total, body).
async fn send(sender: &mut Sender, host: &str, path: &str, guest: &str, body: &str) -> (u16, Duration, Duration, Vec<u8>) {
    let t = Instant::now();
    let req = Request::post(path)
        .header("host", host)
        .header("content-type", "application/json")
        .header("x-guest-id", guest)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    sender.ready().await.expect("ready");
    let resp = sender.send_request(req).await.expect("send");
    let status = resp.status().as_u16();
    let mut body = resp.into_body();
    let mut first = None;
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("body");
        if let Some(data) = frame.data_ref() {
            first.get_or_insert_with(|| t.elapsed());
            bytes.extend_from_slice(data);
        }
    }
    let total = t.elapsed();
    (status, first.unwrap_or(total), total, bytes)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().expect("URL").trim_start_matches("http://").trim_end_matches('/').to_string();
    let mode = args.get(1).expect("MODE").clone();
    let concurrency: usize = args.get(2).expect("CONCURRENCY").parse().unwrap();
    let seconds: f64 = args.get(3).expect("SECONDS").parse().unwrap();
    let warmup = Duration::from_secs_f64((seconds * 0.2).min(2.0));
    let start = Instant::now();
    let end = start + warmup + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (url, mode) = (url.clone(), mode.clone());
        workers.push(tokio::spawn(async move {
            let mut sender = connect(&url).await;
            let guest = format!("loadgen-guest-{w:08}");
            let mut lat = Vec::new();
            let mut first = Vec::new();
            let mut errors = 0u64;
            let mut conv = String::new();
            let mut turns = 0;
            while Instant::now() < end {
                let measuring = Instant::now() >= start + warmup;
                let (status, f, t, body) = if mode == "generation" {
                    send(&mut sender, &url, "/generations/plan_recipe", &guest,
                         r#"{"description":"a quick tomato pasta","servings":2}"#).await
                } else {
                    if turns % 20 == 0 {
                        let (s, _, _, b) = send(&mut sender, &url, "/conversations/ChefChat", &guest, "{}").await;
                        assert_eq!(s, 201, "create: {}", String::from_utf8_lossy(&b));
                        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
                        conv = v["id"].as_str().unwrap().to_string();
                    }
                    turns += 1;
                    let r = send(&mut sender, &url, &format!("/conversations/ChefChat/{conv}/messages"), &guest,
                                 r#"{"text":"Tomato pasta?"}"#).await;
                    if !String::from_utf8_lossy(&r.3).contains("turn_done") {
                        errors += 1;
                    }
                    r
                };
                if status != 200 {
                    errors += 1;
                    if errors < 3 {
                        eprintln!("status {status}: {}", String::from_utf8_lossy(&body));
                    }
                }
                if measuring {
                    lat.push(t);
                    first.push(f);
                }
            }
            (lat, first, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut first = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, f, e) = w.await.unwrap();
        lat.extend(l);
        first.extend(f);
        errors += e;
    }
    lat.sort();
    first.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "| {mode} | {concurrency} | {:.0} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {} |",
        lat.len() as f64 / seconds,
        lat.len(),
        ms(percentile(&lat, 50.0)),
        ms(percentile(&lat, 99.0)),
        ms(percentile(&first, 50.0)),
        ms(percentile(&first, 99.0)),
        errors
    );
}
