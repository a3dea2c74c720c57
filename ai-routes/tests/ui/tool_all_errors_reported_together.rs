use ai_routes::prelude::*;

struct Db;

#[tool(name = "9lives", retries = 2)]
fn lookup<T>(db: &Db, other: &Db, [first, ..]: [u8; 2]) -> u8 {
    let _ = (db, other);
    first
}

fn main() {}
