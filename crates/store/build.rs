// refinery embeds the migrations at compile time but watches only the files
// that existed then: a new `V2__...` must rebuild the crate too.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
